from __future__ import annotations

from collections.abc import Iterator

from checker.model import Pipeline, Severity
from checker.model.arn import describe, same_account
from checker.rules.base import Rule, RuleContext, Verdict, related


class ProdSharesAccountWithNonprod(Rule):
    """A production deploy targets the same AWS account as a non-production deploy.

    ## Why is this bad?
    The account is AWS's hardest isolation boundary. When staging and prod share one, a test, a script or a
    compromised staging credential can change production, quotas are shared, and IAM mistakes in one spill
    into the other.

    ## Example
    DeployStaging and DeployProd both assume `arn:aws:iam::222222222222:role/deploy`.

    ## Use instead
    One account per environment (dev, staging, prod), each deploy assuming a role in its own environment's
    account, as AWS's multi-account guidance and the Deployment Pipeline Reference Architecture describe.
    """

    code = "PL201"
    name = "prod-shares-account-with-nonprod"
    severity = Severity.HIGH

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        others = ctx.nonprod_deploys(pipeline)
        if not others:
            yield self.not_applicable("the pipeline deploys to no non-production environment")
            return
        for prod in prods:
            shared = [o for o in others if same_account(prod.account, o.account)]
            if shared:
                other = shared[0]
                yield self.failed(prod, f"{prod.label} deploys to account {describe(prod.account)}, the same as "
                                        f"{other.label} ({other.environment.tier.value})",
                                  *(related(o, f"{o.label} deploys to {o.environment.tier.value} in the same account "
                                               f"({o.account_source})") for o in shared))  # fmt: skip
                continue
            open_ = [o for o in others if same_account(prod.account, o.account) is None]
            if open_:
                other = open_[0]
                yield self.unknown(f"cannot tell whether {prod.label} (account {describe(prod.account)}) and "
                                   f"{other.label} (account {describe(other.account)}) use different accounts", prod)  # fmt: skip
                continue
            accounts = ", ".join(sorted({str(o.account) for o in others}))
            yield self.passed(f"{prod.label} deploys to account {prod.account}; non-production deploys to {accounts}")
