"""The kinds of run a CI file declares, and which jobs each runs.

A workflow runs different jobs for a push to the default branch, a tag, a manual run or a pull request, and a
prod deploy often hides in the run that is not the everyday one (`if: startsWith(github.ref, 'refs/tags/')`).
So each kind of run the file declares is decided on its own; runs that run the same jobs are one pipeline, whose
scenario names them (`run=tag push`); and a job that no declared run is known to run, yet may run, is kept in
"another run", where every condition that depends on the run is unknown. Never leave out a job pipelint is not
sure is left out.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Callable

from checker.loaders.ci.conditions import UNKNOWN, Partial
from checker.loaders.ci.jobs import Job
from checker.model import Scenario

ANOTHER = "another run"


@dataclass(frozen=True, slots=True)
class Run:
    name: str  # "push to main", "tag push", ...
    known: dict[str, object] = field(default_factory=dict)  # what the run fixes; the rest is unknown

    def lookup(self, name: str) -> object:
        return self.known.get(name, UNKNOWN)


def github_runs(workflow: dict) -> list[Run]:
    on = workflow.get("on", workflow.get(True))
    # in a list, only names are events (a nested list or mapping there names none)
    events = ({on: None} if isinstance(on, str) else dict.fromkeys(e for e in on if isinstance(e, str)) if isinstance(on, list)
              else on if isinstance(on, dict) else {})  # fmt: skip
    push = events.get("push") if isinstance(events.get("push"), dict) else {}
    branches = [str(b) for b in push.get("branches") or []] if isinstance(push, dict) else []
    default = "master" if "master" in branches and "main" not in branches else "main"
    other = {"github.ref": Partial(f"refs/heads/{default}", "refs/heads/"), "github.ref_name": Partial(default)}
    runs: list[Run] = []
    if "push" in events:
        any_branch = not branches and not push.get("tags")
        if any_branch or any(fnmatch.fnmatchcase(default, b.replace("**", "*")) for b in branches):
            runs.append(Run(f"push to {default}", {"github.event_name": "push", "github.ref": f"refs/heads/{default}",
                                                  "github.ref_name": default, "github.ref_type": "branch",
                                                  "github.base_ref": "", "github.head_ref": "",
                                                  "github.event.ref": f"refs/heads/{default}"}))  # fmt: skip
        if any_branch or any(b != default for b in branches):
            runs.append(Run("push to another branch", {"github.event_name": "push", "github.ref_type": "branch", **other}))
        if push.get("tags") or "tags-ignore" in push:
            runs.append(Run("tag push", {"github.event_name": "push", "github.ref_type": "tag",
                                         "github.ref": Partial(prefix="refs/tags/"), "github.ref_name": Partial()}))
    for event, name in (("workflow_dispatch", "manual run"), ("release", "release"), ("schedule", "schedule"),
                        ("pull_request", "pull request"), ("pull_request_target", "pull request")):  # fmt: skip
        if event in events:
            known: dict[str, object] = {"github.event_name": event}
            if event == "schedule":
                known.update({"github.ref": f"refs/heads/{default}", "github.ref_name": default, "github.ref_type": "branch"})
            if event == "release":
                known.update({"github.ref_type": "tag", "github.ref": Partial(prefix="refs/tags/")})
            runs.append(Run(name, known))
    runs += [Run(str(event), {"github.event_name": event}) for event in events
             if event not in ("push", "workflow_dispatch", "release", "schedule", "pull_request", "pull_request_target")]
    return runs or [Run("a run")]


def gitlab_runs(text: str, default_branch: str) -> list[Run]:
    """Pushes to the default branch and to others, and the runs the file's rules name (tags, merge requests,
    schedules)."""
    push = {"CI_DEFAULT_BRANCH": default_branch, "CI_PIPELINE_SOURCE": "push", "CI_MERGE_REQUEST_ID": None,
            "CI_MERGE_REQUEST_IID": None, "CI_OPEN_MERGE_REQUESTS": None, "CI_COMMIT_TAG": None}  # fmt: skip
    runs = [Run(f"push to {default_branch}", {**push, "CI_COMMIT_BRANCH": default_branch, "CI_COMMIT_REF_NAME": default_branch,
                                              "CI_COMMIT_REF_PROTECTED": "true"}),
            Run("push to another branch", {**push, "CI_COMMIT_BRANCH": Partial(default_branch),
                                           "CI_COMMIT_REF_NAME": Partial(default_branch)})]  # fmt: skip
    if "CI_COMMIT_TAG" in text or "tags" in text:
        runs.append(Run("tag push", {**push, "CI_COMMIT_BRANCH": None, "CI_COMMIT_TAG": Partial(not_value=""),
                                     "CI_COMMIT_REF_NAME": Partial(default_branch)}))  # fmt: skip
    if "merge_request" in text or "CI_MERGE_REQUEST" in text:
        runs.append(Run("merge request", {"CI_DEFAULT_BRANCH": default_branch, "CI_PIPELINE_SOURCE": "merge_request_event",
                                          "CI_COMMIT_BRANCH": None, "CI_COMMIT_TAG": None}))  # fmt: skip
    if "schedule" in text:
        runs.append(Run("schedule", {**push, "CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": default_branch,
                                     "CI_COMMIT_REF_NAME": default_branch}))  # fmt: skip
    return runs


def _key(jobs: list[Job]) -> tuple:
    """What tells two runs' pipelines apart: the jobs, what they wait for, whether someone must start them, and
    their environments (an expression of the run may name another)."""
    return tuple((job.id, job.needs, job.manual is not None, str(job.environment)) for job in jobs)


def by_run(runs: list[Run], jobs_for: Callable[[Run], list[Job] | None]) -> list[tuple[Scenario, list[Job]]]:
    """The distinct job sets of the runs, each with the scenario naming its runs; `jobs_for` gives None for a run
    the file never starts (GitLab `workflow: rules`)."""
    groups: dict[tuple, tuple[list[str], list[Job]]] = {}
    for run in runs:
        jobs = jobs_for(run)
        if jobs:  # a run that runs no job (or that the file never starts) is no pipeline
            groups.setdefault(_key(jobs), ([], jobs))[0].append(run.name)
    covered = {job_id for key in groups for job_id, *_ in key}
    # what every declared run fixes stays fixed; the rest is unknown
    fixed = {k: v for k, v in runs[0].known.items() if all(k in r.known and r.known[k] == v for r in runs)} if runs else {}
    anything = jobs_for(Run(ANOTHER, fixed))
    if anything and any(job.id not in covered for job in anything):
        groups.setdefault(_key(anything), ([], anything))[0].append(ANOTHER)
    if not groups:
        return [(Scenario(), [])]
    if len(groups) == 1:
        ((_, jobs),) = groups.values()
        return [(Scenario(), jobs)]
    return [(Scenario(tuple((("run", name),) for name in names)), jobs) for names, jobs in groups.values()]
