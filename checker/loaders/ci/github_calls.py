"""The jobs of a GitHub workflow and of the reusable workflows of its repository it runs, as one list, and which
of them a kind of run runs.

A job that runs a workflow of the repository (`uses: ./.github/workflows/x.yml`) becomes the jobs of that
workflow, named `caller / job`, with the inputs it gives. It stays as a caller: its `if:` and its `needs` decide
whether the called jobs run at all, as on GitHub, where nothing of a skipped call runs, whatever `always()` its
jobs say. A job that needs the caller waits for all the called jobs, and is left out only when the call is (a
called job that is skipped does not fail the call).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from checker.loaders.base import LoadResult
from checker.loaders.ci import reusable
from checker.loaders.ci.conditions import GITHUB_FUNCTIONS, UNKNOWN, decide, evaluate
from checker.loaders.ci.github_job import env_of, expand, legs, runs_whatever_happened
from checker.loaders.ci.jobs import Job
from checker.model import SourceRef
from checker.sources.document import Document

_PLACEHOLDER = re.compile(r"\$\{(.*)\}", re.S)  # an expression a value holds whole: `${github.ref_name}`
Lookup = Callable[[str], object]


@dataclasses.dataclass(slots=True)
class Workflows:
    result: LoadResult
    calls: reusable.Calls
    jobs: list[Job] = dataclasses.field(default_factory=list)
    # a job's or caller's own `if:`, and what its expressions know (inputs, matrix values)
    conditions: dict[str, object] = dataclasses.field(default_factory=dict)
    contexts: dict[str, dict[str, object]] = dataclasses.field(default_factory=dict)
    # a job's (or caller's) needs, each as the jobs or callers it names: one, or the legs of a matrix
    groups: dict[str, list[tuple[str, ...]]] = dataclasses.field(default_factory=dict)
    ran: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # a caller -> the jobs of its workflow
    callers: dict[str, SourceRef] = dataclasses.field(default_factory=dict)  # a caller -> where it is written
    parent: dict[str, str] = dataclasses.field(default_factory=dict)  # a called job or caller -> its caller
    known: set[str] = dataclasses.field(default_factory=set)  # every job the files define, also those left out
    docs: dict[str, Document] = dataclasses.field(default_factory=dict)  # the called workflows read

    def read(self, workflow: dict, doc: Document, prefix: str = "", context: dict[str, object] | None = None,
             chain: tuple[str, ...] = (), parent: str | None = None) -> list[str]:  # fmt: skip
        """Read the jobs of `workflow` (called as `prefix`, with `context`); the ids of the jobs it adds."""
        context = context or {}
        env = env_of(workflow.get("env"), {}, context)
        added: list[str] = []
        here: list[str] = []  # the jobs and callers of this workflow, whose needs name its jobs
        legs_of: dict[str, list[str]] = {}  # a job of the file -> its legs (one, or one per matrix combination)
        declared = {prefix + str(job_id) for job_id in workflow["jobs"]}
        for job_id, raw in workflow["jobs"].items():
            if not isinstance(raw, dict):
                self.result.problems_at(doc, [(("jobs", job_id), f"job '{job_id}' must be a mapping")])
                continue
            self.known.add(prefix + str(job_id))
            for leg, known in legs(str(job_id), raw, env, context, self.result, doc):
                leg.id, leg.needs, leg.prefix = prefix + leg.id, tuple(prefix + n for n in leg.needs), prefix
                leg.leg_of = prefix + str(job_id) if leg.id != prefix + str(job_id) else None
                leg.file = doc.file if prefix else None
                self.known.add(leg.id)
                for name in (n for n in leg.needs if n not in declared):  # GitHub refuses the workflow
                    self.result.problems_at(doc, [(leg.path + ("needs",), f"job '{leg.id[len(prefix):]}' needs "
                                                   f"'{name[len(prefix):]}', which the file does not define")])  # fmt: skip
                self.groups[leg.id] = [(n,) for n in leg.needs if n in declared]
                if parent is not None:
                    self.parent[leg.id] = parent
                here.append(leg.id)
                legs_of.setdefault(prefix + str(job_id), []).append(leg.id)
                self.conditions[leg.id], self.contexts[leg.id] = raw.get("if"), known
                inner = self._call(leg, raw, doc, known, chain) if leg.calls else None
                if inner is not None:
                    self.callers[leg.id] = SourceRef(doc.file, leg.path)
                    self.ran[leg.id] = inner
                    added += inner
                    continue
                self.jobs.append(leg)
                added.append(leg.id)
        for key in here:  # a need names a job, and so all its legs
            self.groups[key] = [tuple(legs_of.get(n, [n])) for g in self.groups[key] for n in g]
        return added

    def _call(self, leg: Job, raw: dict, doc: Document, known: dict[str, object], chain: tuple[str, ...]) -> list[str] | None:
        """The jobs of the workflow of this repository `leg` runs; None (and why, on the leg) when not read."""
        called = self.calls.open(str(leg.calls), doc.file, chain)
        if called.problem is not None:  # said once for the file, whoever else reads it
            self.result.problems.append(called.problem)
        if called.doc is None:
            leg.calls_note = called.why
            return None
        self.docs[called.doc.file] = called.doc
        given = raw.get("with") if isinstance(raw.get("with"), dict) else {}
        context = reusable.inputs_of(called.doc.value, {str(k): expand(v, {}, known) for k, v in given.items()})  # type: ignore[arg-type]
        return self.read(called.doc.value, called.doc, f"{leg.id} / ", context, (*chain, doc.file), leg.id)  # type: ignore[arg-type]

    def finish(self) -> None:
        """Each job's needs as the stages it waits for: its own, or, for the first jobs of a called workflow,
        what the caller waits for (and whether it runs whatever happened to them, as the caller says)."""
        for job in self.jobs:
            callers, key = [], job.id
            while key in self.parent:
                key = self.parent[key]
                callers.insert(0, self.callers[key])
            job.via = tuple(callers)
            key = job.id
            while not self.groups.get(key) and key in self.parent:
                key = self.parent[key]
                job.proceeds_on_failure = job.proceeds_on_failure or runs_whatever_happened(self.conditions[key])
            # a job that needs a caller waits for all the jobs of the workflow it ran
            job.needs = tuple(dict.fromkeys(j for g in self.groups.get(key, ()) for m in g for j in self.ran.get(m, [m])))


def within(context: dict[str, object], lookup: Lookup) -> Lookup:
    """What an expression of a job knows: its workflow's inputs and its matrix values, then the run's values. An
    input that holds a whole expression of the caller's run (`${{ github.ref_name }}`) is decided for the run."""

    def find(name: str) -> object:
        if name not in context:
            return lookup(name)
        found = context[name]
        if not isinstance(found, str) or "${" not in found:
            return found
        whole = _PLACEHOLDER.fullmatch(found)
        return evaluate(whole.group(1), lookup, GITHUB_FUNCTIONS) if whole else UNKNOWN

    return find


def runnable(read: Workflows, lookup: Lookup) -> list[Job]:
    """The jobs a run runs: not those whose condition is false, nor those of a call that does not run, nor
    (unless `always()`) those that need a job or call left out. A call whose jobs all skip still succeeds."""
    out = {key for key, condition in read.conditions.items()
           if condition is not None and decide(condition, within(read.contexts[key], lookup), GITHUB_FUNCTIONS) is False}
    keys = [*read.callers, *(job.id for job in read.jobs)]  # callers first: their jobs follow them
    changed = True
    while changed:
        changed = False
        for key in keys:
            if key in out:
                continue
            blocked = any(all(m in out for m in group) for group in read.groups.get(key, ()))
            if read.parent.get(key) in out or blocked and "always()" not in str(read.conditions[key] or ""):
                out.add(key)
                changed = True
    return [job for job in read.jobs if job.id not in out]


def decided(job: Job, read: Workflows, lookup: Lookup) -> Job:
    """The job as this run runs it: an environment whose name is an expression of the run, decided."""
    if job.environment_expression is None:
        return job
    found = evaluate(job.environment_expression, within(read.contexts.get(job.id, {}), lookup), GITHUB_FUNCTIONS)
    if isinstance(found, str) and found and "${" not in found:
        return dataclasses.replace(job, environment=found)
    return job
