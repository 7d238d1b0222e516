"""How a deploy shifts traffic (its strategy class) and what rolls it back, read from its target.

Facts, with AWS's defaults: CodeDeploy uses OneAtATime on EC2/on-premises when no configuration is set and
AllAtOnce on Lambda and ECS; Elastic Beanstalk deploys AllAtOnce unless told otherwise; SAM writes
`CodeDeployDefault.Lambda${Type}`; a CloudFormation stack update rolls back by itself when it fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from checker.model import (
    AppConfigEnvironment,
    AppConfigStrategy,
    BeanstalkEnvironment,
    CloudFormationStack,
    CodeDeployConfig,
    CodeDeployGroup,
    DeployTarget,
    EcsService,
    LambdaAlias,
    SamFunction,
    Unknown,
)
from checker.model.values import as_text


class StrategyClass(Enum):
    ALL_AT_ONCE = "all-at-once"
    ROLLING = "rolling"
    CANARY = "canary"
    LINEAR = "linear"
    BLUE_GREEN = "blue/green"
    IMMUTABLE = "immutable"
    STACK_UPDATE = "stack update"  # a stack whose template holds nothing with a deployment strategy
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Strategy:
    cls: StrategyClass
    detail: str  # the configuration that decided it, in AWS's words


@dataclass(frozen=True, slots=True)
class Rollback:
    """Whether a failed deploy is undone automatically, and whether alarms can trigger it."""

    on_failure: bool | None  # None: the files do not say
    on_alarm: bool | None
    detail: str


def codedeploy_class(name: str) -> StrategyClass | None:
    """The class of a predefined CodeDeploy configuration, or None for a custom one."""
    if not name.startswith("CodeDeployDefault."):
        return None
    short = name[len("CodeDeployDefault.") :]
    if re.fullmatch(r"(Lambda|ECS)?AllAtOnce(BlueGreen)?", short):
        return StrategyClass.ALL_AT_ONCE
    if short in ("HalfAtATime", "OneAtATime"):
        return StrategyClass.ROLLING
    if re.fullmatch(r"(Lambda|ECS)Canary\d+Percent\w*", short):
        return StrategyClass.CANARY
    if re.fullmatch(r"(Lambda|ECS)Linear\d+Percent\w*", short):
        return StrategyClass.LINEAR
    return StrategyClass.UNKNOWN


def _custom_class(config: CodeDeployConfig) -> Strategy:
    routing = config.traffic_routing
    if routing is not None:
        kind = as_text(routing.type)
        cls = {"AllAtOnce": StrategyClass.ALL_AT_ONCE, "TimeBasedCanary": StrategyClass.CANARY,
               "TimeBasedLinear": StrategyClass.LINEAR}.get(kind or "", StrategyClass.UNKNOWN)  # fmt: skip
        return Strategy(cls, f"custom configuration {config.name} ({kind})")
    kind, value = as_text(config.minimum_healthy_hosts_type), config.minimum_healthy_hosts_value
    if kind == "FLEET_PERCENT" and value == 0 or kind == "HOST_COUNT" and value == 0:
        return Strategy(StrategyClass.ALL_AT_ONCE, f"custom configuration {config.name} (no healthy hosts kept)")
    if kind in ("FLEET_PERCENT", "HOST_COUNT"):
        return Strategy(StrategyClass.ROLLING, f"custom configuration {config.name} (minimum healthy {kind} {value})")
    return Strategy(StrategyClass.UNKNOWN, f"custom configuration {config.name}")


def codedeploy_strategy(group: CodeDeployGroup, configs: list[CodeDeployConfig]) -> Strategy:
    name = group.deployment_config_name
    platform = as_text(group.compute_platform)
    if name is None:
        if platform in ("Lambda", "ECS"):
            name = f"CodeDeployDefault.{'Lambda' if platform == 'Lambda' else 'ECS'}AllAtOnce"
        elif platform == "Server" or platform is None and group.deployment_type in (None, "IN_PLACE"):
            name = "CodeDeployDefault.OneAtATime"
        else:
            return Strategy(StrategyClass.UNKNOWN, "no deployment configuration, and the compute platform is unknown")
        detail = f"{name} (CodeDeploy's default: none set)"
    elif isinstance(name, Unknown):
        for config in configs:  # `!Ref Config` to a custom configuration in the group's own template
            if config.source.file == group.source.file and name.text == f"${{{config.logical_id}}}":
                return _custom_class(config)
        return Strategy(StrategyClass.UNKNOWN, f"deployment configuration: {name.reason}")
    else:
        detail = name
    cls = codedeploy_class(name)
    if cls is None:
        for config in sorted(configs, key=lambda c: c.source.file != group.source.file):  # its own template first
            if config.name == name:
                return _custom_class(config)
        return Strategy(StrategyClass.UNKNOWN, f"custom configuration {name}, not defined in the scanned files")
    generic = not name.startswith(("CodeDeployDefault.Lambda", "CodeDeployDefault.ECS"))
    if group.deployment_type == "BLUE_GREEN" and generic and platform in (None, "Server"):
        return Strategy(StrategyClass.BLUE_GREEN, f"{detail}, blue/green{_blue_fleet(group)}")
    if group.deployment_type == "BLUE_GREEN":
        detail += f", blue/green{_blue_fleet(group)}"  # traffic still shifts as the configuration says
    return Strategy(cls, detail)


def _blue_fleet(group: CodeDeployGroup) -> str:
    action, wait = group.blue_termination_action, group.blue_termination_wait_minutes
    if action == "KEEP_ALIVE":
        return "; the old (blue) fleet is kept"
    if action is None and wait is None:
        return ""
    return f"; the old (blue) fleet is terminated after {_text(wait) if wait is not None else 'the default'} min"


def _text(value: object) -> str:
    return value.text or "unknown" if isinstance(value, Unknown) else str(value)


def codedeploy_rollback(group: CodeDeployGroup) -> Rollback:
    if isinstance(group.auto_rollback_enabled, Unknown):
        return Rollback(None, None, f"auto-rollback: {group.auto_rollback_enabled.reason}")
    events = {as_text(e) for e in group.auto_rollback_events}
    enabled = bool(group.auto_rollback_enabled)
    alarms = group.alarms_enabled is True and bool(group.alarms)
    on_failure = enabled and "DEPLOYMENT_FAILURE" in events
    on_alarm = enabled and "DEPLOYMENT_STOP_ON_ALARM" in events and alarms
    if not enabled:
        return Rollback(False, False, "auto-rollback is not enabled on the deployment group")
    described = ", ".join(sorted(e for e in events if e)) or "no events"
    detail = f"auto-rollback on {described}" + (f"; alarms {', '.join(map(str, group.alarms))}" if alarms else "")
    if "DEPLOYMENT_STOP_ON_ALARM" in events and not alarms:  # the event is set, but no alarm can stop a deployment
        detail += ("; but the alarm configuration is not enabled (it is off unless set), so no alarm stops a "
                   "deployment" if group.alarms_enabled is not True else "; but the alarm configuration names no alarm")
    return Rollback(on_failure, on_alarm, detail)


def sam_facts(function: SamFunction) -> tuple[Strategy, Rollback]:
    pref = function.deployment_preference
    if pref is None:
        return Strategy(StrategyClass.ALL_AT_ONCE, "no DeploymentPreference"), Rollback(True, False, "CloudFormation stack rollback")
    if isinstance(pref.enabled, Unknown):
        return Strategy(StrategyClass.UNKNOWN, f"DeploymentPreference Enabled: {pref.enabled.reason}"), Rollback(None, None, "unknown")
    if pref.enabled is False:
        return Strategy(StrategyClass.ALL_AT_ONCE, "DeploymentPreference disabled"), Rollback(True, False, "CloudFormation stack rollback")
    config = function.codedeploy_config_name
    if isinstance(config, Unknown) or config is None:
        reason = config.reason if isinstance(config, Unknown) else "no Type"
        return Strategy(StrategyClass.UNKNOWN, f"DeploymentPreference Type: {reason}"), Rollback(True, None, "SAM traffic shifting")
    cls = codedeploy_class(config) or StrategyClass.UNKNOWN
    alarms = bool(pref.alarms)
    return (
        Strategy(cls, f"SAM DeploymentPreference {pref.type} ({config})"),
        Rollback(True, alarms, "SAM traffic shifting rolls back on failure" + (" and on its alarms" if alarms else "")),
    )


def ecs_facts(service: EcsService) -> tuple[Strategy, Rollback]:
    if isinstance(service.controller, Unknown):
        reason = f"the deployment controller: {service.controller.reason}"
        return Strategy(StrategyClass.UNKNOWN, reason), Rollback(None, None, reason)
    controller = service.controller or "ECS"
    if controller == "CODE_DEPLOY":
        return Strategy(StrategyClass.BLUE_GREEN, "CODE_DEPLOY controller"), Rollback(None, None, "see its CodeDeploy deployment group")
    if controller == "EXTERNAL":
        return Strategy(StrategyClass.UNKNOWN, "EXTERNAL controller"), Rollback(None, None, "external controller")
    if as_text(service.strategy) == "BLUE_GREEN":
        strategy = Strategy(StrategyClass.BLUE_GREEN, "ECS blue/green deployment")
    elif service.minimum_healthy_percent == 0 and service.maximum_percent in (None, 100):
        strategy = Strategy(StrategyClass.ALL_AT_ONCE, "rolling update keeping 0% healthy")
    else:
        strategy = Strategy(StrategyClass.ROLLING, "ECS rolling update")
    breaker = service.circuit_breaker_enabled is True and service.circuit_breaker_rollback is True
    alarm = service.alarms_enabled is True and service.alarms_rollback is True and bool(service.alarms)
    detail = "; ".join(d for d in ("circuit breaker with rollback" if breaker else "", "alarm rollback" if alarm else "") if d)
    return strategy, Rollback(breaker or alarm, alarm, detail or "no circuit breaker or alarm rollback")


BEANSTALK = {
    "AllAtOnce": StrategyClass.ALL_AT_ONCE,
    "Rolling": StrategyClass.ROLLING,
    "RollingWithAdditionalBatch": StrategyClass.ROLLING,
    "Immutable": StrategyClass.IMMUTABLE,
    "TrafficSplitting": StrategyClass.CANARY,
}


def beanstalk_facts(env: BeanstalkEnvironment) -> tuple[Strategy, Rollback]:
    policy = env.deployment_policy
    if isinstance(policy, Unknown):
        return Strategy(StrategyClass.UNKNOWN, f"DeploymentPolicy: {policy.reason}"), Rollback(None, None, "unknown")
    name = policy or "AllAtOnce"
    cls = BEANSTALK.get(name, StrategyClass.UNKNOWN)
    detail = f"DeploymentPolicy {name}" + ("" if policy else " (Elastic Beanstalk's default: none set)")
    safe = cls in (StrategyClass.IMMUTABLE, StrategyClass.CANARY)
    return Strategy(cls, detail), Rollback(safe, False, "new instances are discarded when unhealthy" if safe else f"{name} has no automatic rollback")


APPCONFIG_PREDEFINED = {
    "AppConfig.AllAtOnce": StrategyClass.ALL_AT_ONCE,
    "AppConfig.Linear50PercentEvery30Seconds": StrategyClass.LINEAR,
    "AppConfig.Linear20PercentEvery6Minutes": StrategyClass.LINEAR,
    "AppConfig.Canary10Percent20Minutes": StrategyClass.CANARY,
}


def appconfig_facts(strategy: AppConfigStrategy) -> Strategy:
    name = as_text(strategy.name) or strategy.logical_id
    if name in APPCONFIG_PREDEFINED:
        return Strategy(APPCONFIG_PREDEFINED[name], f"predefined strategy {name}")
    duration, factor, kind = strategy.duration_minutes, strategy.growth_factor, strategy.growth_type
    for label, value in (("DeploymentDurationInMinutes", duration), ("GrowthFactor", factor), ("GrowthType", kind)):
        if isinstance(value, Unknown):
            return Strategy(StrategyClass.UNKNOWN, f"{name}: {label}: {value.reason}")
    if duration == 0 or factor == 100:
        return Strategy(StrategyClass.ALL_AT_ONCE, f"{name}: growth {factor}% over {duration} min")
    if duration is None or factor is None:
        return Strategy(StrategyClass.UNKNOWN, f"{name}: growth or duration not set")
    cls = StrategyClass.LINEAR if (kind or "LINEAR") == "LINEAR" else StrategyClass.CANARY
    return Strategy(cls, f"{name}: {kind or 'LINEAR'} {factor}% over {duration} min")


def appconfig_rollback(environment: AppConfigEnvironment) -> Rollback:
    """AppConfig rolls a deployment back when an alarm of the environment's monitors fires while it rolls out or
    bakes; an environment without monitors never does."""
    monitors = environment.monitors
    if isinstance(monitors, Unknown):
        return Rollback(None, None, f"the monitors of the AppConfig environment are unknown: {monitors.reason}")
    if not monitors:
        return Rollback(False, False, f"AppConfig environment {as_text(environment.name) or environment.logical_id} has no "
                                      "monitors, so no alarm rolls a deployment back")  # fmt: skip
    alarms = ", ".join(as_text(m) or (m.text if isinstance(m, Unknown) and m.text else "an alarm") for m in monitors)
    return Rollback(True, True, f"AppConfig rolls back when a monitor alarms: {alarms}")


def target_facts(target: DeployTarget, configs: list[CodeDeployConfig]) -> tuple[Strategy, Rollback] | None:
    if isinstance(target, CodeDeployGroup):
        return codedeploy_strategy(target, configs), codedeploy_rollback(target)
    if isinstance(target, SamFunction):
        return sam_facts(target)
    if isinstance(target, EcsService):
        return ecs_facts(target)
    if isinstance(target, BeanstalkEnvironment):
        return beanstalk_facts(target)
    if isinstance(target, AppConfigStrategy):
        return appconfig_facts(target), Rollback(None, None, "AppConfig rolls back only when a monitor of the "
                                                             "environment alarms; the environment is not in the scanned files")  # fmt: skip
    if isinstance(target, (LambdaAlias, CloudFormationStack)):
        return None
    return None
