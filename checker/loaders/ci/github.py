"""GitHub Actions workflows: for each kind of run the workflow declares (`on:`), the jobs it runs, as a pipeline.

Jobs are stages and `needs` their order. A job's `environment:` is its environment (the name is evidence of the
tier, and a gate whose reviewers the policy declares); the account of a deploy is that of the role
`aws-actions/configure-aws-credentials` assumes before it. Job conditions (`if:`) are decided for each run (a
push to the default branch, `main` or the `master` the workflow names; a tag push; a manual run; ...): a job that
cannot run then, and the jobs that need it, are left out of that run; a condition pipelint cannot decide keeps
the job (checker/loaders/ci/runs.py). A `strategy.matrix` job is one stage per combination (side by side).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable

from checker.loaders.base import LoadOptions, LoadResult, report_reader_findings
from checker.loaders.ci import reusable
from checker.loaders.ci.conditions import GITHUB_FUNCTIONS, decide, evaluate
from checker.loaders.ci.graph import order
from checker.loaders.ci.jobs import MAX_LEGS, Job, StageBuilder, Step, combinations, value
from checker.loaders.ci.runs import by_run, github_runs
from checker.model import Pipeline, ProblemSeverity, SourceFormat, SourceRef, Unknown, ci, freeze
from checker.sources.document import Document

NAME = "github-actions"
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_SHELL_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def sniff(doc: Document) -> bool:
    value = doc.value
    return isinstance(value, dict) and isinstance(value.get("jobs"), dict) and ("on" in value or True in value)


def load(doc: Document, options: LoadOptions) -> LoadResult:
    result = LoadResult(NAME)
    report_reader_findings(doc, result, "GitHub Actions")
    workflow = doc.value
    assert isinstance(workflow, dict)
    calls = reusable.Calls(doc.file, options.max_file_bytes)
    read = _Read(result, calls)
    read.workflow(workflow, doc, prefix="", context={}, chain=())
    name = workflow.get("name") if isinstance(workflow.get("name"), str) else os.path.basename(doc.file)
    for scenario, kept in by_run(github_runs(workflow), lambda run: [_decided(job, read, run.lookup)
                                                                     for job in _runnable(read, run.lookup)]):  # fmt: skip
        stages = [StageBuilder(job.file or doc.file, ci.GITHUB_ENVIRONMENT).stage(job, needs)
                  for job, needs in order(kept, result, doc, known=read.known)]  # fmt: skip
        result.pipelines.append(Pipeline(name=name, format=SourceFormat.GITHUB_ACTIONS, pipeline_type=None,
                                         scenario=scenario, stages=tuple(stages), source=SourceRef(doc.file, ())))  # fmt: skip
    result.reads = list(calls.read)
    result.called_only = reusable.call_only(workflow)
    return result


@dataclasses.dataclass(slots=True)
class _Read:
    """The jobs of a workflow and of the reusable workflows of its repository it runs, as one list."""

    result: LoadResult
    calls: reusable.Calls
    jobs: list[Job] = dataclasses.field(default_factory=list)
    # a job's conditions: its own `if:`, and those of the jobs that called its workflow, each with what its
    # workflow's expressions know (inputs, matrix values)
    conditions: dict[str, tuple[tuple[object, dict[str, object]], ...]] = dataclasses.field(default_factory=dict)
    known: set[str] = dataclasses.field(default_factory=set)  # every job the files define, also those left out
    contexts: dict[str, dict[str, object]] = dataclasses.field(default_factory=dict)  # by job id
    # a job of a called workflow -> all the jobs of that call: what needs the call is left out only when they all are
    calls_of: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)

    def workflow(self, workflow: dict, doc: Document, prefix: str, context: dict[str, object], chain: tuple[str, ...],
                 outer: tuple[tuple[object, dict[str, object]], ...] = ()) -> list[Job]:  # fmt: skip
        """Read the jobs of `workflow` (called as `prefix`, with `context`); the jobs it adds, in order."""
        env = _env(workflow.get("env"), {}, context)
        added: list[Job] = []
        replaced: dict[str, list[str]] = {}  # a job that runs a reusable workflow -> the jobs it became
        for job_id, raw in workflow["jobs"].items():
            if not isinstance(raw, dict):
                self.result.problems_at(doc, [(("jobs", job_id), f"job '{job_id}' must be a mapping")])
                continue
            self.known.add(prefix + str(job_id))
            for leg, known in _legs(str(job_id), raw, env, context, self.result, doc):
                leg.id, leg.needs = prefix + leg.id, tuple(prefix + n for n in leg.needs)
                leg.leg_of = prefix + str(job_id) if leg.id != prefix + str(job_id) else None
                self.known.add(leg.id)
                leg.file = doc.file if chain else None
                conditions = (*outer, (raw.get("if"), known))
                inner = self._call(leg, raw, doc, conditions, known, chain) if leg.calls else None
                if inner:
                    self.calls_of.update(dict.fromkeys((j.id for j in inner), tuple(j.id for j in inner)))
                    replaced.setdefault(prefix + str(job_id), []).extend(j.id for j in inner)
                    replaced[leg.id] = [j.id for j in inner]
                    added += inner
                    continue
                self.conditions[leg.id], self.contexts[leg.id] = conditions, known
                self.jobs.append(leg)
                added.append(leg)
        for job in added:  # a job that needs a caller waits for the whole workflow it ran
            job.needs = tuple(dict.fromkeys(n for need in job.needs for n in replaced.get(need, [need])))
        return added

    def _call(self, leg: Job, raw: dict, doc: Document, conditions: tuple, known: dict[str, object],
              chain: tuple[str, ...]) -> list[Job]:  # fmt: skip
        """The jobs of the workflow of this repository `leg` runs; none (and why, on the leg) when not read."""
        called = self.calls.open(str(leg.calls), doc.file, chain)
        if called.doc is None:
            leg.calls_note = called.why
            return []
        given = raw.get("with") if isinstance(raw.get("with"), dict) else {}
        context = reusable.inputs_of(called.doc.value, {str(k): _expand(v, {}, known) for k, v in given.items()})  # type: ignore[arg-type]
        inner = self.workflow(called.doc.value, called.doc, f"{leg.id} / ", context, (*chain, called.doc.file),
                              outer=conditions)  # type: ignore[arg-type]  # fmt: skip
        prefixed = {j.id for j in inner}
        for job in inner:  # the workflow's first jobs wait for what the caller waits for
            if not any(n in prefixed for n in job.needs):
                job.needs = tuple(dict.fromkeys((*job.needs, *leg.needs)))
                job.proceeds_on_failure = job.proceeds_on_failure or leg.proceeds_on_failure
        return inner


def _within(context: dict[str, object], lookup: Callable[[str], object]) -> Callable[[str], object]:
    """What an expression of a job knows: its workflow's inputs and its matrix values, then the run's values."""
    return lambda name: context[name] if name in context and "${" not in str(context[name]) else lookup(name)


def _decided(job: Job, read: _Read, lookup: Callable[[str], object]) -> Job:
    """The job as this run runs it: an environment whose name is an expression of the run, decided."""
    if job.environment_expression is None:
        return job
    found = evaluate(job.environment_expression, _within(read.contexts.get(job.id, {}), lookup), GITHUB_FUNCTIONS)
    if isinstance(found, str) and found and "${" not in found:
        return dataclasses.replace(job, environment=found)
    return job


def _runnable(read: _Read, lookup: Callable[[str], object]) -> list[Job]:
    """The jobs that can run: no condition of theirs is false, and no job they need is left out (a called
    workflow is left out when all its jobs are: one it skips does not fail it)."""
    out: set[str] = set()
    for job in read.jobs:
        for condition, context in read.conditions.get(job.id, ()):
            if condition is not None and decide(condition, _within(context, lookup), GITHUB_FUNCTIONS) is False:
                out.add(job.id)
    changed = True
    while changed:
        changed = False
        for job in read.jobs:
            always = any("always()" in str(c or "") for c, _ in read.conditions.get(job.id, ()))
            mine = read.calls_of.get(job.id, ())
            if job.id not in out and not always and any(
                    all(m in out for m in read.calls_of.get(n, (n,))) for n in job.needs if n not in mine):
                out.add(job.id)
                changed = True
    return [job for job in read.jobs if job.id not in out]


def _legs(job_id: str, raw: dict, env: dict[str, str], context: dict[str, object], result: LoadResult,
          doc: Document) -> list[tuple[Job, dict[str, object]]]:  # fmt: skip
    """A job, once per combination of its matrix, each with what its expressions know (inputs, matrix values)."""
    matrix = raw.get("strategy", {}).get("matrix") if isinstance(raw.get("strategy"), dict) else None
    combos: list[dict[str, object]] = [{}]
    if isinstance(matrix, dict):
        axes = {str(k): v for k, v in matrix.items() if k not in ("include", "exclude") and isinstance(v, list)}
        listed = lambda key: matrix[key] if isinstance(matrix.get(key), list) else []  # noqa: E731
        combos, total = combinations(axes, listed("include"), listed("exclude"))
        if total > MAX_LEGS:
            result.problems_at(doc, [(("jobs", job_id, "strategy", "matrix"), f"job '{job_id}' has {total} matrix "
                                      f"combinations; pipelint reads the first {MAX_LEGS}")], ProblemSeverity.WARNING)  # fmt: skip
        combos = combos or [{}]
    legs = []
    for combo in combos:
        suffix = f" ({', '.join(str(v) for v in combo.values())})" if combo and len(combos) > 1 else ""
        known = {**context, **{f"matrix.{k}": v for k, v in combo.items()}}
        legs.append((_job(job_id, job_id + suffix, raw, env, known, result, doc), known))
    return legs


def _job(job_id: str, name: str, raw: dict, env: dict[str, str], known: dict[str, object], result: LoadResult,
         doc: Document) -> Job:  # fmt: skip
    path = ("jobs", job_id)
    job_env = _env(raw.get("env"), env, known)
    needs = raw.get("needs")
    needs = (needs,) if isinstance(needs, str) else tuple(str(n) for n in needs) if isinstance(needs, list) else ()
    condition = str(raw.get("if") or "")
    job = Job(id=name, path=path, needs=needs, continues_on_error=raw.get("continue-on-error") is True,
              proceeds_on_failure=bool(re.search(r"\b(always|failure|cancelled)\(\)", condition)))  # fmt: skip
    environment = raw.get("environment")
    where = path + ("environment", "name") if isinstance(environment, dict) else path + ("environment",)
    environment = environment.get("name") if isinstance(environment, dict) else environment
    if environment is not None:
        job.environment, job.environment_path = value(_expand(environment, job_env, known)), where
        whole = _EXPRESSION.fullmatch(environment.strip()) if isinstance(environment, str) else None
        if whole is not None and isinstance(job.environment, Unknown):  # decided for each run
            job.environment_expression = whole.group(1)
    if isinstance(raw.get("uses"), str):
        job.calls, job.calls_path = raw["uses"], path + ("uses",)
        return job
    steps = raw.get("steps")
    if not isinstance(steps, list):
        if steps is not None:
            result.problems_at(doc, [(path + ("steps",), f"the steps of job '{job_id}' must be a list")])
        return job
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        step_env = _env(step.get("env"), job_env, known)
        inputs = step.get("with") if isinstance(step.get("with"), dict) else {}
        job.steps.append(Step(
            path=path + ("steps", index),
            name=str(step["name"]) if step.get("name") is not None else None,
            script=_expand(step.get("run"), step_env, known, shell=True) if isinstance(step.get("run"), str) else None,
            uses=str(step["uses"]) if isinstance(step.get("uses"), str) else None,
            inputs=freeze({str(k): _expand(v, step_env, known) for k, v in inputs.items()}),
            continues_on_error=step.get("continue-on-error") is True,
        ))  # fmt: skip
    return job


def _env(raw: object, outer: dict[str, str], known: dict[str, object] | None = None) -> dict[str, str]:
    env = dict(outer)
    if isinstance(raw, dict):
        for key, item in raw.items():
            env[str(key)] = str(_expand(item, outer, known or {}))
    return env


def _expand(raw: object, env: dict[str, str], known: dict[str, object], shell: bool = False) -> object:
    """`${{ env.X }}`, `${{ matrix.X }}` and `${{ inputs.X }}` filled in; other expressions kept as `${expression}`
    placeholders; in a `run:` script, `$X` and `${X}` of variables the file sets filled in too."""
    if not isinstance(raw, str):
        return raw if raw is None or isinstance(raw, (bool, int, float)) else str(raw)

    def expression(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner.startswith("env.") and inner[4:] in env:
            return env[inner[4:]]
        if inner in known:
            return str(known[inner])
        return "${" + inner + "}"

    text = _EXPRESSION.sub(expression, raw)
    if shell:
        text = _SHELL_VAR.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), text)
    return text
