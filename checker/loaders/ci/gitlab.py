"""GitLab CI files (`.gitlab-ci.yml`): the pipeline of a push to the default branch, and of the other runs the
file's rules name (a tag, a merge request, a schedule; checker/loaders/ci/runs.py).

Jobs are stages of the model. A job waits for the jobs it `needs`, or else for every job of the earlier GitLab
stages, except manual jobs that do not block (`when: manual` with `allow_failure` left true). `when: manual` gates
the job itself; its `environment:` names its environment (a gate when the policy declares it protected). `rules`,
`only` and `except` are decided for each kind of run (`$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH` holds on the
default branch, `main` unless the file names only `master`); a rule pipelint cannot decide keeps the job.
`extends` and the file's `default:`/top-level `before_script` are applied; `include`d files are not read.
"""

from __future__ import annotations

import math
import os
import re

from checker.loaders.base import LoadOptions, LoadResult, report_reader_findings
from checker.loaders.ci.conditions import UNKNOWN, Partial, decide
from checker.loaders.ci.graph import order
from checker.loaders.ci.jobs import MAX_LEGS, Job, StageBuilder, Step, combinations, role, value
from checker.loaders.ci.runs import Run, by_run, gitlab_runs
from checker.model import Pipeline, ProblemSeverity, SourceFormat, SourceRef, ci
from checker.model.source import Path
from checker.sources.document import Document

NAME = "gitlab-ci"
RESERVED = {"default", "include", "stages", "variables", "workflow", "image", "services", "cache", "before_script",
            "after_script", "types", "spec"}  # fmt: skip
DEFAULT_STAGES = [".pre", "build", "test", "deploy", ".post"]
JOB_KEYS = {"script", "trigger"}
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
MAX_EXTENDS = 10


def sniff(doc: Document) -> bool:
    value_ = doc.value
    if not isinstance(value_, dict) or "jobs" in value_ and ("on" in value_ or True in value_):
        return False
    if "Resources" in value_ or "AWSTemplateFormatVersion" in value_:
        return False
    jobs = [v for k, v in value_.items() if k not in RESERVED and isinstance(v, dict)]
    scripted = any(JOB_KEYS & v.keys() for v in jobs)  # a job runs a script or triggers a pipeline
    return scripted or isinstance(value_.get("stages"), list) and any("extends" in v for v in jobs)


def load(doc: Document, options: LoadOptions) -> LoadResult:  # noqa: ARG001
    result = LoadResult(NAME)
    doc.unknown_tags = [t for t in doc.unknown_tags if t.tag != "!reference"]  # GitLab's own: resolved below
    report_reader_findings(doc, result, "GitLab CI")
    assert isinstance(doc.value, dict)
    config = _dereferenced(doc.value, doc.value, 0, result, doc)
    for include in _list(config.get("include")):
        shown = include if isinstance(include, str) else next(iter(include.values()), "?") if isinstance(include, dict) else include
        result.problems_at(doc, [(("include",), f"includes {shown}; pipelint reads only this file, so jobs defined "
                                                 "there are not checked")], ProblemSeverity.WARNING)  # fmt: skip
    variables = _variables(config.get("variables"), {})
    stages = [str(s) for s in config.get("stages") or DEFAULT_STAGES] if isinstance(config.get("stages"), list) else DEFAULT_STAGES
    default_branch = "master" if "master" in str(config) and "main" not in str(config) else "main"
    jobs = {k: _resolved(config, k, result, doc) for k, v in config.items()
            if k not in RESERVED and not str(k).startswith(".") and isinstance(v, dict)}  # fmt: skip
    name = _workflow_name(config) or os.path.basename(doc.file)
    defaults = {key: (_dict(config.get("default"))[key], ("default", key)) if key in _dict(config.get("default"))
                else (config[key], (key,)) for key in ("before_script",) if key in config or key in _dict(config.get("default"))}  # fmt: skip
    conditions = str({k: (v.get("rules"), v.get("only"), v.get("except")) for k, v in jobs.items()}) + str(config.get("workflow"))

    legs = {name: _matrix(name, raw, result, doc) for name, raw in jobs.items()}  # read once, not once per run

    def jobs_for(run: Run) -> list[Job] | None:
        lookup = _lookup(run, variables)
        if _decide_rules(_dict(config.get("workflow")).get("rules"), lookup)[0] is False:
            return None
        return _jobs(jobs, legs, stages, variables, lookup, doc, result, defaults)

    builder = StageBuilder(doc.file, ci.GITLAB_ENVIRONMENT)
    for scenario, pipeline_jobs in by_run(gitlab_runs(conditions, default_branch), jobs_for):
        placed = order(pipeline_jobs, result, doc, known=set(jobs)) if pipeline_jobs else []
        result.pipelines.append(Pipeline(name=name, format=SourceFormat.GITLAB_CI, pipeline_type=None, scenario=scenario,
                                         stages=tuple(builder.stage(job, needs) for job, needs in placed),
                                         source=SourceRef(doc.file, ())))  # fmt: skip
    return result


def _list(raw: object) -> list:
    return raw if isinstance(raw, list) else [] if raw is None else [raw]


def _dict(raw: object) -> dict:
    return raw if isinstance(raw, dict) else {}


def _workflow_name(config: dict) -> str | None:
    name = _dict(config.get("workflow")).get("name")
    return name if isinstance(name, str) and "$" not in name else None


def _resolved(config: dict, name: str, result: LoadResult, doc: Document, depth: int = 0) -> dict:
    """A job with what it `extends` merged in (the job's own keys win; mappings merge key by key)."""
    job = config.get(name)
    if not isinstance(job, dict):
        return {}
    bases = _list(job.get("extends"))
    if not bases or depth > MAX_EXTENDS:
        return job
    merged: dict = {}
    for base in bases:
        if isinstance(base, str) and isinstance(config.get(base), dict):
            merged = _merge(merged, _resolved(config, base, result, doc, depth + 1))
        else:
            result.problems_at(doc, [((name, "extends"), f"job '{name}' extends '{base}', which is not in this file")],
                               ProblemSeverity.WARNING)  # fmt: skip
    return _merge(merged, {k: v for k, v in job.items() if k != "extends"})


def _dereferenced(value: object, config: dict, depth: int, result: LoadResult, doc: Document) -> object:
    """`!reference [.setup, script]` replaced by what it names (GitLab resolves up to 10 levels deep)."""
    if isinstance(value, dict) and set(value) == {"!reference"}:
        path, found = value["!reference"], config
        for key in path if isinstance(path, list) else []:
            found = found.get(str(key)) if isinstance(found, dict) else None  # type: ignore[assignment]
        if found is None or depth > MAX_EXTENDS:
            result.problem(doc, f"!reference {path} names nothing in this file (or nests too deep); it was left out",
                           severity=ProblemSeverity.WARNING)  # fmt: skip
            return []
        return _dereferenced(found, config, depth + 1, result, doc)
    if isinstance(value, dict):
        return {k: _dereferenced(v, config, depth, result, doc) for k, v in value.items()}
    if isinstance(value, list):
        return [_dereferenced(v, config, depth, result, doc) for v in value]
    return value


def _merge(base: dict, top: dict) -> dict:
    out = dict(base)
    for key, item in top.items():
        out[key] = _merge(out[key], item) if isinstance(item, dict) and isinstance(out.get(key), dict) else item
    return out


def _variables(raw: object, outer: dict[str, object]) -> dict[str, object]:
    """Variables the file sets; one with a `description` is asked for when the pipeline runs: unknown."""
    found = dict(outer)
    for key, item in _dict(raw).items():
        if isinstance(item, dict):
            default = item.get("value")
            found[str(key)] = UNKNOWN if "description" in item or "options" in item else default
        else:
            found[str(key)] = item if item is None else str(item)
    return found


def _lookup(run: Run, variables: dict[str, object]) -> object:
    """A run's variables: the predefined ones it fixes, then the file's own (one asked for at run time: unknown)."""
    def lookup(name: str) -> object:
        if name in run.known or name.startswith("CI_"):
            return run.lookup(name)
        found = variables.get(name, UNKNOWN)
        return UNKNOWN if found is UNKNOWN or isinstance(found, str) and "$" in found else found

    return lookup


def _decide_rules(rules: object, lookup: object) -> tuple[bool | None, dict]:
    """Whether the job runs (None: unknown), and the first rule that decided it."""
    if not isinstance(rules, list):
        return True, {}
    for rule in rules:
        if not isinstance(rule, dict):
            continue
        decided = True if "if" not in rule else decide(rule["if"], lookup)  # type: ignore[arg-type]
        if rule.get("changes") is not None or rule.get("exists") is not None:
            decided = None if decided is not False else False
        if decided is None:
            return None, rule
        if decided:
            return rule.get("when") != "never", rule
    return False, {}


_SOURCES = {"pushes": "push", "schedules": "schedule", "web": "web", "api": "api", "triggers": "trigger",
            "pipelines": "pipeline", "external": "external", "chat": "chat", "merge_requests": "merge_request_event"}


def _only(job: dict, lookup: object) -> bool | None:
    """`only` / `except` refs for this run (`branches`, `tags`, sources, names and /regex/); None: unknown."""
    branch, tag, source = (lookup(n) for n in ("CI_COMMIT_BRANCH", "CI_COMMIT_TAG", "CI_PIPELINE_SOURCE"))  # type: ignore[operator]

    def one(ref: str) -> bool | None:
        if isinstance(branch, Partial) and ref not in ("tags", "branches") and ref not in _SOURCES:
            return False if ref == branch.not_value else None  # another branch than the default: not that one
        if ref == "tags":
            return None if tag is UNKNOWN else tag is not None
        if ref == "branches":
            return None if branch is UNKNOWN else branch is not None
        if ref in _SOURCES:
            return None if source is UNKNOWN else source == _SOURCES[ref]
        name = tag if branch is None else branch
        if name is UNKNOWN:
            return None
        if name is None:
            return False
        if ref.startswith("/") and ref.rstrip("imx").endswith("/"):
            return None if len(ref) > 100 else re.search(ref.rstrip("imx").strip("/"), str(name)) is not None
        return ref == name

    def matches(refs: object) -> bool | None:
        refs = refs.get("refs") if isinstance(refs, dict) else refs
        found: bool | None = False
        for ref in _list(refs):
            decided = one(str(ref))
            if decided:
                return True
            found = None if decided is None else found
        return found

    only = job.get("only", ["branches", "tags"])  # without only or rules: branch and tag pipelines, not merge requests
    if only is not None and matches(only) is False:
        return False
    if job.get("except") is not None and matches(job["except"]) is True:
        return False
    return True


def _jobs(jobs: dict[str, dict], legs: dict[str, list[tuple[str, dict[str, str]]]], stages: list[str], variables: dict,
          lookup: object, doc: Document, result: LoadResult, defaults: dict[str, tuple[object, Path]]) -> list[Job]:  # fmt: skip
    found: list[tuple[int, Job, bool, dict]] = []
    for name, raw in jobs.items():
        stage = str(raw.get("stage", "test"))
        if stage not in stages:
            result.problems_at(doc, [((name, "stage"), f"job '{name}' is in stage '{stage}', which the file's stages "
                                                       "do not list")])  # fmt: skip
        for leg, values in legs[name]:
            known = _overlay(values, lookup)
            runs, rule = _decide_rules(raw.get("rules"), known)
            if runs is False or raw.get("rules") is None and _only(raw, known) is False:
                continue
            when = rule.get("when", raw.get("when") if "rules" not in raw else None) or "on_success"
            if when == "never":
                continue
            manual = when == "manual"
            allow = rule.get("allow_failure", raw.get("allow_failure"))
            if allow is None:  # a manual job lets later stages go on, unless a rule made it manual
                allow = manual and "rules" not in raw
            job = _job(name, raw, {**variables, **values}, manual, defaults)
            job.id, job.leg_of = leg, name if values else None
            job.proceeds_on_failure = when in ("always", "on_failure")  # runs whatever the earlier stages did
            found.append((stages.index(stage) if stage in stages else len(stages), job, allow is False, raw))
    outputs: dict[str, tuple[str, ...]] = {}
    for _, job, _, _ in found:
        outputs[job.leg_of or job.id] = outputs.get(job.leg_of or job.id, ()) + job.outputs
    for position, job, _, raw in found:
        if raw.get("needs") is not None:
            needs = [n if isinstance(n, dict) else {"job": n} for n in _list(raw["needs"])]
            job.needs = tuple(str(n.get("job")) for n in needs)
            fetched = [str(n.get("job")) for n in needs if n.get("artifacts", True) is not False]
        else:
            job.needs = tuple(other.id for p, other, blocks, _ in found if p < position and blocks)
            fetched = [other.leg_of or other.id for p, other, _, _ in found if p < position]
        if raw.get("dependencies") is not None:  # the jobs whose artifacts it downloads
            fetched = [str(d) for d in _list(raw["dependencies"])]
        job.inputs = tuple(dict.fromkeys(o for name in fetched for o in outputs.get(name, ())))
    return [job for _, job, _, _ in sorted(found, key=lambda item: item[0])]


def _overlay(values: dict[str, str], lookup: object) -> object:
    """A leg's lookup: its matrix variables, then the run's."""
    return lambda name: values[name] if name in values else lookup(name)  # type: ignore[operator]


def _matrix(name: str, raw: dict, result: LoadResult, doc: Document) -> list[tuple[str, dict[str, str]]]:
    """A job, once per combination of its `parallel: matrix` (named as GitLab names them: `deploy: [eu, prod]`),
    each with its variables; at most MAX_LEGS, and a warning when there are more."""
    parallel = raw.get("parallel")
    matrix = parallel.get("matrix") if isinstance(parallel, dict) else None
    if not isinstance(matrix, list):
        return [(name, {})]
    legs: list[dict[str, str]] = []
    total = 0
    for entry in matrix:
        if isinstance(entry, dict) and entry:
            values = [v if isinstance(v, list) else [v] for v in entry.values()]
            total += math.prod(len(v) for v in values)
            if len(legs) < MAX_LEGS:
                axes = {str(k): [str(item) for item in v[:MAX_LEGS]] for k, v in zip(entry, values)}
                legs.extend(combinations(axes)[0][: MAX_LEGS - len(legs)])
    if total > MAX_LEGS:
        result.problems_at(doc, [((name, "parallel", "matrix"), f"job '{name}' has {total} matrix combinations; "
                                  f"pipelint reads {len(legs)} of them")], ProblemSeverity.WARNING)  # fmt: skip
    return [(f"{name}: [{', '.join(leg.values())}]", leg) for leg in legs] or [(name, {})]


def _job(name: str, raw: dict, variables: dict, manual: bool, defaults: dict[str, tuple[object, Path]]) -> Job:
    path: Path = (name,)
    env = _variables(raw.get("variables"), variables)
    job = Job(id=name, path=path, manual=path + ("when",) if manual and "when" in raw else path if manual else None)
    environment = raw.get("environment")
    action = "start"
    if isinstance(environment, dict):
        action = str(environment.get("action", "start"))
        job.environment, job.environment_path = value(_expand(environment.get("name"), env)), path + ("environment", "name")
        tier = environment.get("deployment_tier")  # production, staging, testing, development or other
        job.tier = tier if isinstance(tier, str) and tier != "other" else None
    elif environment is not None:
        job.environment, job.environment_path = value(_expand(environment, env)), path + ("environment",)
    if action != "start":  # stop, prepare, verify, access: no deployment
        job.environment = None
    assumed = next((env[k] for k in ("AWS_ROLE_ARN", "ROLE_ARN", "AWS_ROLE_TO_ASSUME") if isinstance(env.get(k), str)), None)
    job.role = role(assumed) if assumed else None
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    job.region = value(region) if isinstance(region, str) else None
    if raw.get("trigger") is not None:
        trigger = raw["trigger"]
        job.calls = str(trigger.get("project") or trigger.get("include") or "?") if isinstance(trigger, dict) else str(trigger)
        job.calls_path = path + ("trigger",)
        return job
    for key in ("before_script", "script"):
        lines, at = raw.get(key), path + (key,)
        if lines is None and key in defaults:
            lines, at = defaults[key]
        for index, line, where in _lines(lines, at):
            job.steps.append(Step(path=where, script=str(_expand(line, env))))
    artifacts = raw.get("artifacts")
    if isinstance(artifacts, dict) and artifacts.get("paths"):
        job.outputs = (f"{name} artifacts",)
    return job


def _lines(raw: object, path: Path, depth: int = 0):  # type: ignore[no-untyped-def]
    """Script lines, nested lists (from YAML anchors) flattened as GitLab does."""
    if isinstance(raw, str):
        yield 0, raw, path
        return
    for index, item in enumerate(_list(raw)):
        if isinstance(item, list) and depth < 10:
            yield from _lines(item, path + (index,), depth + 1)
        elif isinstance(item, (str, int, float)):
            yield index, str(item), path + (index,)


def _expand(raw: object, env: dict[str, object]) -> object:
    """`$VAR` and `${VAR}` of variables the file sets filled in; the others kept as `${VAR}`."""
    if not isinstance(raw, str):
        return raw

    def variable(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        found = env.get(name)
        return found if isinstance(found, str) and "$" not in found else "${" + name + "}"

    return _VAR.sub(variable, raw)
