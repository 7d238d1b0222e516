from __future__ import annotations

from collections.abc import Iterator

from checker.analysis.core import ActionFacts
from checker.model import Pipeline, Result, Severity
from checker.model.values import as_text
from checker.rules.base import Rule, RuleContext, Verdict, target_related


def alarm_gate(deploy: ActionFacts) -> str | None:
    """A V2 onSuccess CloudWatchAlarm rule that rolls the stage back: the alarm decides after the deploy."""
    gate = deploy.stage.on_success
    if gate is None:
        return None
    for condition in gate.conditions:
        if condition.result is Result.ROLLBACK:
            for rule in condition.rules:
                if as_text(rule.provider) == "CloudWatchAlarm":
                    return f"stage '{deploy.stage.name}' rolls back when its onSuccess alarm rule '{rule.name}' fires"
    return None


class RollbackWithoutAlarms(Rule):
    """A production deploy rolls back when it fails, but not when its alarms fire.

    ## Why is this bad?
    Most bad releases deploy successfully and then break: errors rise, latency climbs. Rollback that waits for
    the deployment itself to fail never sees them. Alarms connect what customers feel to the rollback.

    ## Example
    A prod deployment group with `AutoRollbackConfiguration` on `DEPLOYMENT_FAILURE` only and no
    `AlarmConfiguration`; a SAM `DeploymentPreference` without `Alarms`.

    ## Use instead
    An enabled `AlarmConfiguration` and the `DEPLOYMENT_STOP_ON_ALARM` rollback event, SAM `Alarms`, AppConfig
    monitors, or (V2) an `OnSuccess` condition with a `CloudWatchAlarm` rule and result `ROLLBACK`.
    """

    code = "PL302"
    name = "rollback-without-alarms"
    severity = Severity.MEDIUM

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        for deploy in prods:
            rollback = deploy.rollback
            gate = alarm_gate(deploy)
            if gate:
                yield self.passed(gate)
            elif why := deploy.unknown_rollback:
                yield self.unknown(why, deploy)
            elif not rollback.on_failure and not deploy.stage_rollback:
                yield self.not_applicable(f"{deploy.label} does not roll back at all (PL301 reports that)")
            elif rollback.on_alarm:
                yield self.passed(f"{deploy.label}: {rollback.detail}")
            elif rollback.on_alarm is None:
                yield self.unknown(f"whether alarms roll back {deploy.label} is unknown: {rollback.detail}", deploy)
            else:
                yield self.failed(deploy, f"{deploy.label} rolls back only when the deploy fails, not when an alarm "
                                          f"fires ({rollback.detail})", *target_related(deploy, rollback.detail))  # fmt: skip
