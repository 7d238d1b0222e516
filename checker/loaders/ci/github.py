"""GitHub Actions workflows: for each kind of run the workflow declares (`on:`), the jobs it runs, as a pipeline.

Jobs are stages and `needs` their order. A job's `environment:` is its environment (the name is evidence of the
tier, and a gate whose reviewers the policy declares); the account of a deploy is that of the role
`aws-actions/configure-aws-credentials` assumes before it. Job conditions (`if:`) are decided for each run (a
push to the default branch, `main` or the `master` the workflow names; a tag push; a manual run; ...): a job that
cannot run then, and the jobs that need it, are left out of that run; a condition pipelint cannot decide keeps
the job (checker/loaders/ci/runs.py). A `strategy.matrix` job is one stage per combination (side by side);
a reusable workflow of the repository is read through the job that calls it (checker/loaders/ci/github_calls.py).
"""

from __future__ import annotations

import os

from checker.loaders.base import LoadOptions, LoadResult, report_reader_findings
from checker.loaders.ci import reusable
from checker.loaders.ci.github_calls import Workflows, decided, runnable
from checker.loaders.ci.graph import order
from checker.loaders.ci.jobs import StageBuilder
from checker.loaders.ci.runs import by_run, github_runs
from checker.model import Pipeline, SourceFormat, SourceRef, ci
from checker.sources.document import Document

NAME = "github-actions"


def sniff(doc: Document) -> bool:
    value = doc.value
    return isinstance(value, dict) and isinstance(value.get("jobs"), dict) and ("on" in value or True in value)


def load(doc: Document, options: LoadOptions) -> LoadResult:
    result = LoadResult(NAME)
    report_reader_findings(doc, result, "GitHub Actions")
    workflow = doc.value
    assert isinstance(workflow, dict)
    read = Workflows(result, reusable.Calls(options.max_file_bytes))
    read.read(workflow, doc)
    read.finish()
    name = workflow.get("name") if isinstance(workflow.get("name"), str) else os.path.basename(doc.file)
    for scenario, kept in by_run(github_runs(workflow), lambda run: [decided(job, read, run.lookup)
                                                                     for job in runnable(read, run.lookup)]):  # fmt: skip
        stages = [StageBuilder(job.file or doc.file, ci.GITHUB_ENVIRONMENT).stage(job, needs)
                  for job, needs in order(kept, result, doc, known=read.known, docs=read.docs)]  # fmt: skip
        result.pipelines.append(Pipeline(name=name, format=SourceFormat.GITHUB_ACTIONS, pipeline_type=None,
                                         scenario=scenario, stages=tuple(stages), source=SourceRef(doc.file, ())))  # fmt: skip
    result.reads = list(read.calls.read)
    result.called_only = reusable.call_only(workflow)
    return result
