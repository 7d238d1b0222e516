"""Deploy targets defined in Terraform: CodeDeploy deployment groups and configurations, ECS services, Elastic
Beanstalk environments and AppConfig deployment strategies, read from a resource's values (the shape of
`terraform show -json`: nested blocks as lists of mappings), whether they came from HCL or from a plan."""

from __future__ import annotations

import dataclasses
from typing import Callable

from checker.model import (
    AppConfigEnvironment,
    AppConfigStrategy,
    BeanstalkEnvironment,
    CodeDeployConfig,
    CodeDeployGroup,
    DeployTarget,
    EcsService,
    SourceRef,
    TrafficRouting,
    Unknown,
    freeze,
)
from checker.model.values import as_bool, as_int


class Values:
    """A resource's values, read by key paths through single blocks: `get("deployment_style", "deployment_type")`."""

    def __init__(self, values: dict) -> None:
        self.values = values

    def get(self, *keys: str) -> object:
        value: object = self.values
        for key in keys:
            if isinstance(value, list):  # a block Terraform writes once
                if not value:
                    return None
                value = value[0]
            if isinstance(value, Unknown):
                return value
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    def text(self, *keys: str) -> str | Unknown | None:
        value = self.get(*keys)
        if value is None or isinstance(value, (str, Unknown)):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def texts(self, *keys: str) -> tuple[str | Unknown, ...]:
        value = self.get(*keys)
        if isinstance(value, Unknown):
            return (value,)
        if not isinstance(value, list):
            return ()
        return tuple(v if isinstance(v, (str, Unknown)) else str(v) for v in value if v is not None)

    def number(self, *keys: str) -> float | int | Unknown | None:
        value = self.get(*keys)
        if value is None or isinstance(value, (Unknown, int, float)) and not isinstance(value, bool):
            return value  # type: ignore[return-value]
        try:
            return float(str(value))
        except ValueError:
            return Unknown(f"{value!r} is not a number")


def _name(v: Values, key: str, address: str) -> str | Unknown:
    return v.text(key) or Unknown(f"the name Terraform generates for {address}", f"${{{address}.{key}}}")


def _ecs(services: object) -> str | Unknown | None:
    """ECS when the group names an ECS service; unknown when its ecs_service blocks are."""
    items = services if isinstance(services, list) else [services] if services is not None else []
    unknown = next((item for item in items if isinstance(item, Unknown)), None)
    if unknown is not None:
        return unknown
    return "ECS" if items else None


def codedeploy_group(v: Values, address: str, platform: object) -> DeployTarget:
    green = ("blue_green_deployment_config",)
    return CodeDeployGroup(
        logical_id=address,
        application_name=v.text("app_name") or Unknown("the deployment group has no app_name"),
        group_name=_name(v, "deployment_group_name", address),
        compute_platform=platform if platform is not None else _ecs(v.values.get("ecs_service")),  # type: ignore[arg-type]
        deployment_config_name=v.text("deployment_config_name"),
        deployment_type=v.text("deployment_style", "deployment_type"),
        deployment_option=v.text("deployment_style", "deployment_option"),
        auto_rollback_enabled=as_bool(v.get("auto_rollback_configuration", "enabled")),
        auto_rollback_events=v.texts("auto_rollback_configuration", "events"),
        alarms_enabled=as_bool(v.get("alarm_configuration", "enabled")),
        alarms=v.texts("alarm_configuration", "alarms"),
        blue_termination_action=v.text(*green, "terminate_blue_instances_on_deployment_success", "action"),
        blue_termination_wait_minutes=as_int(v.get(*green, "terminate_blue_instances_on_deployment_success",
                                                   "termination_wait_time_in_minutes")),  # fmt: skip
        deployment_ready_action=v.text(*green, "deployment_ready_option", "action_on_timeout"),
    )


def codedeploy_config(v: Values, address: str, platform: object) -> DeployTarget:  # noqa: ARG001
    routing = None
    kind = v.text("traffic_routing_config", "type")
    if kind is not None:
        block = {"TimeBasedCanary": "time_based_canary", "TimeBasedLinear": "time_based_linear"}.get(kind) if isinstance(kind, str) else None
        routing = TrafficRouting(
            type=kind,
            percentage=as_int(v.get("traffic_routing_config", block, "percentage")) if block else None,
            interval_minutes=as_int(v.get("traffic_routing_config", block, "interval")) if block else None,
        )
    return CodeDeployConfig(
        logical_id=address,
        name=_name(v, "deployment_config_name", address),
        compute_platform=v.text("compute_platform"),
        minimum_healthy_hosts_type=v.text("minimum_healthy_hosts", "type"),
        minimum_healthy_hosts_value=as_int(v.get("minimum_healthy_hosts", "value")),
        traffic_routing=routing,
    )


def ecs_service(v: Values, address: str, platform: object) -> DeployTarget:  # noqa: ARG001
    return EcsService(
        logical_id=address,
        cluster=v.text("cluster"),
        service_name=_name(v, "name", address),
        controller=v.text("deployment_controller", "type"),
        circuit_breaker_enabled=as_bool(v.get("deployment_circuit_breaker", "enable")),
        circuit_breaker_rollback=as_bool(v.get("deployment_circuit_breaker", "rollback")),
        alarms_enabled=as_bool(v.get("alarms", "enable")),
        alarms_rollback=as_bool(v.get("alarms", "rollback")),
        alarms=v.texts("alarms", "alarm_names"),
        minimum_healthy_percent=as_int(v.get("deployment_minimum_healthy_percent")),
        maximum_percent=as_int(v.get("deployment_maximum_percent")),
        strategy=v.text("deployment_configuration", "strategy"),
    )


def beanstalk_environment(v: Values, address: str, platform: object) -> DeployTarget:  # noqa: ARG001
    settings, policy = {}, None
    for setting in v.get("setting") if isinstance(v.get("setting"), list) else []:  # type: ignore[union-attr]
        if not isinstance(setting, dict) or setting.get("namespace") != "aws:elasticbeanstalk:command":
            continue
        value = Values(setting).text("value")
        settings[f"aws:elasticbeanstalk:command:{setting.get('name')}"] = value
        if setting.get("name") == "DeploymentPolicy":
            policy = value
    return BeanstalkEnvironment(
        logical_id=address,
        application_name=v.text("application"),
        environment_name=_name(v, "name", address),
        deployment_policy=policy,
        option_settings=freeze(settings),
    )


def appconfig_strategy(v: Values, address: str, platform: object) -> DeployTarget:  # noqa: ARG001
    return AppConfigStrategy(
        logical_id=address,
        name=v.text("name"),
        growth_type=v.text("growth_type"),
        growth_factor=v.number("growth_factor"),
        duration_minutes=as_int(v.get("deployment_duration_in_minutes")),
        final_bake_minutes=as_int(v.get("final_bake_time_in_minutes")),
    )


def appconfig_environment(v: Values, address: str, platform: object) -> DeployTarget:  # noqa: ARG001
    monitors = v.values.get("monitor")
    alarms = [Values(m).text("alarm_arn") if isinstance(m, dict) else m for m in monitors] if isinstance(monitors, list) else []
    return AppConfigEnvironment(logical_id=address, application=v.text("application_id"), name=v.text("name"),
                                monitors=monitors if isinstance(monitors, Unknown) else tuple(a for a in alarms if a is not None))  # type: ignore[misc]  # fmt: skip


Builder = Callable[[Values, str, object], DeployTarget]
BUILDERS: dict[str, Builder] = {
    "aws_codedeploy_deployment_group": codedeploy_group,
    "aws_codedeploy_deployment_config": codedeploy_config,
    "aws_ecs_service": ecs_service,
    "aws_elastic_beanstalk_environment": beanstalk_environment,
    "aws_appconfig_deployment_strategy": appconfig_strategy,
    "aws_appconfig_environment": appconfig_environment,
}


def build(kind: str, values: dict, address: str, source: SourceRef, platform: object = None) -> DeployTarget:
    return dataclasses.replace(BUILDERS[kind](Values(values), address, platform), source=source)
