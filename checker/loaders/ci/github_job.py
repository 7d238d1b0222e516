"""One GitHub Actions job as written: its legs (a matrix), environment, steps, and the values its expressions
take where the file or the call that runs it says (`env`, `matrix`, `inputs`)."""

from __future__ import annotations

import re

from checker.loaders.base import LoadResult
from checker.loaders.ci.jobs import MAX_LEGS, Job, Step, combinations, value
from checker.model import ProblemSeverity, Unknown, freeze
from checker.sources.document import Document

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_SHELL_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def legs(job_id: str, raw: dict, env: dict[str, str], context: dict[str, object], result: LoadResult,
          doc: Document) -> list[tuple[Job, dict[str, object]]]:  # fmt: skip
    """A job, once per combination of its matrix, each with what its expressions know (inputs, matrix values)."""
    matrix = raw.get("strategy", {}).get("matrix") if isinstance(raw.get("strategy"), dict) else None
    combos: list[dict[str, object]] = [{}]
    if isinstance(matrix, dict):
        axes = {str(k): v for k, v in matrix.items() if k not in ("include", "exclude") and isinstance(v, list)}
        listed = lambda key: matrix[key] if isinstance(matrix.get(key), list) else []  # noqa: E731
        combos, total = combinations(axes, listed("include"), listed("exclude"))
        if isinstance(total, str) or total > MAX_LEGS:
            result.problems_at(doc, [(("jobs", job_id, "strategy", "matrix"), f"job '{job_id}' has {total} matrix "
                                      f"combinations; pipelint reads {len(combos)} of them")], ProblemSeverity.WARNING)  # fmt: skip
        combos = combos or [{}]
    found = []
    for combo in combos:
        suffix = f" ({', '.join(str(v) for v in combo.values())})" if combo and len(combos) > 1 else ""
        known = {**context, **{f"matrix.{k}": v for k, v in combo.items()}}
        found.append((_job(job_id, job_id + suffix, raw, env, known, result, doc), known))
    return found


def _job(job_id: str, name: str, raw: dict, env: dict[str, str], known: dict[str, object], result: LoadResult,
         doc: Document) -> Job:  # fmt: skip
    path = ("jobs", job_id)
    job_env = env_of(raw.get("env"), env, known)
    needs = raw.get("needs")
    needs = (needs,) if isinstance(needs, str) else tuple(str(n) for n in needs) if isinstance(needs, list) else ()
    job = Job(id=name, path=path, needs=needs, continues_on_error=raw.get("continue-on-error") is True,
              proceeds_on_failure=runs_whatever_happened(raw.get("if")))  # fmt: skip
    environment = raw.get("environment")
    where = path + ("environment", "name") if isinstance(environment, dict) else path + ("environment",)
    environment = environment.get("name") if isinstance(environment, dict) else environment
    if environment is not None:
        job.environment, job.environment_path = value(expand(environment, job_env, known)), where
        whole = EXPRESSION.fullmatch(environment.strip()) if isinstance(environment, str) else None
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
        step_env = env_of(step.get("env"), job_env, known)
        inputs = step.get("with") if isinstance(step.get("with"), dict) else {}
        job.steps.append(Step(
            path=path + ("steps", index),
            name=str(step["name"]) if step.get("name") is not None else None,
            script=expand(step.get("run"), step_env, known, shell=True) if isinstance(step.get("run"), str) else None,
            uses=str(step["uses"]) if isinstance(step.get("uses"), str) else None,
            inputs=freeze({str(k): expand(v, step_env, known) for k, v in inputs.items()}),
            continues_on_error=step.get("continue-on-error") is True,
        ))  # fmt: skip
    return job


def env_of(raw: object, outer: dict[str, str], known: dict[str, object] | None = None) -> dict[str, str]:
    env = dict(outer)
    if isinstance(raw, dict):
        for key, item in raw.items():
            env[str(key)] = str(expand(item, outer, known or {}))
    return env


def expand(raw: object, env: dict[str, str], known: dict[str, object], shell: bool = False) -> object:
    """`${{ env.X }}`, `${{ matrix.X }}` and `${{ inputs.X }}` filled in; other expressions kept as `${expression}`
    placeholders; in a `run:` script, `$X` and `${X}` of variables the file sets filled in too."""
    if not isinstance(raw, str):
        return raw if raw is None or isinstance(raw, (bool, int, float)) else str(raw)

    def expression(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner.startswith("env.") and inner[4:] in env:
            return env[inner[4:]]
        if inner in known:
            return text_of(known[inner])
        return "${" + inner + "}"

    text = EXPRESSION.sub(expression, raw)
    if shell:
        text = _SHELL_VAR.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), text)
    return text


def runs_whatever_happened(condition: object) -> bool:
    """`if: always()` (or failure()/cancelled()): the job runs when what it needs failed or was skipped."""
    return bool(re.search(r"\b(always|failure|cancelled)\(\)", str(condition or "")))


def text_of(value: object) -> str:
    """A value as an expression puts it into text: booleans as GitHub writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
