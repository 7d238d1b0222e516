from __future__ import annotations

from collections.abc import Iterator

from checker.analysis.core import ActionFacts
from checker.model import Pipeline, Severity, ci
from checker.rules.base import Rule, RuleContext, Verdict, related


def _why_parallel(approval: ActionFacts, deploy: ActionFacts) -> str:
    if approval.stage_index == deploy.stage_index:
        return "same run order"
    if approval.action.provider == ci.GITLAB_MANUAL_JOB:
        return ("a manual job holds the later stages only with `allow_failure: false`, and a job's `needs:` may skip "
                "it")
    return "neither waits for the other"


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
    deploy in the prod stage. In GitHub Actions or GitLab CI: a job `environment:` with required reviewers
    (GitHub) or deployment approvals (GitLab) that the policy declares in `protected_environments`, a
    `when: manual` job (GitLab), or a job the deploy `needs` that waits for approvers.
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
            before = [a for a in approvals if a.gates(deploy) is True]
            if before:
                yield self.passed(f"{before[-1].label} runs before {deploy.label}")
                continue
            undecided = [a for a in approvals if a.runs_before(deploy) is None]
            if undecided:
                yield self.unknown(f"the run order of {undecided[0].label} or of {deploy.label} is unknown", deploy)
                continue
            maybe = [a for a in ctx.maybe_approvals(pipeline) if a.runs_before(deploy) is not False]
            if maybe:
                yield self.unknown(f"{deploy.label} deploys to production after {maybe[-1].label}: "
                                   f"{maybe[-1].gate.reason}", deploy)  # type: ignore[union-attr]  # fmt: skip
                continue
            parallel = [related(a, f"{a.label} runs in parallel with the deploy ({_why_parallel(a, deploy)}): it "
                                   "gates nothing")
                        for a in approvals if a.runs_before(deploy) is False and deploy.runs_before(a) is False]
            after = [related(a, f"{a.label} runs after the deploy") for a in approvals if deploy.runs_before(a)]
            idle = [related(g, f"{g.label} does not gate it: {g.gate.reason}")  # type: ignore[union-attr]
                    for g in ctx.actions(pipeline) if g.gate is not None and g.gate.approves is False
                    and g.runs_before(deploy)]  # fmt: skip
            idle += [related(a, f"{a.label} runs before it, but the deploy's job runs whatever happened before it "
                                "(`if: always()` or `when: always` on the way), so a rejection does not stop it")
                     for a in approvals if a.runs_before(deploy) is True and a.gates(deploy) is False]  # fmt: skip
            yield self.failed(
                deploy,
                f"{deploy.label} deploys to production ({deploy.environment.explain()}) without a manual approval "
                "before it",
                *parallel, *after, *idle,
            )
