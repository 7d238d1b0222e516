"""One model of pipelines and what they deploy to, whatever format they were read from."""

from checker.model.pipeline import (
    Action,
    ActionType,
    ArtifactStore,
    Category,
    ConditionRule,
    EncryptionKey,
    ExecutionMode,
    FailurePolicy,
    GatePolicy,
    Owner,
    Pipeline,
    PipelineType,
    Result,
    RetryMode,
    SourceFormat,
    Stage,
    StageCondition,
    Trigger,
    Variable,
)
from checker.model.scenario import ALWAYS, ANY_OTHER, Scenario
from checker.model.source import Location, SourceRef, Span
from checker.model.targets import (
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
    TargetKind,
    TrafficRouting,
)
from checker.model.values import EMPTY, FrozenDict, Unknown, freeze
from checker.model.workspace import LoadProblem, ProblemSeverity, Workspace

__all__ = [name for name in dir() if not name.startswith("_")]
