from __future__ import annotations

from collections.abc import Iterator

from checker.model import Pipeline, Severity, Unknown
from checker.model.values import as_text
from checker.rules.base import Rule, RuleContext, Verdict

DIRECT = ("CREATE_UPDATE", "REPLACE_ON_FAILURE")


class UnreviewedProdStackChange(Rule):
    """A production CloudFormation deploy applies the stack directly instead of through a change set.

    ## Why is this bad?
    `CREATE_UPDATE` applies whatever the template changes, replacements and deletions included, with nobody
    seeing the list first. A change set shows exactly which resources will be modified or replaced, and an
    approval between creating and executing it turns that list into a reviewed decision.

    ## Example
    The DeployProd stage has one CloudFormation action with `ActionMode: CREATE_UPDATE`.

    ## Use instead
    `CHANGE_SET_REPLACE` → a Manual approval → `CHANGE_SET_EXECUTE` in the prod stage, in increasing run
    order. In a CI job: `sam deploy --no-execute-changeset` (or `aws cloudformation deploy --no-execute-changeset`,
    `cdk deploy --method=prepare-change-set`), then an approval, then `aws cloudformation execute-change-set`.
    """

    code = "PL501"
    name = "unreviewed-prod-stack-change"
    severity = Severity.INFO

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        stacks = [f for f in prods if as_text(f.action.provider) == "CloudFormation"]
        if not stacks:
            yield self.not_applicable("no production deploy is a CloudFormation stack action")
            return
        for deploy in stacks:
            mode = deploy.action.configuration.get("ActionMode")
            if isinstance(mode, Unknown):
                yield self.unknown(f"the ActionMode of {deploy.label} is unknown: {mode.reason}", deploy)
            elif mode in DIRECT:
                yield self.failed(deploy.action.configuration_ref("ActionMode"),
                                  f"{deploy.label} applies the production stack directly ({mode}), without a "
                                  "change set anyone can review")  # fmt: skip
            else:
                yield self.passed(f"{deploy.label} uses {mode}")
