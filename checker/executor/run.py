"""Running a pipeline: check it can be run, build the world, run the scenario's releases, return the trace."""

from __future__ import annotations

import difflib

from checker.analysis.core import Analysis
from checker.analysis.environment import EnvironmentMap
from checker.executor.scenario import Scenario
from checker.executor.trace import ExecutionTrace
from checker.model import Pipeline, Unknown, Workspace
from checker.model.values import as_text


class CannotRun(Exception):
    """The pipeline has something the executor cannot run; the message names each action and why."""

    def __init__(self, pipeline: str, reasons: list[str]) -> None:
        super().__init__(f"cannot run pipeline {pipeline}:\n" + "\n".join(f"  - {r}" for r in reasons))
        self.reasons = reasons


def blockers(pipeline: Pipeline) -> list[str]:
    """Why the executor cannot run this pipeline (empty when it can)."""
    from checker.executor.handlers import unsupported

    if pipeline.format.is_ci:
        return [f"it is a {pipeline.format.value} workflow; the executor runs CodePipeline pipelines (get-pipeline "
                "JSON, CloudFormation, CDK, Terraform)"]  # fmt: skip
    reasons = []
    if not pipeline.stages:
        reasons.append("it has no stages")
    for stage in pipeline.stages:
        if stage.opaque is not None:
            reasons.append(f"stage '{stage}' is not in the files: {stage.opaque.reason}")
        for action in stage.actions:
            where = f"action '{as_text(action.name) or '?'}' in stage '{as_text(stage.name) or '?'}'"
            if isinstance(action.name, Unknown) or isinstance(action.provider, Unknown):
                reasons.append(f"{where}: its provider or name is not known from the files")
                continue
            why = unsupported(action)
            if why:
                reasons.append(f"{where}: {why}")
    return reasons


def mismatches(pipeline: Pipeline, scenario: Scenario) -> list[str]:
    """The scenario's names that name nothing in this pipeline: a misspelt `fail:` would otherwise turn a failure
    scenario into a quiet success."""
    from checker.executor.handlers import name_of

    actions = [f"{stage.name}/{action.name}" for stage in pipeline.stages for action in stage.actions]
    approvals = [f"{stage.name}/{action.name}" for stage in pipeline.stages for action in stage.actions
                 if name_of(action.provider) == "Manual"]  # fmt: skip
    projects = [str(as_text(a.configuration.get("ProjectName"))) for a in pipeline.actions() if a.configuration.get("ProjectName")]
    rules = [str(rule.name) for stage in pipeline.stages for rule in stage.condition_rules()]
    named: list[tuple[str, str, list[str]]] = []
    for index, release in enumerate(scenario.releases):
        named += [(f"executions[{index}].fail: {f.action!r}", f.action, actions) for f in release.failures]
        named += [(f"executions[{index}].approvals: {key!r}", key, approvals) for key, _ in release.approvals]
        named += [(f"executions[{index}].builds: {key!r}", key, projects) for key, _ in release.builds]
        named += [(f"executions[{index}].rules: {key!r}", key, rules) for key, _ in release.rules]
    named += [(f"approvals: {key!r}", key, approvals) for key, _ in scenario.approvals]
    named += [(f"builds: {key!r}", key, projects) for key, _ in scenario.builds]
    named += [(f"rules: {key!r}", key, rules) for key, _ in scenario.rules]
    problems = []
    for where, name, known in named:
        if name != "default" and name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (it has: {', '.join(known) or 'none'})"
            problems.append(f"scenario {where} names nothing in the pipeline{hint}")
    return problems


def execute(workspace: Workspace, pipeline: Pipeline, scenario: Scenario | None = None,
            environments: EnvironmentMap | None = None) -> ExecutionTrace:  # fmt: skip
    """Run `pipeline` (one of `workspace`'s) against moto as `scenario` says; raises CannotRun before starting."""
    scenario = scenario or Scenario()
    reasons = blockers(pipeline) + mismatches(pipeline, scenario)
    if reasons:
        raise CannotRun(pipeline.title, reasons)
    from checker.executor.clock import Clock
    from checker.executor.engine import Engine
    from checker.executor.safety import quiet, sandbox
    from checker.executor.world import Denied, World

    analysis = Analysis(workspace, environments)
    with sandbox() as clients:
        world = World(clients, pipeline, analysis, scenario, Clock(scenario.clock))
        world.build()
        try:
            world.enter_as_pipeline()
        except Denied as error:
            raise CannotRun(pipeline.title, [f"CodePipeline cannot assume the pipeline role, so AWS would refuse to "
                                             f"create the pipeline: {error}"]) from None  # fmt: skip
        with quiet():
            executions = Engine(world, pipeline, analysis, scenario).run()
        live = tuple(sorted(world.live.values(), key=lambda live: live.target))
        return ExecutionTrace(
            pipeline=pipeline.title, pipeline_account=world.pipeline_account, region=world.region, scenario=scenario.name,
            accounts=tuple(sorted({world.pipeline_account, *(r.account for r in world.resources.values())} - {"global"})),
            executions=tuple(executions), resources=tuple(sorted(world.resources.values(), key=lambda r: r.id)),
            live=live, notes=tuple(dict.fromkeys(world.notes)),
        )  # fmt: skip
