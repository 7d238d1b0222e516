from __future__ import annotations

from collections.abc import Iterator

from checker.model import Pipeline, Severity, Unknown
from checker.model.values import as_text
from checker.rules.base import Rule, RuleContext, Verdict

DESTRUCTIVE = {
    "REPLACE_ON_FAILURE": "deletes and re-creates the stack when it is in a failed state",
    "DELETE_ONLY": "deletes the stack",
}


class DestructiveProdStackAction(Rule):
    """A production CloudFormation action uses `REPLACE_ON_FAILURE` or `DELETE_ONLY`.

    ## Why is this bad?
    `REPLACE_ON_FAILURE` deletes a stack that is in a failed state and creates it again; `DELETE_ONLY` deletes
    it. In production that destroys databases, queues and anything else without a retention policy, which is
    fine for a test environment and a disaster for prod.

    ## Example
    `ActionMode: REPLACE_ON_FAILURE` on the DeployProd CloudFormation action.

    ## Use instead
    `CHANGE_SET_REPLACE` then `CHANGE_SET_EXECUTE` (or `CREATE_UPDATE`) for prod; keep the destructive modes
    for ephemeral test stacks.
    """

    code = "PL303"
    name = "destructive-prod-stack-action"
    severity = Severity.HIGH

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        stacks = [f for f in prods if (as_text(f.action.provider) or "").startswith("CloudFormation")]
        if not stacks:
            yield self.not_applicable("no production deploy is a CloudFormation action")
            return
        for deploy in stacks:
            mode = deploy.action.configuration.get("ActionMode")
            if isinstance(mode, Unknown):
                yield self.unknown(f"the ActionMode of {deploy.label} is unknown: {mode.reason}", deploy)
            elif mode in DESTRUCTIVE:
                yield self.failed(deploy.action.configuration_ref("ActionMode"),
                                  f"{deploy.label} uses {mode} on a production stack, which {DESTRUCTIVE[mode]}")  # type: ignore[index]
            else:
                yield self.passed(f"{deploy.label} uses {mode or 'CREATE_UPDATE'}")
