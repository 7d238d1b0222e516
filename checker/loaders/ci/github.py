"""GitHub Actions workflows: for each kind of run the workflow declares (`on:`), the jobs it runs, as a pipeline.

Jobs are stages and `needs` their order. A job's `environment:` is its environment (the name is evidence of the
tier, and a gate whose reviewers the policy declares); the account of a deploy is that of the role
`aws-actions/configure-aws-credentials` assumes before it. Job conditions (`if:`) are decided for each run (a
push to the default branch, `main` or the `master` the workflow names; a tag push; a manual run; ...): a job that
cannot run then, and the jobs that need it, are left out of that run; a condition pipelint cannot decide keeps
the job (checker/loaders/ci/runs.py). A `strategy.matrix` job is one stage per combination (side by side).
"""

from __future__ import annotations

import itertools
import os
import re

from checker.loaders.base import LoadOptions, LoadResult, report_reader_findings
from checker.loaders.ci.conditions import GITHUB_FUNCTIONS, decide
from checker.loaders.ci.graph import order
from checker.loaders.ci.jobs import Job, StageBuilder, Step, value
from checker.loaders.ci.runs import by_run, github_runs
from checker.model import Pipeline, SourceFormat, SourceRef, ci, freeze
from checker.sources.document import Document

NAME = "github-actions"
MAX_LEGS = 32  # matrix combinations read per job
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_SHELL_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def sniff(doc: Document) -> bool:
    value = doc.value
    return isinstance(value, dict) and isinstance(value.get("jobs"), dict) and ("on" in value or True in value)


def load(doc: Document, options: LoadOptions) -> LoadResult:  # noqa: ARG001
    result = LoadResult(NAME)
    report_reader_findings(doc, result, "GitHub Actions")
    workflow = doc.value
    assert isinstance(workflow, dict)
    env = _env(workflow.get("env"), {})
    jobs: list[Job] = []
    conditions: dict[str, object] = {}
    for job_id, raw in workflow["jobs"].items():
        if not isinstance(raw, dict):
            result.problems_at(doc, [(("jobs", job_id), f"job '{job_id}' must be a mapping")])
            continue
        conditions[str(job_id)] = raw.get("if")
        jobs.extend(_legs(str(job_id), raw, env, result, doc))
    builder = StageBuilder(doc.file, ci.GITHUB_ENVIRONMENT)
    name = workflow.get("name") if isinstance(workflow.get("name"), str) else os.path.basename(doc.file)
    for scenario, kept in by_run(github_runs(workflow), lambda run: _runnable(jobs, conditions, run.lookup)):
        stages = [builder.stage(job, needs) for job, needs in order(kept, result, doc, known=set(conditions))]
        result.pipelines.append(Pipeline(name=name, format=SourceFormat.GITHUB_ACTIONS, pipeline_type=None,
                                         scenario=scenario, stages=tuple(stages), source=SourceRef(doc.file, ())))  # fmt: skip
    return result


def _runnable(jobs: list[Job], conditions: dict[str, object], lookup: object) -> list[Job]:
    """The jobs that can run: their condition is not false, and no job they need is left out."""
    out: set[str] = set()
    for job in jobs:
        base = job.id.split(" (", 1)[0]
        condition = conditions.get(base)
        if condition is not None and decide(condition, lookup, GITHUB_FUNCTIONS) is False:  # type: ignore[arg-type]
            out.add(job.id)
    changed = True
    while changed:
        changed = False
        for job in jobs:
            always = "always()" in str(conditions.get(job.id.split(" (", 1)[0]) or "")
            if job.id not in out and not always and any(n in out for n in job.needs):
                out.add(job.id)
                changed = True
    return [job for job in jobs if job.id not in out]


def _legs(job_id: str, raw: dict, env: dict[str, str], result: LoadResult, doc: Document) -> list[Job]:
    matrix = raw.get("strategy", {}).get("matrix") if isinstance(raw.get("strategy"), dict) else None
    combos: list[dict[str, object]] = [{}]
    if isinstance(matrix, dict):
        axes = {k: v for k, v in matrix.items() if k not in ("include", "exclude") and isinstance(v, list)}
        combos = [dict(zip(axes, values)) for values in itertools.product(*axes.values())] if axes else []
        combos += [i for i in matrix.get("include", []) or [] if isinstance(i, dict)]
        combos = combos[:MAX_LEGS] or [{}]
    legs = []
    for combo in combos:
        suffix = f" ({', '.join(str(v) for v in combo.values())})" if combo and len(combos) > 1 else ""
        legs.append(_job(job_id, job_id + suffix, raw, env, {f"matrix.{k}": v for k, v in combo.items()}, result, doc))
    return legs


def _job(job_id: str, name: str, raw: dict, env: dict[str, str], matrix: dict[str, object], result: LoadResult,
         doc: Document) -> Job:  # fmt: skip
    path = ("jobs", job_id)
    job_env = _env(raw.get("env"), env, matrix)
    needs = raw.get("needs")
    needs = (needs,) if isinstance(needs, str) else tuple(str(n) for n in needs) if isinstance(needs, list) else ()
    condition = str(raw.get("if") or "")
    job = Job(id=name, path=path, needs=needs, continues_on_error=raw.get("continue-on-error") is True,
              proceeds_on_failure=bool(re.search(r"\b(always|failure|cancelled)\(\)", condition)))  # fmt: skip
    environment = raw.get("environment")
    if isinstance(environment, dict):
        job.environment, job.environment_path = value(_expand(environment.get("name"), job_env, matrix)), path + ("environment", "name")
    elif environment is not None:
        job.environment, job.environment_path = value(_expand(environment, job_env, matrix)), path + ("environment",)
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
        step_env = _env(step.get("env"), job_env, matrix)
        inputs = step.get("with") if isinstance(step.get("with"), dict) else {}
        job.steps.append(Step(
            path=path + ("steps", index),
            name=str(step["name"]) if step.get("name") is not None else None,
            script=_expand(step.get("run"), step_env, matrix, shell=True) if isinstance(step.get("run"), str) else None,
            uses=str(step["uses"]) if isinstance(step.get("uses"), str) else None,
            inputs=freeze({str(k): _expand(v, step_env, matrix) for k, v in inputs.items()}),
            continues_on_error=step.get("continue-on-error") is True,
        ))  # fmt: skip
    return job


def _env(raw: object, outer: dict[str, str], matrix: dict[str, object] | None = None) -> dict[str, str]:
    env = dict(outer)
    if isinstance(raw, dict):
        for key, item in raw.items():
            env[str(key)] = str(_expand(item, outer, matrix or {}))
    return env


def _expand(raw: object, env: dict[str, str], matrix: dict[str, object], shell: bool = False) -> object:
    """`${{ env.X }}` and `${{ matrix.X }}` filled in; other expressions kept as `${expression}` placeholders;
    in a `run:` script, `$X` and `${X}` of variables the file sets filled in too."""
    if not isinstance(raw, str):
        return raw if raw is None or isinstance(raw, (bool, int, float)) else str(raw)

    def expression(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner.startswith("env.") and inner[4:] in env:
            return env[inner[4:]]
        if inner in matrix:
            return str(matrix[inner])
        return "${" + inner + "}"

    text = _EXPRESSION.sub(expression, raw)
    if shell:
        text = _SHELL_VAR.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), text)
    return text
