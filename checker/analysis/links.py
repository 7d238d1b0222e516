"""Linking a deploy action to what it deploys, by name, across every file of the run.

A CodeDeploy action names an application and a deployment group; an ECS action a cluster and a service; a
CloudFormation action a stack and a template file in an artifact. The target may be defined in another template
of the same run. Names match when equal, or when both are the same unresolved reference in the same file (an
action's `!Ref DeployGroup` and the group `DeployGroup` itself). When nothing matches, the note says what was
looked for, so rules can answer *unknown* with that reason.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from checker.model import (
    Action,
    AppConfigEnvironment,
    AppConfigStrategy,
    BeanstalkEnvironment,
    CloudFormationStack,
    CodeDeployGroup,
    DeployTarget,
    EcsService,
    TargetKind,
    Unknown,
    Workspace,
)
from checker.model.values import as_text


@dataclass(frozen=True, slots=True)
class Link:
    targets: tuple[DeployTarget, ...]
    note: str
    parameters: tuple[tuple[str, str], ...] = ()  # a CloudFormation action's ParameterOverrides


_IDS = ("id", "arn", "environment_id")  # attributes of a Terraform resource that name it (aws_appconfig_environment)


def _same(wanted: object, have: object, target: DeployTarget, action: Action) -> bool:
    """Does the name an action gives (`wanted`) name this target (whose own name is `have`)?"""
    if wanted is None:
        return False
    same_file = target.source.file == action.source.file
    if same_file and as_text(wanted) == f"${{{target.logical_id}}}":  # `!Ref Target` in the target's own template
        return True
    if _same_module(target, action) and as_text(wanted) in (f"${{{target.logical_id}.{attribute}}}" for attribute in _IDS):
        return True  # a Terraform reference to the resource's id, in the same module
    if isinstance(wanted, str) and isinstance(have, str):
        return wanted == have
    return ((same_file or _same_module(target, action)) and isinstance(wanted, Unknown) and isinstance(have, Unknown)
            and wanted.text is not None and wanted.text == have.text)  # fmt: skip


def _same_module(target: DeployTarget, action: Action) -> bool:
    """Both in the .tf files of one directory: one Terraform module."""
    files = (target.source.file, action.source.file)
    return all(f.endswith(".tf") for f in files) and os.path.dirname(files[0]) == os.path.dirname(files[1])


class Linker:
    def __init__(self, workspace: Workspace) -> None:
        self.by_kind: dict[TargetKind, list[DeployTarget]] = {}
        self.by_file: dict[str, list[DeployTarget]] = {}
        for target in workspace.targets:
            self.by_kind.setdefault(target.kind, []).append(target)
            self.by_file.setdefault(os.path.basename(target.source.file), []).append(target)
        self.template_files = {os.path.basename(f.file) for f in workspace.files if f.kind in ("cloudformation", "cdk")}

    def link(self, action: Action, earlier: list[Action] | None = None) -> Link:
        """The targets of a deploy action; `earlier` are the actions that run before it in its pipeline."""
        provider = as_text(action.provider) or ""
        config = action.configuration
        if provider == "CloudFormation" and config.get("ActionMode") == "CHANGE_SET_EXECUTE":
            prepared = change_set_source(action, earlier or [])
            if prepared is not None:  # the change set's template and parameters are the ones it was created with
                return self._stack(prepared, executes=action)
        if provider in ("CodeDeploy", "CodeDeployToECS"):
            app, group = config.get("ApplicationName"), config.get("DeploymentGroupName")
            named = [t for t in self.by_kind.get(TargetKind.CODEDEPLOY_GROUP, [])
                     if isinstance(t, CodeDeployGroup) and _same(group, t.group_name, t, action)]  # fmt: skip
            found = [t for t in named if _same(app, t.application_name, t, action)]  # type: ignore[attr-defined]
            wanted = f"CodeDeploy deployment group {_path(app, group)}"
            if not found:  # an application name the files do not give: the group's name alone, and say so
                found = [t for t in named if isinstance(app, Unknown) or isinstance(t.application_name, Unknown)]  # type: ignore[attr-defined]
                wanted += " (matched by group name only: an application name is unknown)" if found else ""
            return self._result(found, wanted, action)
        if provider == "ECS":
            service = config.get("ServiceName")
            found = [t for t in self.by_kind.get(TargetKind.ECS_SERVICE, [])
                     if isinstance(t, EcsService) and _same(service, t.service_name, t, action)]  # fmt: skip
            return self._result(found, f"ECS service {_path(config.get('ClusterName'), service)}", action)
        if provider == "ElasticBeanstalk":
            env = config.get("EnvironmentName")
            found = [t for t in self.by_kind.get(TargetKind.BEANSTALK_ENVIRONMENT, [])
                     if isinstance(t, BeanstalkEnvironment) and _same(env, t.environment_name, t, action)]  # fmt: skip
            return self._result(found, f"Elastic Beanstalk environment {_path(config.get('ApplicationName'), env)}", action)
        if provider == "AppConfig":
            return self._appconfig(action)
        if provider.startswith("CloudFormation"):
            return self._stack(action)
        return Link((), "")

    def _appconfig(self, action: Action) -> Link:
        """Its deployment strategy (how fast it rolls out) and its environment (whose monitors roll it back)."""
        config = action.configuration
        strategy, environment = config.get("DeploymentStrategy"), config.get("Environment")
        text = as_text(strategy) or ""
        if text.startswith("AppConfig."):
            strategies = Link((AppConfigStrategy(logical_id=text, name=text),), f"predefined AppConfig strategy {text}")
        else:
            found = [t for t in self.by_kind.get(TargetKind.APPCONFIG_STRATEGY, [])
                     if isinstance(t, AppConfigStrategy) and _same(strategy, t.name, t, action)]  # fmt: skip
            strategies = self._result(found, f"AppConfig deployment strategy {_path(strategy)}", action)
        found = [t for t in self.by_kind.get(TargetKind.APPCONFIG_ENVIRONMENT, [])
                 if isinstance(t, AppConfigEnvironment) and _same(environment, t.name, t, action)]  # fmt: skip
        app = as_text(config.get("Application"))  # two applications may each have a "prod" environment
        found = [t for t in found if app is not None and app == as_text(t.application)] or found  # type: ignore[attr-defined]
        environments = self._result(found, f"AppConfig environment {_path(config.get('Application'), environment)}", action)
        return Link(strategies.targets + environments.targets, f"{strategies.note}; {environments.note}")

    def _result(self, found: list[DeployTarget], wanted: str, action: Action) -> Link:
        if not found:
            return Link((), f"{wanted} is not defined in the scanned files")
        closest = _closest(found, action.source.file)
        files = sorted({t.source.file for t in closest})
        note = f"{wanted} defined in {', '.join(files)}"
        others = sorted({t.source.file for t in found} - set(files))
        if others:
            note += f" (the closest of {len(others) + len(files)} files that define it)"
        return Link(tuple(closest), note)

    def _stack(self, action: Action, executes: Action | None = None) -> Link:
        config = action.configuration
        if executes is not None:
            return self._stack_link(action, f"change set {config.get('ChangeSetName')} created by '{action.name}'")
        return self._stack_link(action, "")

    def _stack_link(self, action: Action, via: str) -> Link:
        config = action.configuration
        stack = CloudFormationStack(logical_id=str(config.get("StackName")), stack_name=config.get("StackName"),
                                    template_url=config.get("TemplatePath"))  # fmt: skip
        template_path = as_text(config.get("TemplatePath")) or ""
        # CodePipeline writes `Artifact::path`; a deploy command in a CI job names the file itself
        name = os.path.basename(template_path.partition("::")[2] if "::" in template_path else template_path)
        overrides = _overrides(config.get("ParameterOverrides"))
        if not name:
            return Link((stack,), f"stack {_path(stack.stack_name)}; no TemplatePath to read its resources from", tuple(sorted(overrides.items())))
        if name not in self.template_files:
            return Link((stack,), f"stack {_path(stack.stack_name)} from {name}, which is not in the scanned files", tuple(sorted(overrides.items())))
        candidates = [t for t in self.by_file.get(name, []) if not isinstance(t, CloudFormationStack) and _agrees(t, overrides)]
        inside = _closest(candidates, action.source.file) if candidates else []
        detail = f"stack {_path(stack.stack_name)} from {name}"
        if overrides:
            detail += " with " + ", ".join(f"{k}={v}" for k, v in sorted(overrides.items()))
        if via:
            detail += f" ({via})"
        return Link((stack, *inside), detail, tuple(sorted(overrides.items())))


def _path(*names: object) -> str:
    """Names for a message: `app/group`; one the action does not give is said so, not printed as None, and an
    unknown one by its text (`${aws_appconfig_deployment_strategy.slow.id}`) or as unknown."""
    shown = []
    for name in names:
        if name is None:
            continue
        text = as_text(name)
        shown.append(text if text else "<unknown>")
    return "/".join(shown) if shown else "(not named by the action)"


def _closest(found: list[DeployTarget], file: str) -> list[DeployTarget]:
    """Names are unique per account, not across an estate: where several files define one, the nearest wins."""
    here = os.path.dirname(os.path.abspath(file)).split(os.sep)

    def distance(target: DeployTarget) -> int:
        """Steps through the folder tree from the action's folder to the target's (a subfolder is one away)."""
        there = os.path.dirname(os.path.abspath(target.source.file)).split(os.sep)
        shared = len(os.path.commonprefix([here, there]))
        return len(here) - shared + len(there) - shared

    best = min(distance(t) for t in found)
    return [t for t in found if distance(t) == best]


def change_set_source(action: Action, earlier: list[Action]) -> Action | None:
    """The CHANGE_SET_REPLACE that created the change set this action executes: same stack and change set."""
    config = action.configuration
    if config.get("ActionMode") != "CHANGE_SET_EXECUTE":
        return None
    for candidate in reversed(earlier):
        other = candidate.configuration
        if (other.get("ActionMode") == "CHANGE_SET_REPLACE" and other.get("StackName") == config.get("StackName")
                and other.get("ChangeSetName") == config.get("ChangeSetName")):  # fmt: skip
            return candidate
    return None


def _overrides(raw: object) -> dict[str, str]:
    text = as_text(raw)
    if not text:
        return {}
    try:
        parsed = json.loads(text)
    except ValueError:
        return {}
    return {str(k): v for k, v in parsed.items() if isinstance(v, str)} if isinstance(parsed, dict) else {}


def _agrees(target: DeployTarget, overrides: dict[str, str]) -> bool:
    """A target variant fits the action when its scenario allows the parameter values the action passes."""
    for name, value in overrides.items():
        allowed = target.scenario.values_of(name)
        if allowed is not None and value not in allowed:
            return False
    return True
