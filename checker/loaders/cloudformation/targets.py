"""Deploy targets defined in CloudFormation and SAM templates, read under one scenario."""

from __future__ import annotations

import dataclasses
from typing import Callable

from checker.loaders.cloudformation.evaluate import Evaluator
from checker.loaders.cloudformation.template import Template, param_text
from checker.loaders.declaration import NO_VALUE
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
    SamDeploymentPreference,
    SamFunction,
    SourceRef,
    TrafficRouting,
    Unknown,
    freeze,
)
from checker.model.values import as_bool, as_int


class _Props:
    """A resource's properties, resolved on access."""

    def __init__(self, ev: Evaluator, raw: object) -> None:
        self.ev = ev
        self.raw = raw if isinstance(raw, dict) else {}

    def get(self, *keys: str) -> object:
        value: object = self.raw
        for key in keys:
            value, _ = self.ev.node(value, ())
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        value = self.ev.value(value)
        return None if value is NO_VALUE else value

    def text(self, *keys: str) -> str | Unknown | None:
        return _text(self.get(*keys))

    def texts(self, *keys: str, item_key: str | None = None) -> tuple[str | Unknown, ...]:
        value = self.get(*keys)
        if isinstance(value, Unknown):
            return (value,)
        if not isinstance(value, list):
            return ()
        items = [v.get(item_key) if item_key and isinstance(v, dict) else v for v in value]
        return tuple(_text(v) for v in items if v is not None)  # type: ignore[misc]


def _name(props: _Props, key: str, logical_id: str) -> str | Unknown:
    value = props.text(key)
    return value if value is not None else Unknown(f"the name CloudFormation generates for {logical_id}", f"${{{logical_id}}}")


def codedeploy_group(t: Template, ev: Evaluator, lid: str, p: _Props) -> DeployTarget:
    platform = None
    app_ref = p.raw.get("ApplicationName")
    if isinstance(app_ref, dict) and t.resource_type(str(app_ref.get("Ref"))) == "AWS::CodeDeploy::Application":
        platform = _Props(ev, t.resources[app_ref["Ref"]].get("Properties")).text("ComputePlatform") or "Server"
    if platform is None and p.get("ECSServices") is not None:
        platform = "ECS"
    return CodeDeployGroup(
        logical_id=lid,
        application_name=p.text("ApplicationName") or Unknown("the deployment group has no ApplicationName"),
        group_name=_name(p, "DeploymentGroupName", lid),
        compute_platform=platform,
        deployment_config_name=p.text("DeploymentConfigName"),
        deployment_type=p.text("DeploymentStyle", "DeploymentType"),
        deployment_option=p.text("DeploymentStyle", "DeploymentOption"),
        auto_rollback_enabled=as_bool(p.get("AutoRollbackConfiguration", "Enabled")),
        auto_rollback_events=p.texts("AutoRollbackConfiguration", "Events"),
        alarms_enabled=as_bool(p.get("AlarmConfiguration", "Enabled")),
        alarms=p.texts("AlarmConfiguration", "Alarms", item_key="Name"),
        blue_termination_action=p.text("BlueGreenDeploymentConfiguration", "TerminateBlueInstancesOnDeploymentSuccess", "Action"),
        blue_termination_wait_minutes=as_int(p.get(
            "BlueGreenDeploymentConfiguration", "TerminateBlueInstancesOnDeploymentSuccess", "TerminationWaitTimeInMinutes"
        )),
        deployment_ready_action=p.text("BlueGreenDeploymentConfiguration", "DeploymentReadyOption", "ActionOnTimeout"),
    )  # fmt: skip


def codedeploy_config(t: Template, ev: Evaluator, lid: str, p: _Props) -> DeployTarget:  # noqa: ARG001
    routing = None
    kind = p.text("TrafficRoutingConfig", "Type")
    if kind is not None:
        shape = {"TimeBasedCanary": ("CanaryPercentage", "CanaryInterval"), "TimeBasedLinear": ("LinearPercentage", "LinearInterval")}
        percentage, interval = shape.get(kind, (None, None)) if isinstance(kind, str) else (None, None)
        routing = TrafficRouting(
            type=kind,
            percentage=as_int(p.get("TrafficRoutingConfig", kind, percentage)) if percentage else None,  # type: ignore[arg-type]
            interval_minutes=as_int(p.get("TrafficRoutingConfig", kind, interval)) if interval else None,  # type: ignore[arg-type]
        )
    return CodeDeployConfig(
        logical_id=lid,
        name=_name(p, "DeploymentConfigName", lid),
        compute_platform=p.text("ComputePlatform"),
        minimum_healthy_hosts_type=p.text("MinimumHealthyHosts", "Type"),
        minimum_healthy_hosts_value=as_int(p.get("MinimumHealthyHosts", "Value")),
        traffic_routing=routing,
    )


def sam_function(t: Template, ev: Evaluator, lid: str, p: _Props) -> DeployTarget | None:
    preference = p.get("DeploymentPreference")
    glob = _Props(ev, t.globals.get("Function")).get("DeploymentPreference")
    if isinstance(glob, dict):
        preference = {**glob, **preference} if isinstance(preference, dict) else preference or glob
    if preference is None:
        return None
    if not isinstance(preference, dict):
        reason = preference if isinstance(preference, Unknown) else Unknown("DeploymentPreference is not a mapping")
        pref = SamDeploymentPreference(type=reason, enabled=reason)
    else:
        alarms = preference.get("Alarms")
        pref = SamDeploymentPreference(
            type=_text(preference.get("Type")),
            enabled=as_bool(preference.get("Enabled"), True),  # type: ignore[arg-type]
            alarms=tuple(_text(a) for a in alarms) if isinstance(alarms, list) else ((alarms,) if isinstance(alarms, Unknown) else ()),  # type: ignore[misc]
            hooks=freeze(preference.get("Hooks") if isinstance(preference.get("Hooks"), dict) else {}),
            role=_text(preference.get("Role")),
        )
    return SamFunction(
        logical_id=lid,
        function_name=p.text("FunctionName"),
        auto_publish_alias=p.text("AutoPublishAlias") or _Props(ev, t.globals.get("Function")).text("AutoPublishAlias"),
        deployment_preference=pref,
    )


def _number(value: object) -> float | int | Unknown | None:
    if value is None or isinstance(value, (Unknown, int, float)) and not isinstance(value, bool):
        return value  # type: ignore[return-value]
    try:
        return float(str(value))
    except ValueError:
        return Unknown(f"{value!r} is not a number")


def _text(value: object) -> str | Unknown | None:
    """A property as text, the way CloudFormation reads it (`true`, `120`)."""
    if value is None or isinstance(value, (str, Unknown)):
        return value
    return param_text(value)


def lambda_alias(t: Template, ev: Evaluator, lid: str, p: _Props) -> DeployTarget | None:
    policy = _Props(ev, t.resources[lid].get("UpdatePolicy"))
    if policy.get("CodeDeployLambdaAliasUpdate") is None:
        return None
    return LambdaAlias(
        logical_id=lid,
        alias_name=p.text("Name"),
        application_name=policy.text("CodeDeployLambdaAliasUpdate", "ApplicationName"),
        group_name=policy.text("CodeDeployLambdaAliasUpdate", "DeploymentGroupName"),
    )


def ecs_service(t: Template, ev: Evaluator, lid: str, p: _Props) -> DeployTarget:  # noqa: ARG001
    config = ("DeploymentConfiguration",)
    return EcsService(
        logical_id=lid,
        cluster=p.text("Cluster"),
        service_name=p.text("ServiceName"),
        controller=p.text("DeploymentController", "Type"),
        circuit_breaker_enabled=as_bool(p.get(*config, "DeploymentCircuitBreaker", "Enable")),
        circuit_breaker_rollback=as_bool(p.get(*config, "DeploymentCircuitBreaker", "Rollback")),
        alarms_enabled=as_bool(p.get(*config, "Alarms", "Enable")),
        alarms_rollback=as_bool(p.get(*config, "Alarms", "Rollback")),
        alarms=p.texts(*config, "Alarms", "AlarmNames"),
        minimum_healthy_percent=as_int(p.get(*config, "MinimumHealthyPercent")),
        maximum_percent=as_int(p.get(*config, "MaximumPercent")),
        strategy=p.text(*config, "Strategy"),
    )


def beanstalk_environment(t: Template, ev: Evaluator, lid: str, p: _Props) -> DeployTarget:  # noqa: ARG001
    settings, policy = {}, None
    options = p.get("OptionSettings")
    for option in options if isinstance(options, list) else []:
        if not isinstance(option, dict):
            continue
        namespace, name = option.get("Namespace"), option.get("OptionName")
        if namespace == "aws:elasticbeanstalk:command":
            settings[f"{namespace}:{name}"] = _text(option.get("Value"))
            if name == "DeploymentPolicy":
                policy = _text(option.get("Value"))
    return BeanstalkEnvironment(
        logical_id=lid,
        application_name=p.text("ApplicationName"),
        environment_name=p.text("EnvironmentName"),
        deployment_policy=policy,
        option_settings=freeze(settings),
    )


def appconfig_strategy(t: Template, ev: Evaluator, lid: str, p: _Props) -> DeployTarget:  # noqa: ARG001
    return AppConfigStrategy(
        logical_id=lid,
        name=p.text("Name"),
        growth_type=p.text("GrowthType"),
        growth_factor=_number(p.get("GrowthFactor")),
        duration_minutes=as_int(p.get("DeploymentDurationInMinutes")),
        final_bake_minutes=as_int(p.get("FinalBakeTimeInMinutes")),
    )


def appconfig_environment(t: Template, ev: Evaluator, lid: str, p: _Props) -> DeployTarget:  # noqa: ARG001
    return AppConfigEnvironment(
        logical_id=lid,
        application=p.text("ApplicationId"),
        name=p.text("Name"),
        monitors=monitors if isinstance(monitors := p.get("Monitors"), Unknown) else p.texts("Monitors", item_key="AlarmArn"),
    )


def nested_stack(t: Template, ev: Evaluator, lid: str, p: _Props) -> DeployTarget:  # noqa: ARG001
    url = p.text("TemplateURL") if t.resource_type(lid) == "AWS::CloudFormation::Stack" else p.text("Location")
    return CloudFormationStack(logical_id=lid, template_url=url, external=True)


Builder = Callable[[Template, Evaluator, str, _Props], DeployTarget | None]
BUILDERS: dict[str, Builder] = {
    "AWS::CodeDeploy::DeploymentGroup": codedeploy_group,
    "AWS::CodeDeploy::DeploymentConfig": codedeploy_config,
    "AWS::Serverless::Function": sam_function,
    "AWS::Lambda::Alias": lambda_alias,
    "AWS::ECS::Service": ecs_service,
    "AWS::ElasticBeanstalk::Environment": beanstalk_environment,
    "AWS::AppConfig::DeploymentStrategy": appconfig_strategy,
    "AWS::AppConfig::Environment": appconfig_environment,
    "AWS::CloudFormation::Stack": nested_stack,
    "AWS::Serverless::Application": nested_stack,
}


def build_target(t: Template, ev: Evaluator, lid: str, file: str) -> DeployTarget | None:
    resource = t.resources[lid]
    builder = BUILDERS[resource["Type"]]
    target = builder(t, ev, lid, _Props(ev, resource.get("Properties")))
    if target is None:
        return None
    return dataclasses.replace(target, source=SourceRef(file, ("Resources", lid)))
