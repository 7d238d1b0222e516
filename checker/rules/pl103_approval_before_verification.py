from __future__ import annotations

from collections.abc import Iterator

from checker.model import Pipeline, Severity
from checker.rules.base import Rule, RuleContext, Verdict, related


class ApprovalBeforeVerification(Rule):
    """The approval that gates production runs before every pre-production deploy.

    ## Why is this bad?
    The approver is asked to accept a change that nobody has yet seen running in dev, test or staging. The
    approval records a decision without evidence, and the pre-production deploys after it gate nothing.

    ## Example
    Source → Build → Approve → DeployStaging → DeployProd.

    ## Use instead
    Move the approval after the pre-production deploys and their tests, just before the prod stage:
    Source → Build → DeployStaging → Test → Approve → DeployProd.
    """

    code = "PL103"
    name = "approval-before-verification"
    severity = Severity.MEDIUM

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        first = prods[0]
        gates = [a for a in ctx.approvals(pipeline) if a.gates(first) is True]
        earlier = ctx.nonprod_before(first)
        if not gates:
            yield self.not_applicable("no approval gates the first production deploy (PL101 reports that)")
        elif not earlier:
            yield self.not_applicable("no pre-production deploy runs before production (PL104 reports that)")
        elif any(d.runs_before(g) for g in gates for d in earlier):
            gate = next(g for g in reversed(gates) if any(d.runs_before(g) for d in earlier))
            yield self.passed(f"{gate.label} runs after the pre-production deploy {earlier[0].label}")
        else:
            gate = gates[-1]
            yield self.failed(
                gate,
                f"{gate.label} runs before every pre-production deploy (the first is {earlier[0].label}, to "
                f"{earlier[0].environment.tier.value}), so it approves a change nobody has seen running",
                related(earlier[0], f"{earlier[0].label} deploys to {earlier[0].environment.tier.value} after the approval"),
            )
