from __future__ import annotations

import re
from collections.abc import Iterator

from checker.analysis.core import ActionFacts
from checker.model import Pipeline, Severity, SourceFormat
from checker.model.values import as_text
from checker.rules.base import Rule, RuleContext, Verdict

NOTIFY = re.compile(r"(?i)notif|slack|teams|e-?mail|\bmail\b|sns\s+publish|chat|webhook|pagerduty|opsgenie")


def notifies(facts: ActionFacts) -> bool:
    """A CI step that tells people something: its name or commands speak of notifying, chat or mail."""
    texts = [as_text(facts.action.name) or ""] + [as_text(c) or "" for c in facts.action.commands]
    return any(NOTIFY.search(text) for text in texts)


class ApprovalWithoutNotification(Rule):
    """The manual approval that gates a production deploy notifies nobody.

    ## Why is this bad?
    An approval without a `NotificationArn` waits silently until someone happens to open the console. Releases
    stall for days, or get approved in a hurry by whoever notices, without the context a notification gives.

    ## Example
    An `Approval`/`Manual` action before the prod stage with a `CustomData` message but no `NotificationArn`.

    ## Use instead
    Set `NotificationArn` to an SNS topic the approvers subscribe to (and `ExternalEntityLink` to the change
    to review). GitHub notifies an environment's required reviewers itself; GitLab tells nobody that a
    deployment waits for approval or a manual job to be started, so add a notification step (a chat or e-mail
    message) before the gate.
    """

    code = "PL102"
    name = "approval-without-notification"
    severity = Severity.LOW

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        gates = [a for a in ctx.approvals(pipeline) if any(a.gates(d) is True for d in prods)]
        if not gates:
            yield self.not_applicable("no approval gates a production deploy (PL101 reports that)")
            return
        for gate in gates:
            told = gate.gate.notifies if gate.gate is not None else None
            if told:
                yield self.passed(f"{gate.label} notifies {told}")
                continue
            if gate.pipeline.format.is_ci:
                told_by = [a for a in ctx.actions(pipeline) if a.runs_before(gate) and notifies(a)]
                if told_by:
                    yield self.passed(f"{told_by[-1].label} tells people before {gate.label} waits")
                    continue
                why = ("GitLab does not notify approvers of a waiting deployment or manual job"
                       if gate.pipeline.format is SourceFormat.GITLAB_CI else "the file names nobody to notify")
                yield self.failed(gate, f"{gate.label} gates production, but nobody is told that a release waits: "
                                        f"{why}")  # fmt: skip
                continue
            topic = gate.action.configuration.get("NotificationArn")
            if topic is None or topic == "":
                yield self.failed(gate.action.configuration_ref("NotificationArn") if gate.action.configuration
                                  else gate, f"{gate.label} gates production but has no NotificationArn, so "
                                             "nobody is told that a release waits for approval")  # fmt: skip
            else:
                yield self.passed(f"{gate.label} notifies {topic}")
