from __future__ import annotations

from collections.abc import Iterator

from checker.model import Pipeline, Severity
from checker.rules.base import Rule, RuleContext, Verdict, related


class ProdDeployWithoutApproval(Rule):
    """A production deploy runs without a manual approval strictly before it.

    ## Why is this bad?
    Tests in staging cannot catch every risk. A manual approval makes a person accept the change before
    customers see it, and leaves a record of who did. An approval at the same run order as the deploy runs in
    parallel with it and gates nothing.

    ## Example
    Stages Source → Build → DeployStaging → DeployProd, with no `Approval`/`Manual` action; or an approval in
    the DeployProd stage at `RunOrder: 1` beside the deploy at `RunOrder: 1`.

    ## Use instead
    An `Approval`/`Manual` action in a stage between staging and prod, or at a lower `RunOrder` than the
    deploy in the prod stage.
    """

    code = "PL101"
    name = "prod-deploy-without-approval"
    severity = Severity.HIGH

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        approvals = ctx.approvals(pipeline)
        for deploy in prods:
            before = [a for a in approvals if a.runs_before(deploy) is True]
            if before:
                yield self.passed(f"{before[-1].label} runs before {deploy.label}")
                continue
            undecided = [a for a in approvals if a.runs_before(deploy) is None]
            if undecided:
                yield self.unknown(f"the run order of {undecided[0].label} or of {deploy.label} is unknown", deploy)
                continue
            parallel = [related(a, f"{a.label} runs in parallel with the deploy (same run order): it gates nothing")
                        for a in approvals if a.stage_index == deploy.stage_index and a.runs_before(deploy) is False
                        and not deploy.runs_before(a)]  # fmt: skip
            after = [related(a, f"{a.label} runs after the deploy") for a in approvals if deploy.runs_before(a)]
            yield self.failed(
                deploy,
                f"{deploy.label} deploys to production ({deploy.environment.explain()}) without a manual approval "
                "before it",
                *parallel, *after,
            )
