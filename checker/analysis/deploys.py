"""Which actions deploy: Deploy-category actions, and deploys hidden in CodeBuild, Lambda or Commands actions.

A CloudFormation action that only creates a change set prepares a deploy; the CHANGE_SET_EXECUTE after it is
the deploy. A build or invoke action whose name, environment variables or commands show that it deploys (for
example `DeployProd` with `ENV_PIPELINE_EXECUTION_ROLE`, as `sam pipeline init` generates) is a deploy with
medium confidence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum

from checker.analysis.environment import Confidence, words
from checker.model import Action, Category, Unknown
from checker.model import ci
from checker.model.commands import DEPLOY_COMMANDS, commands, parse_deploy
from checker.model.values import as_text


class Role(Enum):
    DEPLOY = "deploy"  # changes an environment
    PREPARE = "prepare"  # creates a change set: changes nothing until executed
    UNKNOWN = "unknown"  # the files do not say what the action is; it may deploy
    SELF_UPDATE = "self-update"  # updates the pipeline itself (CDK's SelfMutate, a stack named ${AWS::StackName})
    NONE = "none"


@dataclass(frozen=True, slots=True)
class DeployVerdict:
    role: Role
    confidence: Confidence
    reason: str


DEPLOY_WORDS = {"deploy", "deployment", "release", "promote", "rollout", "publish"}
DEPLOY_VARIABLES = re.compile(r"(PIPELINE_EXECUTION_ROLE|CLOUDFORMATION_EXECUTION_ROLE|DEPLOY_ROLE|TARGET_ACCOUNT|STACK_NAME)")
PREPARE_MODES = {"CHANGE_SET_REPLACE"}
# Providers that exist only as Deploy actions: an unknown category does not hide what they do.
DEPLOY_PROVIDERS = {"CodeDeploy", "CodeDeployToECS", "ECS", "ElasticBeanstalk", "CloudFormation", "CloudFormationStackSet",
                    "CloudFormationStackInstances", "AppConfig", "ServiceCatalog", "AlexaSkillsKit", "OpsWorks", "EKS", "EC2"}  # fmt: skip


def verdict(action: Action) -> DeployVerdict:
    category = action.category
    provider = as_text(action.provider) or ""
    itself = _self_update(action)
    if itself:
        return DeployVerdict(Role.SELF_UPDATE, Confidence.MEDIUM, itself)
    if category is Category.DEPLOY:
        mode = action.configuration.get("ActionMode")
        if provider.startswith("CloudFormation") and mode in PREPARE_MODES:
            return DeployVerdict(Role.PREPARE, Confidence.HIGH, f"{provider} {mode} creates a change set")
        return DeployVerdict(Role.DEPLOY, Confidence.HIGH, f"Deploy action ({provider})")
    if isinstance(category, Unknown):
        if provider in DEPLOY_PROVIDERS:
            return DeployVerdict(Role.DEPLOY, Confidence.MEDIUM, f"the category is unknown ({category.reason}); {provider} only deploys")
        return DeployVerdict(Role.UNKNOWN, Confidence.LOW, f"the action's category is unknown: {category.reason}")
    if category in (Category.BUILD, Category.TEST, Category.INVOKE, Category.COMPUTE):
        hidden = _hidden_deploy(action)
        if hidden:
            return DeployVerdict(Role.DEPLOY, Confidence.MEDIUM, f"{category.value} action ({provider}) that deploys: {hidden}")
    return DeployVerdict(Role.NONE, Confidence.HIGH, f"{getattr(category, 'value', category)} action")


def _self_update(action: Action) -> str | None:
    """A pipeline that updates its own definition first deploys no environment."""
    stack = action.configuration.get("StackName")
    if isinstance(stack, Unknown) and stack.text == "${AWS::StackName}":
        return "updates the stack the pipeline belongs to (the pipeline updates itself), not an environment"
    named = words(as_text(action.name) or "")
    if "mutate" in named or "selfmutate" in named or named[:2] == ["update", "pipeline"]:
        return f"'{action.name}' updates the pipeline itself, not an environment"
    return None


def _hidden_deploy(action: Action) -> str | None:
    for command in action.commands:
        for parts in commands(as_text(command) or ""):
            found = parse_deploy(parts)
            if found is not None:
                return f"command '{found.command}'"
    # a CI job's work is named after its first command where its steps have no names: only given names count
    name = as_text(action.configuration.get("StepNames")) if action.provider == ci.CI_JOB else as_text(action.name)
    named = [w for w in words(name or "") if w in DEPLOY_WORDS]
    function = as_text(action.configuration.get("FunctionName")) or ""
    named += [w for w in words(function) if w in DEPLOY_WORDS]
    variables = _variable_names(action.configuration.get("EnvironmentVariables"))
    deploy_variables = [v for v in variables if DEPLOY_VARIABLES.search(v)]
    if named and deploy_variables:
        return f"named '{named[0]}' with variable {deploy_variables[0]}"
    if deploy_variables and any(DEPLOY_COMMANDS.search(v) for v in _variable_values(action)):
        return f"variable {deploy_variables[0]}"
    if named and as_text(action.provider) in ("CodeBuild", "Lambda", "Commands", ci.CI_JOB):
        return f"named '{named[0]}'"
    return None


def build_variables(raw: object) -> list[dict]:
    """CodeBuild's EnvironmentVariables: a JSON string of [{name, value, type}]."""
    text = as_text(raw)
    if not text:
        return []
    try:
        parsed = json.loads(text)
    except ValueError:
        return []
    return [item for item in parsed if isinstance(item, dict)] if isinstance(parsed, list) else []


def _variable_names(raw: object) -> list[str]:
    return [str(item.get("name", "")) for item in build_variables(raw)]


def _variable_values(action: Action) -> list[str]:
    return [str(item.get("value", "")) for item in build_variables(action.configuration.get("EnvironmentVariables"))]
