"""A pipeline declaration, as the CodePipeline API and CloudFormation both describe it, turned into the model.

The two formats share one shape: the API spells keys in camelCase (`runOrder`), CloudFormation in PascalCase
(`RunOrder`), and CloudFormation values may be intrinsic functions. So this reader is written once, against a
`Resolver` that resolves values where they stand (CloudFormation) or returns them as they are (JSON).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Protocol, TypeVar

from checker.model import (
    Action,
    ActionType,
    ArtifactStore,
    Category,
    ConditionRule,
    EncryptionKey,
    ExecutionMode,
    FailurePolicy,
    FrozenDict,
    GatePolicy,
    Owner,
    Pipeline,
    PipelineType,
    Result,
    RetryMode,
    SourceRef,
    Stage,
    StageCondition,
    Trigger,
    Unknown,
    Variable,
    freeze,
)
from checker.model.source import Path
from checker.model.values import as_int

NO_VALUE = object()  # AWS::NoValue: the element is absent


class Resolver(Protocol):
    def node(self, raw: object, path: Path) -> tuple[object, Path]:
        """Resolve an intrinsic standing where a structure is expected; may give NO_VALUE or an Unknown."""

    def value(self, raw: object, path: Path) -> object:
        """Resolve a value completely (nested intrinsics included)."""


class Verbatim:
    """JSON from the API: values are what they are."""

    def node(self, raw: object, path: Path) -> tuple[object, Path]:
        return raw, path

    def value(self, raw: object, path: Path) -> object:  # noqa: ARG002
        return raw


def kind_of(value: object) -> str:
    """A value's kind in the words of the file, for messages: 'a mapping', 'a list', 'empty', ..."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {dict: "a mapping", list: "a list", str: "a string"}.get(type(value), type(value).__name__)


def camel(name: str) -> str:
    return name


def pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


E = TypeVar("E", bound=Enum)


@dataclass(slots=True)
class DeclarationReader:
    file: str
    resolver: Resolver
    key: Callable[[str], str]  # API field name -> the format's spelling
    issues: list[tuple[Path, str]] = field(default_factory=list)  # malformed structure, with where

    # -- helpers ---------------------------------------------------------------------------------------------

    def _ref(self, path: Path) -> SourceRef:
        return SourceRef(self.file, path)

    def _get(self, mapping: dict, name: str, path: Path) -> tuple[object, Path]:
        """The member `name` of a mapping, resolved where it stands: (value or None, its path)."""
        spelled = self.key(name)
        sub = path + (spelled,)
        if spelled not in mapping:
            return None, sub
        value, at = self.resolver.node(mapping[spelled], sub)
        return (None, at) if value is NO_VALUE else (value, at)

    def _value(self, mapping: dict, name: str, path: Path) -> object:
        spelled = self.key(name)
        if spelled not in mapping:
            return None
        value = self.resolver.value(mapping[spelled], path + (spelled,))
        return None if value is NO_VALUE else value

    def _text(self, mapping: dict, name: str, path: Path) -> str | Unknown | None:
        value = self._value(mapping, name, path)
        if value is None or isinstance(value, (str, Unknown)):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return Unknown(f"{self.key(name)} should be a string, not {type(value).__name__}")

    def _enum(self, enum: type[E], mapping: dict, name: str, path: Path, default: E | None = None) -> E | Unknown | None:
        value = self._text(mapping, name, path)
        if value is None:
            return default
        if isinstance(value, Unknown):
            return value
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            return Unknown(f"{self.key(name)} '{value}' is not one of {allowed}", value)

    def _items(self, mapping: dict, name: str, path: Path) -> list[tuple[object, Path]]:
        """The elements of a list member, each resolved where it stands; NoValue elements dropped."""
        raw, at = self._get(mapping, name, path)
        if raw is None:
            return []
        if isinstance(raw, Unknown):
            return [(raw, at)]
        if not isinstance(raw, list):
            message = f"{self.key(name)} must be a list, not {kind_of(raw)}"
            self.issues.append((at, message))
            return [(Unknown(message), at)]
        items = []
        for index, element in enumerate(raw):
            value, element_at = self.resolver.node(element, at + (index,))
            if value is not NO_VALUE:
                items.append((value, element_at))
        return items

    def _config(self, mapping: dict, name: str, path: Path) -> FrozenDict:
        value = self._value(mapping, name, path)
        if isinstance(value, dict):
            return freeze(value)
        if isinstance(value, Unknown):
            return FrozenDict({"*": value})
        return FrozenDict()

    def _names(self, mapping: dict, name: str, path: Path) -> tuple[str | Unknown, ...]:
        """Artifact lists: [{name: X}, ...] -> (X, ...)."""
        names = []
        for item, at in self._items(mapping, name, path):
            if isinstance(item, dict):
                names.append(self._text(item, "name", at) or Unknown("an artifact without a name"))
            else:
                names.append(item if isinstance(item, Unknown) else Unknown(f"{item!r} is not an artifact"))
        return tuple(names)

    def _strings(self, mapping: dict, name: str, path: Path) -> tuple[str | Unknown, ...]:
        value = self._value(mapping, name, path)
        if isinstance(value, list):
            return tuple(v if isinstance(v, (str, Unknown)) else str(v) for v in value)
        return (value,) if isinstance(value, (str, Unknown)) else ()

    def _malformed(self, path: Path, message: str) -> Unknown:
        self.issues.append((path, message))
        return Unknown(message)

    # -- the declaration -------------------------------------------------------------------------------------

    def opaque(self, reason: Unknown, path: Path, **extra: object) -> Pipeline:
        """A pipeline whose declaration is not in the files: one stage that says why."""
        stage = Stage(name=reason, opaque=reason, source=self._ref(path))
        return Pipeline(name=Unknown(reason.reason), stages=(stage,), **{"source": self._ref(path), **extra})  # type: ignore[arg-type]

    def pipeline(self, decl: dict, path: Path, **extra: object) -> Pipeline:
        stages = self._items(decl, "stages", path)
        if not stages:
            where = path + (self.key("stages"),) if self.key("stages") in decl else path
            self.issues.append((where, "the pipeline has no stages (CodePipeline needs at least two)"))
        return Pipeline(
            name=self._text(decl, "name", path) or Unknown("the pipeline has no name"),
            pipeline_type=self._enum(PipelineType, decl, "pipelineType", path, PipelineType.V1),
            execution_mode=self._enum(ExecutionMode, decl, "executionMode", path, ExecutionMode.SUPERSEDED),
            role_arn=self._text(decl, "roleArn", path),
            artifact_stores=self._artifact_stores(decl, path),
            stages=tuple(self._stage(raw, at) for raw, at in stages),
            variables=tuple(self._variable(raw, at) for raw, at in self._items(decl, "variables", path)),
            triggers=tuple(self._trigger(raw, at) for raw, at in self._items(decl, "triggers", path)),
            **{"source": self._ref(path), **extra},  # type: ignore[arg-type]
        )

    def _artifact_stores(self, decl: dict, path: Path) -> tuple[ArtifactStore, ...]:
        single, at = self._get(decl, "artifactStore", path)
        if isinstance(single, dict):
            return (self._artifact_store(single, at, None),)
        stores, at = self._get(decl, "artifactStores", path)
        if isinstance(stores, dict):  # the API: {region: store}
            return tuple(
                self._artifact_store(self.resolver.node(store, at + (region,))[0], at + (region,), region)
                for region, store in stores.items()
            )
        result = []
        for item, item_at in self._items(decl, "artifactStores", path):  # CloudFormation: [{Region, ArtifactStore}]
            if isinstance(item, dict):
                store, store_at = self._get(item, "artifactStore", item_at)
                result.append(self._artifact_store(store, store_at, self._text(item, "region", item_at)))
        return tuple(result)

    def _artifact_store(self, store: object, path: Path, region: str | Unknown | None) -> ArtifactStore:
        if not isinstance(store, dict):
            reason = store if isinstance(store, Unknown) else Unknown("the artifact store is not a mapping")
            return ArtifactStore(location=reason, type=reason, region=region, source=self._ref(path))
        key, key_at = self._get(store, "encryptionKey", path)
        encryption = None
        if isinstance(key, dict):
            encryption = EncryptionKey(
                id=self._text(key, "id", key_at) or Unknown("the encryption key has no id"),
                type=self._text(key, "type", key_at) or "KMS",
                source=self._ref(key_at),
            )
        elif isinstance(key, Unknown):
            encryption = EncryptionKey(id=key, type=key, source=self._ref(key_at))
        return ArtifactStore(
            location=self._text(store, "location", path) or Unknown("the artifact store has no location"),
            type=self._text(store, "type", path) or "S3",
            region=region,
            encryption_key=encryption,
            source=self._ref(path),
        )

    def _stage(self, raw: object, path: Path) -> Stage:
        if not isinstance(raw, dict):
            reason = raw if isinstance(raw, Unknown) else self._malformed(path, f"a stage must be a mapping, not {kind_of(raw)}")
            return Stage(name=reason, opaque=reason, source=self._ref(path))
        actions = []
        for item, at in self._items(raw, "actions", path):
            actions.append(self._action(item, at))
        return Stage(
            name=self._text(raw, "name", path) or Unknown("the stage has no name"),
            actions=tuple(actions),
            on_failure=self._failure(raw, path),
            on_success=self._gate(raw, "onSuccess", path),
            before_entry=self._gate(raw, "beforeEntry", path),
            source=self._ref(path),
        )

    def _action(self, raw: object, path: Path) -> Action:
        if not isinstance(raw, dict):
            reason = raw if isinstance(raw, Unknown) else self._malformed(path, f"an action must be a mapping, not {kind_of(raw)}")
            kind = ActionType(category=reason, owner=reason, provider=reason, version=reason)
            return Action(name=reason, type=kind, run_order=reason, source=self._ref(path))
        type_id, type_at = self._get(raw, "actionTypeId", path)
        run_order = as_int(self._value(raw, "runOrder", path))
        return Action(
            name=self._text(raw, "name", path) or Unknown("the action has no name"),
            type=self._action_type(type_id, type_at),
            run_order=1 if run_order is None else run_order,
            configuration=self._config(raw, "configuration", path),
            input_artifacts=self._names(raw, "inputArtifacts", path),
            output_artifacts=self._names(raw, "outputArtifacts", path),
            role_arn=self._text(raw, "roleArn", path),
            region=self._text(raw, "region", path),
            namespace=self._text(raw, "namespace", path),
            timeout_minutes=as_int(self._value(raw, "timeoutInMinutes", path)),
            commands=self._strings(raw, "commands", path),
            source=self._ref(path),
            configuration_source=self._ref(self._get(raw, "configuration", path)[1]),
        )

    def _action_type(self, raw: object, path: Path) -> ActionType:
        if not isinstance(raw, dict):
            spelled = self.key("actionTypeId")
            reason = raw if isinstance(raw, Unknown) else self._malformed(
                path[:-1] if raw is None else path, f"the action has no {spelled}" if raw is None else f"{spelled} must be a mapping")
            return ActionType(category=reason, owner=reason, provider=reason, version=reason)
        return ActionType(
            category=self._enum(Category, raw, "category", path) or Unknown("the action type has no category"),
            owner=self._enum(Owner, raw, "owner", path) or Unknown("the action type has no owner"),
            provider=self._text(raw, "provider", path) or Unknown("the action type has no provider"),
            version=self._text(raw, "version", path) or Unknown("the action type has no version"),
        )

    def _failure(self, stage: dict, path: Path) -> FailurePolicy | None:
        raw, at = self._get(stage, "onFailure", path)
        if not isinstance(raw, dict):
            return None
        retry, retry_at = self._get(raw, "retryConfiguration", at)
        return FailurePolicy(
            result=self._enum(Result, raw, "result", at),
            retry_mode=self._enum(RetryMode, retry, "retryMode", retry_at) if isinstance(retry, dict) else None,
            conditions=self._conditions(raw, at),
            source=self._ref(at),
        )

    def _gate(self, stage: dict, name: str, path: Path) -> GatePolicy | None:
        raw, at = self._get(stage, name, path)
        if not isinstance(raw, dict):
            return None
        return GatePolicy(conditions=self._conditions(raw, at), source=self._ref(at))

    def _conditions(self, raw: dict, path: Path) -> tuple[StageCondition, ...]:
        conditions = []
        for item, at in self._items(raw, "conditions", path):
            if not isinstance(item, dict):
                continue
            rules = tuple(self._rule(rule, rule_at) for rule, rule_at in self._items(item, "rules", at))
            conditions.append(StageCondition(result=self._enum(Result, item, "result", at), rules=rules, source=self._ref(at)))
        return tuple(conditions)

    def _rule(self, raw: object, path: Path) -> ConditionRule:
        if not isinstance(raw, dict):
            reason = raw if isinstance(raw, Unknown) else Unknown("the rule is not a mapping")
            return ConditionRule(name=reason, provider=reason, source=self._ref(path))
        type_id, type_at = self._get(raw, "ruleTypeId", path)
        provider: str | Unknown = Unknown("the rule has no ruleTypeId")
        version: str | Unknown = "1"
        if isinstance(type_id, dict):
            provider = self._text(type_id, "provider", type_at) or Unknown("the rule type has no provider")
            version = self._text(type_id, "version", type_at) or "1"
        return ConditionRule(
            name=self._text(raw, "name", path) or Unknown("the rule has no name"),
            provider=provider,
            version=version,
            configuration=self._config(raw, "configuration", path),
            input_artifacts=self._names(raw, "inputArtifacts", path),
            role_arn=self._text(raw, "roleArn", path),
            region=self._text(raw, "region", path),
            timeout_minutes=as_int(self._value(raw, "timeoutInMinutes", path)),
            commands=self._strings(raw, "commands", path),
            source=self._ref(path),
        )

    def _variable(self, raw: object, path: Path) -> Variable:
        if not isinstance(raw, dict):
            return Variable(name=Unknown("the variable is not a mapping"), source=self._ref(path))
        return Variable(
            name=self._text(raw, "name", path) or Unknown("the variable has no name"),
            default=self._text(raw, "defaultValue", path),
            description=self._text(raw, "description", path),
            source=self._ref(path),
        )

    def _trigger(self, raw: object, path: Path) -> Trigger:
        if not isinstance(raw, dict):
            return Trigger(provider=Unknown("the trigger is not a mapping"), source=self._ref(path))
        git = self._value(raw, "gitConfiguration", path)
        git = _lower_keys(git) if isinstance(git, dict) else {}
        return Trigger(
            provider=self._text(raw, "providerType", path) or Unknown("the trigger has no providerType"),
            source_action=git.get("sourceActionName") if isinstance(git, dict) else None,
            git=freeze(git),
            source=self._ref(path),
        )


def _lower_keys(value: object) -> object:
    """Git filters keep their values; keys are spelled the API's way so both formats compare equal."""
    if isinstance(value, dict):
        return {re.sub(r"^[A-Z]", lambda m: m.group().lower(), k): _lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v) for v in value]
    return value
