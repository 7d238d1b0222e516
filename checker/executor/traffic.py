"""Traffic shifting as CodeDeploy's deployment configurations define it, on the simulated clock.

Predefined configurations: `...Canary<P>Percent<M>Minutes` shifts P % and waits M minutes before the rest;
`...Linear<P>PercentEvery<M>Minute(s)` adds P % every M minutes; `...AllAtOnce` shifts everything at once;
EC2/on-premises `OneAtATime` and `HalfAtATime` replace instances a quarter (of a four-instance fleet, an
assumption the step says) or a half at a time. A custom configuration comes from the scanned files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from checker.model import CodeDeployConfig
from checker.model.values import as_text

if TYPE_CHECKING:
    from checker.executor.engine import Context
    from checker.executor.scenario import Failure

_CANARY = re.compile(r"Canary(\d+)Percent(\d+)Minutes?$")
_LINEAR = re.compile(r"Linear(\d+)PercentEvery(\d+)Minutes?$")
INSTANCE_MINUTES = 2


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    steps: tuple[tuple[float, int], ...]  # (minutes after the start, percent of traffic on the new revision)
    note: str = ""


def plan(config_name: str | None, platform: str, configs: list[CodeDeployConfig]) -> Plan:
    name = config_name or ("CodeDeployDefault.OneAtATime" if platform == "Server" else f"CodeDeployDefault.{platform}AllAtOnce")
    short = name.removeprefix("CodeDeployDefault.")
    if (match := _CANARY.search(short)):
        percent, minutes = int(match.group(1)), int(match.group(2))
        return Plan(name, ((0, percent), (minutes, 100)))
    if (match := _LINEAR.search(short)):
        percent, minutes = int(match.group(1)), int(match.group(2))
        steps, share, at = [], percent, 0
        while share < 100:
            steps.append((at, share))
            share, at = share + percent, at + minutes
        return Plan(name, (*steps, (at, 100)))
    if short.endswith("AllAtOnce"):
        return Plan(name, ((0, 100),))
    if short == "HalfAtATime":
        return Plan(name, ((0, 50), (INSTANCE_MINUTES, 100)), "a fleet of 4 instances is assumed")
    if short == "OneAtATime":
        return Plan(name, tuple((i * INSTANCE_MINUTES, 25 * (i + 1)) for i in range(4)), "a fleet of 4 instances is assumed")
    custom = next((c for c in configs if as_text(c.name) == name), None)
    if custom is not None and custom.traffic_routing is not None:
        routing = custom.traffic_routing
        kind = as_text(routing.type) or "AllAtOnce"
        percent = routing.percentage if isinstance(routing.percentage, int) else 10
        minutes = routing.interval_minutes if isinstance(routing.interval_minutes, int) else 1
        if kind == "TimeBasedCanary":
            return replace(plan(f"Canary{percent}Percent{minutes}Minutes", platform, []), name=name)
        if kind == "TimeBasedLinear":
            return replace(plan(f"Linear{percent}PercentEvery{minutes}Minutes", platform, []), name=name)
        return Plan(name, ((0, 100),))
    if custom is not None:
        return Plan(name, tuple((i * INSTANCE_MINUTES, 25 * (i + 1)) for i in range(4)),
                    "custom minimum-healthy-hosts configuration: one instance at a time is assumed")  # fmt: skip
    return Plan(name, ((0, 100),), f"{name} is not defined in the scanned files: shifted all at once")


@dataclass(frozen=True, slots=True)
class Shift:
    ok: bool
    percent: int  # traffic on the new revision when it ended
    reason: str = ""
    event: str = ""  # DEPLOYMENT_FAILURE or DEPLOYMENT_STOP_ON_ALARM


def shift(ctx: Context, route: Plan, label: str, alarms: list[str], failure: Failure | None) -> Shift:
    """Walk the plan's steps; a firing alarm stops it, an injected failure fails it at the first step."""
    start = ctx.clock.now
    if route.note:
        ctx.step(f"{route.name}: {route.note}")
    percent = 0
    for index, (minute, share) in enumerate(route.steps):
        ctx.clock.now = max(ctx.clock.now, start + _minutes(minute))
        percent = share
        ctx.step(f"{share}% of traffic on {label}")
        if failure is not None:
            return Shift(False, percent, f"deployment failed at {share}%: {failure.message}", "DEPLOYMENT_FAILURE")
        firing = [a for a in alarms if ctx.world.alarm_state(a) == "ALARM"]
        if firing:
            return Shift(False, percent, f"stopped at {share}%: alarm {', '.join(firing)} in ALARM", "DEPLOYMENT_STOP_ON_ALARM")
        if index + 1 < len(route.steps):
            ctx.clock.now = start + _minutes(route.steps[index + 1][0])
    return Shift(True, percent)


def _minutes(value: float):  # noqa: ANN202
    import datetime

    return datetime.timedelta(minutes=value)
