from __future__ import annotations

from collections.abc import Iterator

from checker.model import Pipeline, Severity
from checker.rules.base import Rule, RuleContext, Verdict
from checker.model.arn import describe, same_account


class ProdDeployInPipelineAccount(Rule):
    """A production deploy runs in the pipeline's own account instead of assuming a role in a prod account.

    ## Why is this bad?
    The pipeline (tools) account holds build systems, artifacts and many people's access. Production resources
    there share its blast radius and its permissions; a deploy without a cross-account role cannot be limited
    to what production needs.

    ## Example
    A `DeployProd` action without `RoleArn`, in a pipeline whose role is in the tools account.

    ## Use instead
    Give the prod deploy action a `RoleArn` in the production account, trusted only by the pipeline's role.
    In GitHub Actions or GitLab CI, where the runner has no account of its own, the deploy job signs in
    (OIDC) to a role whose ARN names the production account; a role given only by name, or credentials
    from secrets, leave the account unknown.
    """

    code = "PL202"
    name = "prod-deploy-in-pipeline-account"
    severity = Severity.HIGH

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        for prod in prods:
            if pipeline.format.is_ci:  # a CI runner has no account: what counts is the role the deploy signs in with
                if isinstance(prod.account, str):
                    yield self.passed(f"{prod.label} signs in to a role in account {prod.account}")
                else:
                    yield self.unknown(f"the account {prod.label} deploys to is unknown: {describe(prod.account)}", prod)
                continue
            if prod.action.role_arn is None and prod.account_source.startswith("the pipeline's"):
                yield self.failed(prod, f"{prod.label} deploys to production without a cross-account role, so it "
                                        f"runs in the pipeline's own account ({describe(pipeline.account)})")  # fmt: skip
                continue
            same = same_account(prod.account, pipeline.account)
            if same:
                yield self.failed(prod, f"{prod.label} deploys to production with {prod.account_source}, in the "
                                        f"pipeline's own account {describe(pipeline.account)}")  # fmt: skip
            elif same is None:
                yield self.unknown(f"cannot tell whether {prod.label} ({prod.account_source}, account "
                                   f"{describe(prod.account)}) leaves the pipeline's account "
                                   f"{describe(pipeline.account)}", prod)  # fmt: skip
            else:
                yield self.passed(f"{prod.label} assumes a role in account {prod.account}, not the pipeline's {pipeline.account}")
