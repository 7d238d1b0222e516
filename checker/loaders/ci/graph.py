"""The order of CI jobs: each job after the jobs it needs, otherwise in the order the file writes them."""

from __future__ import annotations

from checker.loaders.base import LoadResult
from checker.loaders.ci.jobs import Job
from checker.sources.document import Document


def order(jobs: list[Job], result: LoadResult, doc: Document, known: set[str] | None = None,
          docs: dict[str, Document] | None = None) -> list[tuple[Job, tuple[str, ...]]]:  # fmt: skip
    """Jobs in an order where every job comes after what it needs, each with its needs as stage names.

    A need may name a job with several legs (a matrix): it waits for all of them. A need that names no job of
    the file is a problem (the CI system rejects it), unless `known` says the job exists but does not run here.
    A problem of a job of a called workflow is said in its file (`docs`), in that file's words.
    """

    def problem(job: Job, path: tuple, message: str) -> None:
        where = (docs or {}).get(job.file or "", doc)
        result.problems_at(where, [(path, message.replace(job.prefix, "") if job.prefix else message)])

    ids = {job.id for job in jobs}
    legs: dict[str, list[str]] = {}
    for job in jobs:
        legs.setdefault(job.leg_of or job.id, []).append(job.id)
    resolved: dict[str, tuple[str, ...]] = {}
    for job in jobs:
        needs: list[str] = []
        for name in job.needs:
            if name in ids:
                needs.append(name)
            elif name in legs:
                needs.extend(legs[name])
            elif known is None or name not in known:
                problem(job, job.path + ("needs",), f"job '{job.id}' needs '{name}', which the file does not define")
        resolved[job.id] = tuple(dict.fromkeys(needs))
    placed: list[tuple[Job, tuple[str, ...]]] = []
    done: set[str] = set()
    waiting = list(jobs)
    while waiting:
        ready = next((j for j in waiting if all(n in done for n in resolved[j.id])), None)
        if ready is None:  # a cycle: the CI system rejects it; say so once and go on in file order
            ready = waiting[0]
            problem(ready, ready.path + ("needs",), f"the needs of job '{ready.id}' go round in a circle")
            resolved[ready.id] = tuple(n for n in resolved[ready.id] if n in done)
        waiting.remove(ready)
        done.add(ready.id)
        placed.append((ready, resolved[ready.id]))
    return placed
