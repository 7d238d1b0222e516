"""Deploy targets: what a deploy action changes, with the facts that decide its strategy and rollback.

Targets come from the scanned templates (a CodeDeploy deployment group, a SAM function, an ECS service, ...) and
are linked to pipeline actions by name across all files of a run. `None` means the definition does not set the
field (AWS then applies its default, which the analysis knows); `Unknown` means it is set to something the files
do not determine.
"""

from __future__ import annotations

from dataclasses import field
from enum import Enum

from checker.model.scenario import ALWAYS, Scenario
from checker.model.source import SourceRef
from checker.model.values import EMPTY, FrozenDict, Unknown
from checker.model.record import record

_model = record(kw_only=True)


class TargetKind(Enum):
    CODEDEPLOY_GROUP = "codedeploy-deployment-group"
    CODEDEPLOY_CONFIG = "codedeploy-deployment-config"
    SAM_FUNCTION = "sam-function"
    LAMBDA_ALIAS = "lambda-alias"
    ECS_SERVICE = "ecs-service"
    BEANSTALK_ENVIRONMENT = "elastic-beanstalk-environment"
    APPCONFIG_STRATEGY = "appconfig-deployment-strategy"
    APPCONFIG_ENVIRONMENT = "appconfig-environment"
    CLOUDFORMATION_STACK = "cloudformation-stack"


@_model
class DeployTarget:
    """Common to all targets: the resource that defines it, the template parameters in force, the scenario."""

    kind: TargetKind = field(init=False)
    logical_id: str
    template_parameters: FrozenDict = EMPTY  # resolved parameter values, for environment evidence
    scenario: Scenario = ALWAYS
    source: SourceRef = field(default=SourceRef(""), compare=False, repr=False)

    @property
    def label(self) -> str:
        return f"{self.kind.value} {self.logical_id}"


@_model
class TrafficRouting:
    """How CodeDeploy shifts traffic on Lambda or ECS: AllAtOnce, TimeBasedCanary or TimeBasedLinear."""

    type: str | Unknown
    percentage: int | Unknown | None = None
    interval_minutes: int | Unknown | None = None


@_model
class CodeDeployConfig(DeployTarget):
    kind: TargetKind = field(default=TargetKind.CODEDEPLOY_CONFIG, init=False)
    name: str | Unknown
    compute_platform: str | Unknown | None = None
    minimum_healthy_hosts_type: str | Unknown | None = None  # HOST_COUNT or FLEET_PERCENT
    minimum_healthy_hosts_value: int | Unknown | None = None
    traffic_routing: TrafficRouting | None = None


@_model
class CodeDeployGroup(DeployTarget):
    kind: TargetKind = field(default=TargetKind.CODEDEPLOY_GROUP, init=False)
    application_name: str | Unknown
    group_name: str | Unknown
    compute_platform: str | Unknown | None = None  # from the linked AWS::CodeDeploy::Application
    deployment_config_name: str | Unknown | None = None  # None: CodeDeploy's default for the platform
    deployment_type: str | Unknown | None = None  # IN_PLACE or BLUE_GREEN
    deployment_option: str | Unknown | None = None  # WITH_TRAFFIC_CONTROL or WITHOUT_TRAFFIC_CONTROL
    auto_rollback_enabled: bool | Unknown | None = None
    auto_rollback_events: tuple[str | Unknown, ...] = ()
    alarms_enabled: bool | Unknown | None = None
    alarms: tuple[str | Unknown, ...] = ()
    blue_termination_action: str | Unknown | None = None  # TERMINATE or KEEP_ALIVE
    blue_termination_wait_minutes: int | Unknown | None = None
    deployment_ready_action: str | Unknown | None = None  # CONTINUE_DEPLOYMENT or STOP_DEPLOYMENT


@_model
class SamDeploymentPreference:
    type: str | Unknown | None
    enabled: bool | Unknown = True
    alarms: tuple[str | Unknown, ...] = ()
    hooks: FrozenDict = EMPTY
    role: str | Unknown | None = None


@_model
class SamFunction(DeployTarget):
    """An AWS::Serverless::Function whose DeploymentPreference makes CloudFormation shift traffic via CodeDeploy."""

    kind: TargetKind = field(default=TargetKind.SAM_FUNCTION, init=False)
    function_name: str | Unknown | None = None
    auto_publish_alias: str | Unknown | None = None
    deployment_preference: SamDeploymentPreference | None = None

    @property
    def codedeploy_config_name(self) -> str | Unknown | None:
        """The CodeDeploy configuration SAM generates: `CodeDeployDefault.Lambda${Type}` for predefined types."""
        pref = self.deployment_preference
        if pref is None or pref.type is None:
            return None
        if isinstance(pref.type, Unknown):
            return pref.type
        if pref.type.startswith(("Canary", "Linear", "AllAtOnce")):
            return f"CodeDeployDefault.Lambda{pref.type}"
        return pref.type  # a custom deployment configuration's name


@_model
class LambdaAlias(DeployTarget):
    """An alias updated through CodeDeploy (UpdatePolicy CodeDeployLambdaAliasUpdate), as SAM output has it."""

    kind: TargetKind = field(default=TargetKind.LAMBDA_ALIAS, init=False)
    alias_name: str | Unknown | None = None
    application_name: str | Unknown | None = None
    group_name: str | Unknown | None = None


@_model
class EcsService(DeployTarget):
    kind: TargetKind = field(default=TargetKind.ECS_SERVICE, init=False)
    cluster: str | Unknown | None = None
    service_name: str | Unknown | None = None
    controller: str | Unknown | None = None  # ECS (rolling, default), CODE_DEPLOY (blue/green), EXTERNAL
    circuit_breaker_enabled: bool | Unknown | None = None
    circuit_breaker_rollback: bool | Unknown | None = None
    alarms_enabled: bool | Unknown | None = None
    alarms_rollback: bool | Unknown | None = None
    alarms: tuple[str | Unknown, ...] = ()
    minimum_healthy_percent: int | Unknown | None = None
    maximum_percent: int | Unknown | None = None
    strategy: str | Unknown | None = None  # ROLLING or BLUE_GREEN (ECS native blue/green)


@_model
class BeanstalkEnvironment(DeployTarget):
    kind: TargetKind = field(default=TargetKind.BEANSTALK_ENVIRONMENT, init=False)
    application_name: str | Unknown | None = None
    environment_name: str | Unknown | None = None
    deployment_policy: str | Unknown | None = None  # None: AllAtOnce, Elastic Beanstalk's default
    option_settings: FrozenDict = EMPTY  # "namespace:option" -> value, for the aws:elasticbeanstalk:command ones


@_model
class AppConfigStrategy(DeployTarget):
    kind: TargetKind = field(default=TargetKind.APPCONFIG_STRATEGY, init=False)
    name: str | Unknown | None = None
    growth_type: str | Unknown | None = None  # LINEAR or EXPONENTIAL
    growth_factor: float | int | Unknown | None = None
    duration_minutes: int | Unknown | None = None
    final_bake_minutes: int | Unknown | None = None


@_model
class AppConfigEnvironment(DeployTarget):
    kind: TargetKind = field(default=TargetKind.APPCONFIG_ENVIRONMENT, init=False)
    application: str | Unknown | None = None
    name: str | Unknown | None = None
    # the alarms of its monitors (one known only after deploy is still a monitor); Unknown: the list itself is
    monitors: tuple[str | Unknown, ...] | Unknown = ()


@_model
class CloudFormationStack(DeployTarget):
    """A stack: either deployed by a CloudFormation action, or nested in a template (then external)."""

    kind: TargetKind = field(default=TargetKind.CLOUDFORMATION_STACK, init=False)
    stack_name: str | Unknown | None = None
    template_url: str | Unknown | None = None
    external: bool = False
