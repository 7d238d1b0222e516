"""The order of a graph of stages (a CI workflow's jobs and their `needs`): what finishes before a stage, and
whose failure keeps it from running.

In CodePipeline a stage waits for the one before it, and a failed stage stops the rest; both functions give
None for such a pipeline, and `ActionFacts.runs_before` compares stage indexes. A CI job waits only for the
jobs it needs, and one that runs whatever happened before it (GitHub `if: always()`, GitLab `when: always`)
is not stopped by their failure, so an approval rejected before it gates nothing.
"""

from __future__ import annotations

import heapq

from checker.model import Pipeline


def direct_needs(pipeline: Pipeline) -> list[set[int]]:
    """The stages each stage waits for directly. A name that no stage has (a job left out) adds nothing."""
    index = {stage.name: i for i, stage in enumerate(pipeline.stages) if isinstance(stage.name, str)}
    direct = []
    for i, stage in enumerate(pipeline.stages):
        needed = stage.needs if stage.needs is not None else ([pipeline.stages[i - 1].name] if i else [])
        direct.append({index[name] for name in needed if name in index} - {i})  # type: ignore[index]
    return direct


def stages_before(pipeline: Pipeline) -> list[frozenset[int]] | None:
    """Each stage's transitive predecessors; None when linear. A cycle ends where it closes."""
    if not pipeline.is_graph:
        return None
    direct = direct_needs(pipeline)
    found: list[frozenset[int]] = [frozenset()] * len(direct)
    for i in _order(direct):
        found[i] = frozenset().union(*(found[j] | {j} for j in direct[i])) - {i}
    return found


def stopped_by(pipeline: Pipeline) -> list[frozenset[int]] | None:
    """The stages whose failure keeps each stage from running; None when linear.

    A stage is stopped by the stages it needs, and by what stops them, unless it runs whatever happened before
    it; computed in the order the stages come (a job's needs come before it), cycles cut where they close."""
    if not pipeline.is_graph:
        return None
    direct = direct_needs(pipeline)
    found: list[frozenset[int] | None] = [None] * len(direct)
    for i in _order(direct):
        if pipeline.stages[i].proceeds_on_failure:
            found[i] = frozenset()
            continue
        stops: set[int] = set()
        for j in direct[i]:
            stops |= {j} | (found[j] or frozenset())
        found[i] = frozenset(stops - {i})
    return [f or frozenset() for f in found]


def _order(direct: list[set[int]]) -> list[int]:
    """Each stage after the stages it needs, otherwise in file order (a cycle is cut where it closes)."""
    waiting = [len(needs) for needs in direct]
    users: list[list[int]] = [[] for _ in direct]
    for i, needs in enumerate(direct):
        for j in needs:
            users[j].append(i)
    ready = [i for i, count in enumerate(waiting) if not count]
    heapq.heapify(ready)
    placed: list[int] = []
    done = [False] * len(direct)
    while len(placed) < len(direct):
        i = heapq.heappop(ready) if ready else next(k for k, d in enumerate(done) if not d)
        if done[i]:
            continue
        done[i] = True
        placed.append(i)
        for user in users[i]:
            waiting[user] -= 1
            if waiting[user] == 0 and not done[user]:
                heapq.heappush(ready, user)
    return placed
