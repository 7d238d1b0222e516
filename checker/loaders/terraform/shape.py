"""An `aws_codepipeline` in Terraform's shape, turned into the CodePipeline API's, so that the one declaration
reader (checker/loaders/declaration.py) reads it as it reads get-pipeline JSON and CloudFormation.

Terraform spells keys in snake_case, writes nested structures as blocks (lists of mappings, even where the API
has one mapping), puts an action's type beside its name and lists artifacts as plain names. `declaration`
returns the API-shaped declaration and, for every node it builds, the Terraform path it came from; `Relocator`
turns the paths of the model the reader made back into Terraform's, so positions and identities name the .tf
file's (or the plan's) own places.
"""

from __future__ import annotations

import dataclasses

from checker.loaders.declaration import DeclarationReader, Verbatim, camel
from checker.model import Pipeline, SourceRef, Unknown
from checker.model.arn import account_of
from checker.model.source import Path

Paths = dict[Path, Path]  # an API path (relative to the declaration) -> the Terraform path it came from

_PIPELINE = (("name", "name"), ("roleArn", "role_arn"), ("pipelineType", "pipeline_type"),
             ("executionMode", "execution_mode"))  # fmt: skip
_ACTION = (("name", "name"), ("runOrder", "run_order"), ("roleArn", "role_arn"), ("region", "region"),
           ("namespace", "namespace"), ("timeoutInMinutes", "timeout_in_minutes"), ("commands", "commands"))  # fmt: skip
_TYPE = (("category", "category"), ("owner", "owner"), ("provider", "provider"), ("version", "version"))
_RULE = (("name", "name"), ("roleArn", "role_arn"), ("region", "region"), ("timeoutInMinutes", "timeout_in_minutes"),
         ("commands", "commands"))  # fmt: skip
_FILTER = (("includes", "includes"), ("excludes", "excludes"))


class _Builder:
    def __init__(self) -> None:
        self.paths: Paths = {}

    def copy(self, source: dict, pairs: tuple, api: Path, tf: Path) -> dict:
        out: dict[str, object] = {}
        self.paths[api] = tf
        for api_key, tf_key in pairs:
            if source.get(tf_key) is not None:
                out[api_key] = source[tf_key]
                self.paths[api + (api_key,)] = tf + (tf_key,)
        return out

    def blocks(self, source: dict, key: str, api: Path, tf: Path, build: object) -> list[object] | Unknown | None:
        """A list of blocks, each built; an Unknown (a dynamic block not expanded) stays in its place."""
        items = source.get(key)
        if items is None:
            return None
        if not isinstance(items, list):
            return items if isinstance(items, Unknown) else Unknown(f"{key} is not a list of blocks")
        self.paths[api] = tf + (key,)
        return [build(item, api + (i,), tf + (key, i)) if isinstance(item, dict) else item  # type: ignore[operator]
                for i, item in enumerate(items)]  # fmt: skip

    def one(self, source: dict, key: str, api: Path, tf: Path, build: object) -> object:
        """A block Terraform writes once where the API has one mapping (encryption_key, on_failure, ...)."""
        items = source.get(key)
        if isinstance(items, list) and items:
            items = items[0]
            tf = tf + (key, 0)
        elif isinstance(items, list):
            return None
        else:
            tf = tf + (key,)
        if isinstance(items, dict):
            return build(items, api, tf)  # type: ignore[operator]
        return items

    def pipeline(self, values: dict) -> dict:
        decl = self.copy(values, _PIPELINE, (), ())
        stores = values.get("artifact_store")
        if isinstance(stores, list) and len(stores) == 1 and isinstance(stores[0], dict) and stores[0].get("region") is None:
            decl["artifactStore"] = self.store(stores[0], ("artifactStore",), ("artifact_store", 0))
        elif isinstance(stores, list):
            decl["artifactStores"] = self.blocks(values, "artifact_store", ("artifactStores",), (), self.regional)
        elif isinstance(stores, Unknown):
            decl["artifactStore"] = stores
        for api_key, tf_key, build in (("stages", "stage", self.stage), ("variables", "variable", self.variable),
                                       ("triggers", "trigger", self.trigger)):  # fmt: skip
            built = self.blocks(values, tf_key, (api_key,), (), build)
            if built is not None:
                decl[api_key] = built
        return decl

    def regional(self, store: dict, api: Path, tf: Path) -> dict:
        self.paths[api + ("region",)] = tf + ("region",)
        return {"region": store.get("region"), "artifactStore": self.store(store, api + ("artifactStore",), tf)}

    def store(self, store: dict, api: Path, tf: Path) -> dict:
        out = self.copy(store, (("location", "location"), ("type", "type")), api, tf)
        key = self.one(store, "encryption_key", api + ("encryptionKey",), tf,
                       lambda k, a, t: self.copy(k, (("id", "id"), ("type", "type")), a, t))  # fmt: skip
        if key is not None:
            out["encryptionKey"] = key
        return out

    def stage(self, stage: dict, api: Path, tf: Path) -> dict:
        out = self.copy(stage, (("name", "name"),), api, tf)
        actions = self.blocks(stage, "action", api + ("actions",), tf, self.action)
        if actions is not None:
            out["actions"] = actions
        failure = self.one(stage, "on_failure", api + ("onFailure",), tf, self.failure)
        for api_key, tf_key, built in (("onFailure", "on_failure", failure),
                                       ("onSuccess", "on_success", self.one(stage, "on_success", api + ("onSuccess",), tf, self.gate)),
                                       ("beforeEntry", "before_entry", self.one(stage, "before_entry", api + ("beforeEntry",), tf, self.gate))):  # fmt: skip
            if built is not None:
                out[api_key] = built
        return out

    def action(self, action: dict, api: Path, tf: Path) -> dict:
        out = self.copy(action, _ACTION, api, tf)
        out["actionTypeId"] = self.copy(action, _TYPE, api + ("actionTypeId",), tf)
        self.artifacts(action, out, api, tf)
        if action.get("configuration") is not None:
            out["configuration"] = configuration(action["configuration"])
            self.paths[api + ("configuration",)] = tf + ("configuration",)
        return out

    def artifacts(self, source: dict, out: dict, api: Path, tf: Path) -> None:
        for api_key, tf_key in (("inputArtifacts", "input_artifacts"), ("outputArtifacts", "output_artifacts")):
            names = source.get(tf_key)
            if isinstance(names, list):
                out[api_key] = [{"name": name} for name in names]
                self.paths[api + (api_key,)] = tf + (tf_key,)
                for i in range(len(names)):
                    self.paths[api + (api_key, i)] = self.paths[api + (api_key, i, "name")] = tf + (tf_key, i)
            elif names is not None:
                out[api_key] = names

    def failure(self, failure: dict, api: Path, tf: Path) -> dict:
        out = self.copy(failure, (("result", "result"),), api, tf)
        retry = self.one(failure, "retry_configuration", api + ("retryConfiguration",), tf,
                         lambda r, a, t: self.copy(r, (("retryMode", "retry_mode"),), a, t))  # fmt: skip
        if retry is not None:
            out["retryConfiguration"] = retry
        out.update(self.gate(failure, api, tf))
        return out

    def gate(self, gate: dict, api: Path, tf: Path) -> dict:
        self.paths.setdefault(api, tf)
        conditions = self.blocks(gate, "condition", api + ("conditions",), tf, self.condition)
        return {} if conditions is None else {"conditions": conditions}

    def condition(self, condition: dict, api: Path, tf: Path) -> dict:
        out = self.copy(condition, (("result", "result"),), api, tf)
        rules = self.blocks(condition, "rule", api + ("rules",), tf, self.rule)
        if rules is not None:
            out["rules"] = rules
        return out

    def rule(self, rule: dict, api: Path, tf: Path) -> dict:
        out = self.copy(rule, _RULE, api, tf)
        kind = self.one(rule, "rule_type_id", api + ("ruleTypeId",), tf, lambda r, a, t: self.copy(r, _TYPE, a, t))
        if kind is not None:
            out["ruleTypeId"] = kind
        self.artifacts(rule, out, api, tf)
        if rule.get("configuration") is not None:
            out["configuration"] = configuration(rule["configuration"])
            self.paths[api + ("configuration",)] = tf + ("configuration",)
        return out

    def variable(self, variable: dict, api: Path, tf: Path) -> dict:
        return self.copy(variable, (("name", "name"), ("defaultValue", "default_value"), ("description", "description")), api, tf)

    def trigger(self, trigger: dict, api: Path, tf: Path) -> dict:
        out = self.copy(trigger, (("providerType", "provider_type"),), api, tf)
        git = self.one(trigger, "git_configuration", api + ("gitConfiguration",), tf, self.git)
        if git is not None:
            out["gitConfiguration"] = git
        return out

    def git(self, git: dict, api: Path, tf: Path) -> dict:
        out = self.copy(git, (("sourceActionName", "source_action_name"),), api, tf)
        for api_key, tf_key in (("push", "push"), ("pullRequest", "pull_request")):
            built = self.blocks(git, tf_key, api + (api_key,), tf, self.git_filter)
            if built is not None:
                out[api_key] = built
        return out

    def git_filter(self, rule: dict, api: Path, tf: Path) -> dict:
        out = self.copy(rule, (("events", "events"),), api, tf)
        for api_key, tf_key in (("branches", "branches"), ("filePaths", "file_paths"), ("tags", "tags")):
            built = self.one(rule, tf_key, api + (api_key,), tf, lambda f, a, t: self.copy(f, _FILTER, a, t))
            if built is not None:
                out[api_key] = built
        return out


def configuration(value: object) -> object:
    """An action's configuration as the API has it: Terraform's map(string) turns numbers and booleans into
    their string form."""
    if not isinstance(value, dict):
        return value
    return {key: _string(item) for key, item in value.items() if item is not None}


def _string(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return value


def declaration(values: dict) -> tuple[dict, Paths]:
    builder = _Builder()
    return builder.pipeline(values), builder.paths


def read_pipeline(file: str, values: dict, base: Path, **extra: object) -> tuple[Pipeline, list[tuple[Path, str]]]:
    """An aws_codepipeline's values (HCL evaluated, or a plan's) as a Pipeline whose sources are the values' own
    paths under `base`, with the problems the declaration reader found (at those paths too)."""
    decl, paths = declaration(values)
    reader = DeclarationReader(file, Verbatim(), camel)
    role = account_of(decl.get("roleArn"))
    if isinstance(role, str):
        extra["account"] = role  # the pipeline lives where its role does
    pipeline = reader.pipeline(decl, base, **extra)
    relocate = Relocator(base, base, paths)
    return relocate.apply(pipeline), relocate.issues(reader.issues)  # type: ignore[return-value]


class Relocator:
    """Rewrites every SourceRef under `api_base` to the Terraform path it came from."""

    def __init__(self, api_base: Path, tf_base: Path, paths: Paths) -> None:
        self.api_base, self.tf_base, self.paths = api_base, tf_base, paths

    def path(self, path: Path) -> Path:
        if path[: len(self.api_base)] != self.api_base:
            return path
        rest = path[len(self.api_base) :]
        for cut in range(len(rest), -1, -1):
            found = self.paths.get(rest[:cut])
            if found is not None:
                return self.tf_base + found + rest[cut:]
        return self.tf_base + rest

    def issues(self, issues: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
        return [(self.path(path), message) for path, message in issues]

    def apply(self, value: object) -> object:
        """The same model object with every SourceRef relocated."""
        if isinstance(value, SourceRef):
            return SourceRef(value.file, self.path(value.path))
        if isinstance(value, tuple):
            return tuple(self.apply(item) for item in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {}
            for field in dataclasses.fields(value):
                if not field.init:
                    continue
                item = getattr(value, field.name)
                if isinstance(item, (SourceRef, tuple)) or dataclasses.is_dataclass(item):
                    moved = self.apply(item)
                    if moved is not item:
                        changes[field.name] = moved
            return dataclasses.replace(value, **changes) if changes else value
        return value
