"""The Python API that the CLI's jobs, the pytest plugin and notebooks share.

    from checker import api

    report = api.lint(["infra/"], policy="strict")   # a Report
    report.to_records()                               # findings as plain dicts; to_dataframe() with pandas
    trace = api.run(["infra/"], scenario="infra/scenarios/release.yaml")   # an ExecutionTrace (executor extra)

Errors are raised, never printed: a policy pack or scenario that cannot be used raises PolicyError (ScenarioError
is one) with file, line and key; a pipeline the executor cannot run raises CannotRun naming each action.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from checker.engine.report import Report
from checker.model import Severity, Workspace

if TYPE_CHECKING:
    from checker.executor.trace import ExecutionTrace
    from checker.model import Pipeline
    from checker.policy.model import Policy


def load(paths: str | Iterable[str], *, params: Mapping[str, str] | None = None,
         var_files: Iterable[str] = ()) -> Workspace:  # fmt: skip
    """Every pipeline definition under `paths` (files or folders), with `params` as template parameter values
    (and Terraform variable values), and `var_files` as Terraform variable files read after the modules' own."""
    from checker.load import load_workspace
    from checker.loaders.base import LoadOptions

    return load_workspace(_paths(paths), LoadOptions(parameters=dict(params or {}), var_files=tuple(var_files)))


def policy_from(pack: str | Policy | None = None, *, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Policy:
    """A policy: a pack file, a shipped pack's name ("strict"), or None for the default; `select`/`ignore` as on
    the command line (codes or prefixes such as PL1)."""
    from checker.policy.load import load_policy
    from checker.policy.model import Policy

    chosen = pack if isinstance(pack, Policy) else load_policy(pack)
    return chosen.with_selection(tuple(select), tuple(ignore)) if select or ignore else chosen


def lint(paths: str | Iterable[str] | Workspace, *, policy: str | Policy | None = None,
         select: Iterable[str] = (), ignore: Iterable[str] = (), fail_on: str | Severity = Severity.HIGH,
         params: Mapping[str, str] | None = None) -> Report:  # fmt: skip
    """Lint `paths` (or an already loaded workspace) with a policy; the Report holds every evaluation and finding."""
    from checker.engine.run import lint as run_rules

    workspace = paths if isinstance(paths, Workspace) else load(paths, params=params)
    chosen = policy_from(policy, select=select, ignore=ignore)
    return run_rules(workspace, chosen, fail_on=Severity(fail_on))


def run(paths: str | Iterable[str] | Workspace, *, scenario: str | None = None, pipeline: str | None = None,
        policy: str | Policy | None = None, params: Mapping[str, str] | None = None) -> ExecutionTrace:  # fmt: skip
    """Run one pipeline under `paths` end to end against moto (needs the executor extra).

    `pipeline` names it when the paths define several; of several definitions of one pipeline the deployed JSON
    is preferred. `policy` gives the environment map that places each deploy in dev, staging or prod. This does
    not lint first: call `lint` for the findings.
    """
    from checker.executor import execute, load_scenario

    workspace = paths if isinstance(paths, Workspace) else load(paths, params=params)
    chosen = choose(workspace, pipeline)
    environments = policy_from(policy).environments
    return execute(workspace, chosen, load_scenario(scenario) if scenario else None, environments)


def choose(workspace: Workspace, name: str | None = None, *, how: str = "by name") -> Pipeline:
    """The one pipeline to run: by name, else the only one; of several definitions of it, the deployed JSON first.
    ValueError names the pipelines when the choice is not clear, and says `how` to choose (the CLI: its option)."""
    from checker.model import SourceFormat

    titles = sorted({p.title for p in workspace.pipelines})
    if not titles:
        raise ValueError("no pipeline found in the given paths")
    if name is None and len(titles) > 1:
        raise ValueError(f"the paths define {len(titles)} pipelines; choose one {how}: {', '.join(titles)}")
    wanted = name or titles[0]
    found = [p for p in workspace.pipelines if p.title == wanted]
    if not found:
        raise ValueError(f"no pipeline named {wanted!r} (found: {', '.join(titles)})")
    order = {SourceFormat.CODEPIPELINE_JSON: 0, SourceFormat.CDK: 1, SourceFormat.CLOUDFORMATION: 2}
    return min(found, key=lambda p: (not p.scenario.is_unconditional, order.get(p.format, 3)))


def _paths(paths: str | Iterable[str]) -> list[str]:
    return [paths] if isinstance(paths, str) else [str(p) for p in paths]


__all__ = ["choose", "lint", "load", "policy_from", "run"]
