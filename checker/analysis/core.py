"""The analysis the rules and `pipelint show` ask: for every action, whether it deploys, where, and how.

Rules never re-derive these facts; they ask an `Analysis`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from checker.analysis.deploys import DEPLOY_VARIABLES, DeployVerdict, Role, build_variables, verdict
from checker.analysis.environment import Environment, EnvironmentMap, classify
from checker.analysis.gates import Gate, gate_of
from checker.analysis.order import stages_before, stopped_by
from checker.analysis.links import Link, Linker, change_set_source
from checker.analysis.strategy import Rollback, Strategy, StrategyClass, appconfig_rollback, target_facts
from checker.model import (
    Action,
    AppConfigEnvironment,
    Category,
    CloudFormationStack,
    CodeDeployConfig,
    CodeDeployGroup,
    Pipeline,
    PipelineType,
    Result,
    Stage,
    Unknown,
    Workspace,
)
from checker.model import ci
from checker.model.arn import account_of
from checker.model.values import as_text


@dataclass(frozen=True, slots=True)
class ActionFacts:
    pipeline: Pipeline
    stage_index: int
    stage: Stage
    action: Action
    verdict: DeployVerdict
    account: str | Unknown | None  # where the action runs: its role's account, else the pipeline's
    account_source: str  # what says so: "role arn:aws:iam::...", "the pipeline's account (no role of its own)"
    region: str | Unknown | None
    environment: Environment
    link: Link
    strategy: Strategy | None
    rollback: Rollback | None
    stage_rollback: bool  # a V2 onFailure ROLLBACK covers the stage
    prepared_by: Action | None = None  # for a CHANGE_SET_EXECUTE: the action that created its change set
    gate: Gate | None = None  # for an approval: whether a person must approve
    stages_before: frozenset[int] | None = None  # a graph's stages that finish before this one's; None: linear
    stopped_by: frozenset[int] | None = None  # a graph's stages whose failure keeps this one's from running

    @property
    def unknown_strategy(self) -> str | None:
        """Why the deploy's strategy is unknown, or None when it is known."""
        if self.strategy is None or self.strategy.cls is StrategyClass.UNKNOWN:
            detail = self.strategy.detail if self.strategy else self.link.note
            return f"the deployment strategy of {self.label} is unknown: {detail}"
        return None

    @property
    def unknown_rollback(self) -> str | None:
        """Why it is unknown whether a failed deploy rolls back, or None when that is known."""
        if self.rollback is None or self.rollback.on_failure is None:
            detail = self.rollback.detail if self.rollback else self.link.note
            return f"whether {self.label} rolls back is unknown: {detail}"
        return None

    @property
    def inputs(self) -> tuple[str | Unknown, ...]:
        """The artifacts it deploys: its own inputs, or those its change set was created from."""
        if not self.action.input_artifacts and self.prepared_by is not None:
            return self.prepared_by.input_artifacts
        return self.action.input_artifacts

    @property
    def is_deploy(self) -> bool:
        return self.verdict.role is Role.DEPLOY

    @property
    def is_approval(self) -> bool:
        """An approval that makes a person approve (a CI environment only when the policy says it is protected)."""
        return self.gate is not None and self.gate.approves is True

    @property
    def notified(self) -> str | None:
        """Who an approval tells that a release waits: the CI system's own notice, or the NotificationArn topic."""
        if self.gate is not None and self.gate.notifies:
            return self.gate.notifies
        topic = self.action.configuration.get("NotificationArn")
        return None if topic is None or topic == "" else str(as_text(topic) or topic)

    @property
    def approval_detail(self) -> str:
        """An approval in a few words, for people: whom it notifies, or why it may gate nothing."""
        if self.gate is not None and self.gate.approves is None:
            return "reviewers unknown (set in the repository)"
        if self.gate is not None and self.gate.approves is False:
            return "gates nothing (not a protected environment)"
        return f"notifies {self.notified}" if self.notified else "notifies nobody"

    @property
    def maybe_approval(self) -> bool:
        """An approval gate the files and the policy leave open (a CI environment not declared either way)."""
        return self.gate is not None and self.gate.approves is None

    @property
    def label(self) -> str:
        return f"action '{self.action.name}' in stage '{self.stage.name}'"

    def gates(self, other: ActionFacts) -> bool | None:
        """This action, failing (an approval rejected), keeps `other` from running: it runs strictly before, and no
        job on the way runs whatever happened before it (GitHub `if: always()`, GitLab `when: always`)."""
        before = self.runs_before(other)
        if before is not True or other.stopped_by is None or self.stage_index == other.stage_index:
            return before
        return self.stage_index in other.stopped_by

    def runs_before(self, other: ActionFacts) -> bool | None:
        """Strictly before: an earlier stage (in a graph, one the other's stage waits for), or a lower run order
        in the same stage (equal = parallel)."""
        if self.stage_index != other.stage_index:
            if other.stages_before is not None:
                return self.stage_index in other.stages_before
            return self.stage_index < other.stage_index
        a, b = self.action.run_order, other.action.run_order
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            return None
        return a < b


class Analysis:
    def __init__(self, workspace: Workspace, environments: EnvironmentMap | None = None) -> None:
        self.workspace = workspace
        self.environments = environments or EnvironmentMap()
        self.linker = Linker(workspace)
        self.configs = [t for t in workspace.targets if isinstance(t, CodeDeployConfig)]
        self._facts: dict[int, tuple[ActionFacts, ...]] = {}
        self._orders: dict[int, tuple[list[frozenset[int]] | None, list[frozenset[int]] | None]] = {}

    def order(self, pipeline: Pipeline) -> tuple[list[frozenset[int]] | None, list[frozenset[int]] | None]:
        """For a graph of stages (a CI workflow): what finishes before each stage, and whose failure stops it
        (checker/analysis/order.py); None and None for CodePipeline's line of stages."""
        key = id(pipeline)
        if key not in self._orders:
            self._orders[key] = (stages_before(pipeline), stopped_by(pipeline))
        return self._orders[key]

    def actions(self, pipeline: Pipeline) -> tuple[ActionFacts, ...]:
        key = id(pipeline)
        if key not in self._facts:
            earlier: list[Action] = []
            facts = []
            before, stoppers = self.order(pipeline)
            for index, stage in enumerate(pipeline.stages):
                for action in sorted(stage.actions, key=_run_order):
                    facts.append(self._action(pipeline, index, stage, action, earlier, before[index] if before else None,
                                              stoppers[index] if stoppers else None))  # fmt: skip
                    earlier.append(action)
            self._facts[key] = tuple(facts)
        return self._facts[key]

    def deploys(self, pipeline: Pipeline) -> list[ActionFacts]:
        return [facts for facts in self.actions(pipeline) if facts.is_deploy]

    def approvals(self, pipeline: Pipeline) -> list[ActionFacts]:
        return [facts for facts in self.actions(pipeline) if facts.is_approval]

    def maybe_approvals(self, pipeline: Pipeline) -> list[ActionFacts]:
        return [facts for facts in self.actions(pipeline) if facts.maybe_approval]

    def _action(self, pipeline: Pipeline, index: int, stage: Stage, action: Action, earlier: list[Action],
                before: frozenset[int] | None, stoppers: frozenset[int] | None) -> ActionFacts:  # fmt: skip
        judged = verdict(action)
        account, account_source = _account(pipeline, action, judged)
        region = action.region if action.region is not None else pipeline.region
        link = self.linker.link(action, earlier) if judged.role is not Role.NONE else Link((), "")
        environment = classify(self._signals(stage, action, link), as_text(account), self.environments)
        strategy, rollback = self._facts_of(action, judged, link) if judged.role is Role.DEPLOY else (None, None)
        failure = stage.on_failure
        return ActionFacts(
            pipeline=pipeline, stage_index=index, stage=stage, action=action, verdict=judged, account=account, account_source=account_source,
            region=region, environment=environment, link=link, strategy=strategy, rollback=rollback,
            prepared_by=change_set_source(action, earlier), gate=gate_of(action, self.environments.protected),
            stages_before=before, stopped_by=stoppers,
            stage_rollback=(pipeline.pipeline_type is PipelineType.V2 and failure is not None
                            and failure.result is Result.ROLLBACK),  # stage conditions and rollback are V2 only
        )  # fmt: skip

    def _signals(self, stage: Stage, action: Action, link: Link) -> list[tuple[str, str, int]]:
        signals: list[tuple[str, str, int]] = []
        config = action.configuration
        if as_text(config.get("DeploymentTier")):  # GitLab's declared tier of the environment: the job's own word
            signals.append(("GitLab deployment tier", as_text(config.get("DeploymentTier")) or "", 70))
        environment = _known_parts(action.environment)
        if environment:  # the CI system's deployment environment: the job says where it deploys
            signals.append(("CI environment", environment, 60))
        for key, where in (("StackName", "stack name"), ("DeploymentGroupName", "deployment group name"),
                           ("ServiceName", "service name"), ("EnvironmentName", "environment name"),
                           ("Environment", "AppConfig environment"), ("ProjectName", "CodeBuild project name"),
                           ("FunctionName", "Lambda function name"), ("BucketName", "bucket name"),
                           ("Stage", "deploy command's stage"), ("Directory", "directory it applies")):  # fmt: skip
            text = as_text(config.get(key))
            if text:
                signals.append((where, text, 50))
        overridden = dict(link.parameters)
        for name, value in overridden.items():
            if _environment_like(name):
                signals.append((f"parameter override {name}", value, 50))
        for target in link.targets:
            for name, value in target.template_parameters.items():
                if _environment_like(name) and name not in overridden:
                    signals.append((f"template parameter {name}", str(value), 45))
        if as_text(action.name):
            signals.append(("action name", as_text(action.name) or "", 30))
        if as_text(stage.name):
            signals.append(("stage name", as_text(stage.name) or "", 20))
        return signals

    def _facts_of(self, action: Action, judged: DeployVerdict, link: Link) -> tuple[Strategy, Rollback]:
        provider = as_text(action.provider) or ""
        # `aws deploy create-deployment --deployment-config-name X`: the deployment's own configuration wins
        override = action.configuration.get("DeploymentConfigName") if provider.startswith("CodeDeploy") else None
        targets = [dataclasses.replace(t, deployment_config_name=override) if override and isinstance(t, CodeDeployGroup)
                   else t for t in link.targets]  # fmt: skip
        facts = [f for t in targets if (f := target_facts(t, self.configs)) is not None]
        rollbacks = [appconfig_rollback(t) for t in targets if isinstance(t, AppConfigEnvironment)]
        if rollbacks:  # AppConfig: the strategy says how fast, the environment's monitors whether it rolls back
            strategies = [s for s, _ in facts] or [Strategy(StrategyClass.UNKNOWN, link.note)]
            facts = [(s, r) for s in strategies for r in rollbacks]
        if facts:
            return _combine(facts)
        if override:
            group = CodeDeployGroup(logical_id="", application_name="", group_name="", deployment_config_name=override)
            strategy = target_facts(group, self.configs)[0]  # type: ignore[index]
            return strategy, Rollback(None, None, link.note or "the deployment group is not in the scanned files")
        if provider.startswith("CloudFormation"):
            mode = as_text(action.configuration.get("ActionMode")) or "CREATE_UPDATE"
            stack_rollback = Rollback(True, False, "CloudFormation rolls back a failed stack update")
            if action.configuration.get("DisableRollback") == "true":
                stack_rollback = Rollback(False, False, "the deploy turns CloudFormation's rollback off "
                                                        "(--disable-rollback / --no-rollback), so a failed update stays")
            if any(isinstance(t, CloudFormationStack) for t in link.targets) and link.note.endswith("scanned files"):
                return Strategy(StrategyClass.UNKNOWN, f"{mode}: {link.note}"), stack_rollback
            return Strategy(StrategyClass.STACK_UPDATE, f"{mode}: a stack update; the template defines nothing "
                                                        "that shifts traffic"), stack_rollback  # fmt: skip
        if provider == "S3":
            return Strategy(StrategyClass.ALL_AT_ONCE, "S3 deploy replaces the objects at once"), Rollback(False, False, "an S3 deploy has no rollback")
        if provider in (ci.SHELL_DEPLOY, ci.TERRAFORM_APPLY):
            return command_facts(as_text(action.configuration.get("Command")) or provider)
        if judged.role is Role.DEPLOY and action.category is not Category.DEPLOY:
            return (Strategy(StrategyClass.UNKNOWN, f"a deploy run inside a {provider} action"),
                    Rollback(False, False, f"a {provider} action has no automatic rollback"))  # fmt: skip
        if link.note:
            return Strategy(StrategyClass.UNKNOWN, link.note), Rollback(None, None, link.note)
        return Strategy(StrategyClass.UNKNOWN, f"{provider} deploy"), Rollback(None, None, f"{provider}: rollback unknown")


def command_facts(command: str) -> tuple[Strategy, Rollback]:
    """What a deploy command does, where the command alone decides it."""
    if command == "aws lambda update-function-code":
        return (Strategy(StrategyClass.ALL_AT_ONCE, f"{command} replaces the function's code for every request at once"),
                Rollback(False, False, f"{command} has no rollback"))  # fmt: skip
    if command == "terraform apply":
        return (Strategy(StrategyClass.UNKNOWN, "terraform apply: how the change rolls out is in the configuration it "
                                                "applies, which this file does not show"),
                Rollback(False, False, "Terraform does not roll back a failed apply"))  # fmt: skip
    if command in ("serverless deploy", "sls deploy"):
        return (Strategy(StrategyClass.STACK_UPDATE, f"{command} updates a CloudFormation stack"),
                Rollback(True, False, "CloudFormation rolls back a failed stack update"))  # fmt: skip
    return (Strategy(StrategyClass.UNKNOWN, f"{command}: how it rolls out is not in the file"),
            Rollback(None, None, f"{command}: whether a failed deploy is undone is not in the file"))  # fmt: skip


def _account(pipeline: Pipeline, action: Action, judged: DeployVerdict) -> tuple[str | Unknown | None, str]:
    """The account an action changes: its role's; for a deploy run inside a build, the role it is handed."""
    if action.role_arn is not None:
        return account_of(action.role_arn), f"its role {action.role_arn}"
    if judged.role is Role.DEPLOY and action.category is not Category.DEPLOY:
        for item in build_variables(action.configuration.get("EnvironmentVariables")):
            value = str(item.get("value", ""))
            if ":role/" in value and DEPLOY_VARIABLES.search(str(item.get("name", ""))):
                return account_of(value), f"the role in its variable {item.get('name')} ({value})"
    return pipeline.account, "the pipeline's own account (the action has no role of its own)"


def _known_parts(value: object) -> str:
    """A value's text without the parts the files leave open: `${{ inputs.stage }}` says no environment."""
    return re.sub(r"\$\{[^}]*\}", " ", as_text(value) or "").strip()


def _environment_like(name: str) -> bool:
    lowered = name.lower()
    return "env" in lowered or "stage" in lowered or "tier" in lowered


def _run_order(action: Action) -> int:
    return action.run_order if isinstance(action.run_order, int) else 0


def _combine(facts: list[tuple[Strategy, Rollback]]) -> tuple[Strategy, Rollback]:
    """Several targets (variants, or functions of one stack): the least safe strategy and rollback."""
    order = [StrategyClass.ALL_AT_ONCE, StrategyClass.UNKNOWN, StrategyClass.ROLLING]
    strategies = [s for s, _ in facts]
    worst = next((s for cls in order for s in strategies if s.cls is cls), strategies[0])
    rollbacks = [r for _, r in facts]
    worst_rollback = next((r for r in rollbacks if r.on_failure is False), None) or next(
        (r for r in rollbacks if r.on_failure is None), rollbacks[0]
    )
    return worst, worst_rollback
