from __future__ import annotations

from collections.abc import Iterator

from checker.model import Pipeline, Severity
from checker.rules.base import Rule, RuleContext, Verdict


class ApprovalWithoutNotification(Rule):
    """The manual approval that gates a production deploy notifies nobody.

    ## Why is this bad?
    An approval without a `NotificationArn` waits silently until someone happens to open the console. Releases
    stall for days, or get approved in a hurry by whoever notices, without the context a notification gives.

    ## Example
    An `Approval`/`Manual` action before the prod stage with a `CustomData` message but no `NotificationArn`.

    ## Use instead
    Set `NotificationArn` to an SNS topic the approvers subscribe to (and `ExternalEntityLink` to the change
    to review).
    """

    code = "PL102"
    name = "approval-without-notification"
    severity = Severity.LOW

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        gates = [a for a in ctx.approvals(pipeline) if any(a.runs_before(d) is True for d in prods)]
        if not gates:
            yield self.not_applicable("no approval gates a production deploy (PL101 reports that)")
            return
        for gate in gates:
            topic = gate.action.configuration.get("NotificationArn")
            if topic is None or topic == "":
                yield self.failed(gate.action.configuration_ref("NotificationArn") if gate.action.configuration
                                  else gate, f"{gate.label} gates production but has no NotificationArn, so "
                                             "nobody is told that a release waits for approval")  # fmt: skip
            else:
                yield self.passed(f"{gate.label} notifies {topic}")
