from __future__ import annotations

from collections.abc import Iterator

from checker.model import CodeDeployGroup, Pipeline, Severity, Unknown
from checker.rules.base import Rule, RuleContext, Verdict, related


def _lambda(group: CodeDeployGroup) -> bool:
    config = group.deployment_config_name
    return group.compute_platform == "Lambda" or isinstance(config, str) and config.startswith("CodeDeployDefault.Lambda")


class BlueFleetTerminatedImmediately(Rule):
    """A blue/green production deploy terminates the old (blue) fleet sooner than the configured wait.

    The minimum is the option `min_wait_minutes` (default 60).

    ## Why is this bad?
    Blue/green's promise is a fast way back: shift traffic back to the old fleet. Once the blue instances or
    task set are terminated there is nothing to shift back to, and a problem found an hour later needs a full
    redeploy of the old version.

    ## Example
    `BlueGreenDeploymentConfiguration.TerminateBlueInstancesOnDeploymentSuccess: {Action: TERMINATE,
    TerminationWaitTimeInMinutes: 5}` on the prod deployment group.

    ## Use instead
    Keep the blue fleet for at least an hour (`TerminationWaitTimeInMinutes: 60` or more, up to 2880), or
    `Action: KEEP_ALIVE` where the old instances are reused.
    """

    code = "PL304"
    name = "blue-fleet-terminated-immediately"
    severity = Severity.LOW
    options = {"min_wait_minutes": 60}

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        minimum = int(ctx.option("min_wait_minutes"))
        judged = False
        for deploy in prods:
            groups = [t for t in deploy.link.targets if isinstance(t, CodeDeployGroup) and t.deployment_type == "BLUE_GREEN"
                      and not _lambda(t)]  # Lambda shifts an alias between versions: there is no fleet to keep
            for group in groups:
                judged = True
                action, wait = group.blue_termination_action, group.blue_termination_wait_minutes
                where = f"deployment group {group.logical_id}"
                if action == "KEEP_ALIVE":
                    yield self.passed(f"{where} keeps the blue fleet")
                elif isinstance(action, Unknown) or isinstance(wait, Unknown):
                    reason = action.reason if isinstance(action, Unknown) else wait.reason  # type: ignore[union-attr]
                    yield self.unknown(f"the blue fleet termination of {where} is unknown: {reason}", group)
                elif wait is None:
                    yield self.unknown(f"{where} does not set TerminationWaitTimeInMinutes; CodeDeploy's default "
                                       f"applies, so set it explicitly to at least {minimum}", group)  # fmt: skip
                elif wait < minimum:
                    yield self.failed(deploy, f"{deploy.label} terminates the old (blue) fleet {wait} min after a "
                                              f"successful deploy (the minimum is {minimum})",
                                      related(group, f"{where} sets TerminationWaitTimeInMinutes {wait}"))  # fmt: skip
                else:
                    yield self.passed(f"{where} keeps the blue fleet {wait} min")
        if not judged:
            yield self.not_applicable("no production deploy is a CodeDeploy blue/green deployment")
