"""The pipeline model: what every loader produces and every rule reads.

Field values that a definition may leave open are typed `X | Unknown`. `source` fields say where each node came
from; they do not take part in equality, so the same pipeline loaded from two formats compares equal.
"""

from __future__ import annotations

from dataclasses import field
from enum import Enum

from checker.model.scenario import ALWAYS, Scenario
from checker.model.source import SourceRef
from checker.model.values import EMPTY, FrozenDict, Unknown
from checker.model.record import record

_model = record(kw_only=True)


def _source() -> SourceRef:
    return field(default=SourceRef(""), compare=False, repr=False)  # type: ignore[return-value]


class SourceFormat(Enum):
    CODEPIPELINE_JSON = "codepipeline-json"
    CLOUDFORMATION = "cloudformation"
    CDK = "cdk"
    TERRAFORM = "terraform"
    TERRAFORM_PLAN = "terraform-plan"
    GITHUB_ACTIONS = "github-actions"
    GITLAB_CI = "gitlab-ci"

    @property
    def is_ci(self) -> bool:
        """A CI system's workflow (jobs that deploy), not a CodePipeline pipeline."""
        return self in (SourceFormat.GITHUB_ACTIONS, SourceFormat.GITLAB_CI)


class Category(Enum):
    SOURCE = "Source"
    BUILD = "Build"
    TEST = "Test"
    DEPLOY = "Deploy"
    APPROVAL = "Approval"
    INVOKE = "Invoke"
    COMPUTE = "Compute"


class Owner(Enum):
    AWS = "AWS"
    THIRD_PARTY = "ThirdParty"
    CUSTOM = "Custom"


class PipelineType(Enum):
    V1 = "V1"
    V2 = "V2"


class ExecutionMode(Enum):
    QUEUED = "QUEUED"
    SUPERSEDED = "SUPERSEDED"
    PARALLEL = "PARALLEL"


class Result(Enum):
    """What a V2 stage does on failure or when a condition engages."""

    ROLLBACK = "ROLLBACK"
    RETRY = "RETRY"
    FAIL = "FAIL"
    SKIP = "SKIP"


class RetryMode(Enum):
    ALL_ACTIONS = "ALL_ACTIONS"
    FAILED_ACTIONS = "FAILED_ACTIONS"


@_model
class ActionType:
    category: Category | Unknown
    owner: Owner | Unknown
    provider: str | Unknown
    version: str | Unknown


@_model
class Action:
    name: str | Unknown
    type: ActionType
    run_order: int | Unknown = 1
    configuration: FrozenDict = EMPTY
    input_artifacts: tuple[str | Unknown, ...] = ()
    output_artifacts: tuple[str | Unknown, ...] = ()
    role_arn: str | Unknown | None = None
    region: str | Unknown | None = None
    namespace: str | Unknown | None = None
    timeout_minutes: int | Unknown | None = None
    commands: tuple[str | Unknown, ...] = ()
    # The deployment environment a CI system names for the job (GitHub Actions and GitLab CI `environment:`).
    environment: str | Unknown | None = None
    source: SourceRef = _source()
    configuration_source: SourceRef | None = field(default=None, compare=False)  # where its configuration is

    def configuration_ref(self, key: str) -> SourceRef:
        """Where one configuration key is written (or the action, when the configuration is not a mapping)."""
        return self.configuration_source.child(key) if self.configuration_source is not None else self.source

    @property
    def category(self) -> Category | Unknown:
        return self.type.category

    @property
    def provider(self) -> str | Unknown:
        return self.type.provider


@_model
class ConditionRule:
    """A V2 rule (DeploymentWindow, CloudWatchAlarm, LambdaInvoke, VariableCheck, Commands) inside a condition."""

    name: str | Unknown
    provider: str | Unknown
    version: str | Unknown = "1"
    configuration: FrozenDict = EMPTY
    input_artifacts: tuple[str | Unknown, ...] = ()
    role_arn: str | Unknown | None = None
    region: str | Unknown | None = None
    timeout_minutes: int | Unknown | None = None
    commands: tuple[str | Unknown, ...] = ()
    source: SourceRef = _source()


@_model
class StageCondition:
    """A V2 condition: a set of rules and the result it engages."""

    result: Result | Unknown | None
    rules: tuple[ConditionRule, ...] = ()
    source: SourceRef = _source()


@_model
class FailurePolicy:
    """`onFailure`: what happens when the stage fails (ROLLBACK, RETRY, FAIL, SKIP)."""

    result: Result | Unknown | None
    retry_mode: RetryMode | Unknown | None = None
    conditions: tuple[StageCondition, ...] = ()
    source: SourceRef = _source()


@_model
class GatePolicy:
    """`beforeEntry` or `onSuccess`: conditions checked before the stage runs or after it succeeds."""

    conditions: tuple[StageCondition, ...] = ()
    source: SourceRef = _source()


@_model
class Stage:
    name: str | Unknown
    actions: tuple[Action, ...] = ()
    opaque: Unknown | None = None  # the stage's content is not in the files (an imported stage, say)
    on_failure: FailurePolicy | None = None
    on_success: GatePolicy | None = None
    before_entry: GatePolicy | None = None
    # The stages (by name) this one waits for, when the order is a graph (a CI system's jobs and `needs`);
    # None: it waits for the stage before it, as in CodePipeline.
    needs: tuple[str, ...] | None = None
    # It runs whatever happened to the stages it needs (GitHub `if: always()`, GitLab `when: always`): their
    # failure, a rejected approval among them, does not stop it.
    proceeds_on_failure: bool = False
    # The jobs that run the workflow this stage is written in, outermost first (a GitHub reusable workflow's
    # callers): they hold it, as a stage holds its actions (a suppression comment above them covers it).
    via: tuple[SourceRef, ...] = ()
    source: SourceRef = _source()

    def condition_rules(self) -> list[ConditionRule]:
        """Every rule of the stage's conditions: beforeEntry, onSuccess, then onFailure."""
        policies = (self.before_entry, self.on_success, self.on_failure)
        return [rule for policy in policies if policy is not None for condition in policy.conditions
                for rule in condition.rules]  # fmt: skip


@_model
class EncryptionKey:
    id: str | Unknown
    type: str | Unknown = "KMS"
    source: SourceRef = _source()


@_model
class ArtifactStore:
    """Where artifacts live; `region` is None for the single store of a one-region pipeline."""

    location: str | Unknown
    type: str | Unknown = "S3"
    region: str | Unknown | None = None
    encryption_key: EncryptionKey | None = None
    source: SourceRef = _source()


@_model
class Variable:
    name: str | Unknown
    default: str | Unknown | None = None
    description: str | Unknown | None = None
    source: SourceRef = _source()


@_model
class Trigger:
    """A V2 trigger; `git` keeps the push and pull-request filters as declared."""

    provider: str | Unknown
    source_action: str | Unknown | None = None
    git: FrozenDict = EMPTY
    source: SourceRef = _source()


@_model
class Ignore:
    """An inline suppression on the pipeline: `Metadata: {pipelint: {ignore: [{rule: PL101, reason: ...}]}}`."""

    rule: str  # a rule code, or a prefix such as PL1
    reason: str
    source: SourceRef = _source()


@_model
class Pipeline:
    name: str | Unknown
    format: SourceFormat = field(compare=False)
    pipeline_type: PipelineType | Unknown | None = PipelineType.V1  # None: a CI workflow, not a CodePipeline pipeline
    execution_mode: ExecutionMode | Unknown = ExecutionMode.SUPERSEDED
    role_arn: str | Unknown | None = None
    account: str | Unknown | None = None
    region: str | Unknown | None = None
    artifact_stores: tuple[ArtifactStore, ...] = ()
    stages: tuple[Stage, ...] = ()
    variables: tuple[Variable, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    scenario: Scenario = ALWAYS
    resource_id: str | None = field(default=None, compare=False)  # the logical id, for a template's pipeline
    ignores: tuple[Ignore, ...] = field(default=(), compare=False)
    source: SourceRef = _source()

    def actions(self) -> list[Action]:
        return [action for stage in self.stages for action in stage.actions]

    @property
    def is_graph(self) -> bool:
        """Stages wait for the stages they name (`Stage.needs`), not simply for the one before."""
        return any(stage.needs is not None for stage in self.stages)

    @property
    def title(self) -> str:
        """The pipeline's name, the same for all its scenarios."""
        if isinstance(self.name, Unknown) and self.resource_id:
            if self.format in (SourceFormat.TERRAFORM, SourceFormat.TERRAFORM_PLAN):
                return self.resource_id if self.name.text is None else f"{self.resource_id} (name {self.name.text})"
            return f"{self.resource_id} (name generated by CloudFormation)"
        return str(self.name)

    @property
    def label(self) -> str:
        return self.title if self.scenario.is_unconditional else f"{self.title} [{self.scenario.describe()}]"
