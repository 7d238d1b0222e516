"""GitHub reusable workflows of the repository (`uses: ./.github/workflows/x.yml`), read through their callers,
and environments whose name is an expression of the run."""

from __future__ import annotations

import os
import textwrap

import pytest

from checker.analysis.core import Analysis
from checker.api import lint
from checker.load import load_workspace
from checker.loaders.ci.conditions import UNKNOWN, evaluate
from checker.model import Category, Unknown

CALLER = """\
name: release
on:
  push:
    branches: [main]
  pull_request:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: sam build
  staging:
    needs: build
    uses: ./.github/workflows/deploy.yml
    with:
      environment: staging
      role: arn:aws:iam::222222222222:role/deploy
  production:
    needs: staging
    if: github.event_name == 'push'
    uses: ./.github/workflows/deploy.yml
    with:
      environment: production
      role: arn:aws:iam::333333333333:role/deploy
  announce:
    needs: production
    runs-on: ubuntu-latest
    steps:
      - run: echo released
"""

CALLED = """\
name: deploy
on:
  workflow_call:
    inputs:
      environment:
        type: string
        required: true
      role:
        type: string
        required: true
      region:
        type: string
        default: eu-west-1
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: ${{ inputs.environment }}
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: ${{ inputs.role }}
          aws-region: ${{ inputs.region }}
      - run: sam deploy --stack-name app-${{ inputs.environment }}
  smoke:
    needs: deploy
    if: inputs.environment == 'production'
    runs-on: ubuntu-latest
    steps:
      - run: ./smoke-test.sh
"""


def repo(tmp_path, **files: str):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for name, text in files.items():
        (workflows / name.replace("_", ".")).write_text(textwrap.dedent(text), encoding="utf-8")
    return workflows


def by_scenario(workspace) -> dict[str, dict[str, tuple]]:
    return {str(p.scenario.describe() if not p.scenario.is_unconditional else ""): {str(s.name): s.needs for s in p.stages}
            for p in workspace.pipelines}  # fmt: skip


def test_a_called_workflow_is_read_with_the_inputs_its_caller_gives(tmp_path):
    workflows = repo(tmp_path, release_yml=CALLER, deploy_yml=CALLED)
    workspace = load_workspace([str(workflows)])
    assert not workspace.problems
    push = next(p for p in workspace.pipelines if "push" in p.scenario.describe())
    assert {str(s.name): s.needs for s in push.stages} == {
        "build": (), "staging / deploy": ("build",), "production / deploy": ("staging / deploy",),
        "production / smoke": ("production / deploy",),  # only where the input says production
        "announce": ("production / deploy", "production / smoke")}  # it waits for the whole called workflow
    analysis = Analysis(workspace)
    deploys = {str(f.stage.name): f for f in analysis.deploys(push)}
    assert {name: (f.environment.tier.value, f.account, f.region) for name, f in deploys.items()} == {
        "staging / deploy": ("staging", "222222222222", "eu-west-1"),
        "production / deploy": ("prod", "333333333333", "eu-west-1")}  # the region is the input's default
    assert deploys["production / deploy"].action.configuration["StackName"] == "app-production"
    # positions are in the file that says it
    location = workspace.locate(deploys["production / deploy"].action.source)
    assert (location.file, location.line, location.column) == (str(workflows / "deploy.yml"), 23, 9)


def test_a_caller_condition_leaves_the_called_jobs_out_of_the_runs_it_is_false_for(tmp_path):
    workflows = repo(tmp_path, release_yml=CALLER, deploy_yml=CALLED)
    pull = next(p for p in load_workspace([str(workflows)]).pipelines if "pull request" in p.scenario.describe())
    assert [str(s.name) for s in pull.stages] == ["build", "staging / deploy"]  # production and what needs it: out


def test_a_called_only_workflow_is_linted_through_its_callers_and_alone_when_named_alone(tmp_path):
    workflows = repo(tmp_path, release_yml=CALLER, deploy_yml=CALLED)
    workspace = load_workspace([str(workflows)])
    assert {p.source.file for p in workspace.pipelines} == {str(workflows / "release.yml")}
    summary = next(f for f in workspace.files if f.file.endswith("deploy.yml"))
    assert (summary.pipelines, summary.note) == (0, "reusable workflow, linted as part of the workflows that call "
                                                    f"it: {workflows / 'release.yml'}")  # fmt: skip
    alone = load_workspace([str(workflows / "deploy.yml")])
    assert [p.source.file for p in alone.pipelines] == [str(workflows / "deploy.yml")]
    environment = next(a.environment for s in alone.pipelines[0].stages for a in s.actions if a.environment)
    assert isinstance(environment, Unknown) and "an input given when the workflow runs" in environment.reason


def test_a_production_job_of_a_called_workflow_without_a_gate_fails_pl101_where_it_deploys(tmp_path):
    ungated = CALLED.replace("    environment: ${{ inputs.environment }}\n", "")  # the stack name still says prod
    workflows = repo(tmp_path, release_yml=CALLER, deploy_yml=ungated)
    report = lint([str(workflows)])
    failed = [(f.code, f.location.file, f.location.line, f.location.column) for f in report.findings if f.code == "PL101"]
    assert failed == [("PL101", str(workflows / "deploy.yml"), 22, 9)]
    assert "stage 'production / deploy'" in next(f.message for f in report.findings if f.code == "PL101")


@pytest.mark.parametrize(("uses", "files", "why"), [
    ("./.github/workflows/missing.yml", {}, "which is not in the repository (no {w}/missing.yml)"),
    ("octo/shared/.github/workflows/deploy.yml@v1", {}, "which is named by repository and version "
                                                        "(owner/repo/path@ref); pipelint does not fetch workflows"),
    ("./.github/workflows/release.yml", {}, "which is this workflow itself (GitHub refuses a workflow that calls "
                                            "itself)"),
    ("/etc/passwd", {}, "which is neither ./.github/workflows/FILE nor owner/repo/.github/workflows/FILE@ref"),
    ("./.github/workflows/deploy.yml@main", {"deploy_yml": CALLED}, "which names a version (@ref); a workflow of "
                                                                    "the same repository takes none"),
    ("./.github/workflows/broken.yml", {"broken_yml": "jobs: [\n"}, "which pipelint could not read: "),
    ("./.github/workflows/../../../../etc/passwd", {}, "which is not in .github/workflows/, where GitHub runs"),
    ("./deploy.yml", {}, "which is not in .github/workflows/, where GitHub runs"),
])  # fmt: skip
def test_a_workflow_pipelint_cannot_read_leaves_the_job_unknown_and_says_why(tmp_path, uses, files, why):
    caller = f"on: push\njobs:\n  production:\n    uses: {uses}\n"
    workflows = repo(tmp_path, release_yml=caller, **files)
    workspace = load_workspace([str(workflows / "release.yml")])
    ((action,),) = [s.actions for s in workspace.pipelines[0].stages]
    assert isinstance(action.category, Unknown)
    assert why.format(w=workflows) in action.category.reason and action.category.reason.endswith("; it may deploy")


def test_a_malformed_called_workflow_is_one_pl000_and_the_caller_is_still_linted(tmp_path):
    workflows = repo(tmp_path, release_yml="on: push\njobs:\n  production:\n    uses: ./.github/workflows/broken.yml\n",
                     broken_yml="on: workflow_call\njobs:\n  deploy: {runs-on: x, steps: [\n")  # fmt: skip
    workspace = load_workspace([str(workflows)])
    assert [(p.file.endswith("broken.yml"), p.code) for p in workspace.problems] == [(True, "PL000")]
    assert len(workspace.pipelines) == 1


def test_nested_calls_stop_at_the_depth_github_runs(tmp_path):
    files = {f"w{n}_yml": f"on: workflow_call\njobs:\n  next:\n    uses: ./.github/workflows/w{n + 1}.yml\n" for n in range(12)}
    workflows = repo(tmp_path, release_yml="on: push\njobs:\n  go:\n    uses: ./.github/workflows/w0.yml\n", **files)
    workspace = load_workspace([str(workflows / "release.yml")])
    ((stage,),) = [p.stages for p in workspace.pipelines]
    assert stage.name == "go / next / next / next / next / next / next / next / next / next"
    assert "nested deeper than the 10 levels GitHub runs" in stage.actions[0].category.reason


def test_a_matrix_of_callers_runs_the_workflow_once_per_leg(tmp_path):
    caller = """\
    on: push
    jobs:
      deploy:
        strategy:
          matrix:
            environment: [staging, production]
        uses: ./.github/workflows/deploy.yml
        with:
          environment: ${{ matrix.environment }}
          role: arn:aws:iam::333333333333:role/deploy
    """
    workflows = repo(tmp_path, release_yml=caller, deploy_yml=CALLED)
    (pipeline,) = load_workspace([str(workflows)]).pipelines
    assert [str(s.name) for s in pipeline.stages] == [
        "deploy (staging) / deploy", "deploy (production) / deploy", "deploy (production) / smoke"]


def test_an_environment_named_by_an_expression_of_the_run_is_decided_for_each_run(tmp_path):
    workflow = """\
    on:
      push:
        branches: [main, develop]
    jobs:
      deploy:
        runs-on: ubuntu-latest
        environment: ${{ github.ref == 'refs/heads/main' && 'production' || 'staging' }}
        steps:
          - run: sam deploy --stack-name app
    """
    workflows = repo(tmp_path, release_yml=workflow)
    found = {p.scenario.describe(): next(a.environment for a in p.stages[0].actions if a.category is Category.DEPLOY)
             for p in load_workspace([str(workflows)]).pipelines}  # fmt: skip
    assert found == {"run=push to main": "production", "run=push to another branch": "staging"}


@pytest.mark.parametrize(("text", "expected"), [
    ("github.ref == 'refs/heads/main' && 'production' || 'staging'", "production"),
    ("github.ref == 'refs/heads/dev' && 'production' || 'staging'", "staging"),
    ("github.event_name == 'push' && 'production' || 'staging'", UNKNOWN),  # the run does not say
    ("inputs.target || 'staging'", UNKNOWN),
    ("'' || 'staging'", "staging"),
])  # fmt: skip
def test_expressions_give_github_values(text, expected):
    lookup = {"github.ref": "refs/heads/main"}
    assert evaluate(text, lambda name: lookup.get(name, UNKNOWN)) == expected


def test_a_called_workflow_that_is_a_pipe_is_not_waited_on(tmp_path):
    workflows = repo(tmp_path, release_yml="on: push\njobs:\n  production:\n    uses: ./.github/workflows/deploy.yml\n")
    os.mkfifo(workflows / "deploy.yml")
    workspace = load_workspace([str(workflows)])  # returns: nothing opens the pipe
    ((action,),) = [s.actions for s in workspace.pipelines[0].stages]
    assert "which pipelint could not read: it is not a regular file" in action.category.reason


def test_boolean_and_number_inputs_keep_their_type(tmp_path):
    called = """\
    on:
      workflow_call:
        inputs:
          dry-run: {type: boolean, default: true}
          replicas: {type: number}
    jobs:
      deploy:
        if: ${{ !inputs.dry-run && inputs.replicas == 3 }}
        runs-on: ubuntu-latest
        steps:
          - run: sam deploy --stack-name app-prod
      preview:
        if: inputs.dry-run
        runs-on: ubuntu-latest
        steps:
          - run: echo preview
    """
    caller = "on: push\njobs:\n  prod:\n    uses: ./.github/workflows/deploy.yml\n    with:\n      dry-run: false\n      replicas: '3'\n"
    workflows = repo(tmp_path, release_yml=caller, deploy_yml=called)
    (pipeline,) = load_workspace([str(workflows)]).pipelines
    assert [str(s.name) for s in pipeline.stages] == ["prod / deploy"]  # `false` is false, not the text "false"


def test_the_callee_is_found_from_inside_the_workflows_folder(tmp_path, monkeypatch):
    workflows = repo(tmp_path, release_yml=CALLER, deploy_yml=CALLED)
    monkeypatch.chdir(workflows)
    workspace = load_workspace(["."])
    assert not workspace.problems
    assert {p.source.file for p in workspace.pipelines} == {"release.yml"}
    assert "production / deploy" in [str(s.name) for p in workspace.pipelines for s in p.stages]
    monkeypatch.chdir(tmp_path / ".github")
    (pipeline, *_) = load_workspace(["workflows/release.yml"]).pipelines
    deploy = next(s for s in pipeline.stages if s.name == "staging / deploy")
    assert deploy.source.file == os.path.join("workflows", "deploy.yml")


def test_a_called_job_that_needs_a_skipped_job_of_its_workflow_is_skipped(tmp_path):
    called = CALLED.replace("  smoke:\n    needs: deploy\n", "  smoke:\n    needs: deploy\n").replace(
        "  deploy:\n    runs-on", "  approve:\n    if: inputs.environment == 'production'\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ok\n  deploy:\n    needs: approve\n    runs-on")  # fmt: skip
    workflows = repo(tmp_path, release_yml=CALLER, deploy_yml=called)
    push = next(p for p in load_workspace([str(workflows)]).pipelines if "push" in p.scenario.describe())
    names = [str(s.name) for s in push.stages]
    assert "staging / deploy" not in names  # what it needs does not run for staging
    assert {"production / approve", "production / deploy", "production / smoke"} <= set(names)


def test_nothing_of_a_skipped_call_runs_whatever_always_its_jobs_say(tmp_path):
    called = CALLED.replace("    if: inputs.environment == 'production'\n", "    if: always()\n")
    workflows = repo(tmp_path, release_yml=CALLER, deploy_yml=called)
    pull = next(p for p in load_workspace([str(workflows)]).pipelines if "pull request" in p.scenario.describe())
    assert [str(s.name) for s in pull.stages] == ["build", "staging / deploy", "staging / smoke"]


def test_an_input_that_is_an_expression_of_the_run_is_decided_for_each_run(tmp_path):
    caller = """\
    on:
      push:
        branches: [main, develop]
    jobs:
      deploy:
        uses: ./.github/workflows/deploy.yml
        with:
          environment: ${{ github.ref == 'refs/heads/main' && 'production' || 'staging' }}
          role: arn:aws:iam::333333333333:role/deploy
    """
    workflows = repo(tmp_path, release_yml=caller, deploy_yml=CALLED)
    found = {p.scenario.describe(): ([str(s.name) for s in p.stages], p.stages[0].actions[0].environment)
             for p in load_workspace([str(workflows)]).pipelines}  # fmt: skip
    assert found == {"run=push to main": (["deploy / deploy", "deploy / smoke"], "production"),
                     "run=push to another branch": (["deploy / deploy"], "staging")}  # fmt: skip


def test_a_problem_of_a_called_workflow_is_said_once_in_its_file(tmp_path):
    called = "on: workflow_call\njobs:\n  deploy:\n    needs: build\n    runs-on: x\n    steps:\n      - run: echo\n"
    caller = ("on: push\njobs:\n  a:\n    strategy:\n      matrix:\n        env: [dev, prod]\n"
              "    uses: ./.github/workflows/deploy.yml\n  b:\n    uses: ./.github/workflows/deploy.yml\n")  # fmt: skip
    workflows = repo(tmp_path, release_yml=caller, deploy_yml=called)
    for paths in ([str(workflows)], [str(workflows / "release.yml")]):
        problems = [(p.file, p.line, p.message) for p in load_workspace(paths).problems]
        assert problems == [(str(workflows / "deploy.yml"), 4, "job 'deploy' needs 'build', which the file does not define")]


def test_a_called_workflow_that_cannot_be_read_is_a_load_error_also_when_only_the_caller_is_named(tmp_path):
    workflows = repo(tmp_path, release_yml="on: push\njobs:\n  prod:\n    uses: ./.github/workflows/deploy.yml\n",
                     deploy_yml="on: workflow_call\njobs: {deploy: [\n")  # fmt: skip
    workspace = load_workspace([str(workflows / "release.yml")])
    assert workspace.has_errors
    assert [(p.file, p.line) for p in workspace.problems] == [(str(workflows / "deploy.yml"), 3)]


def test_a_called_workflow_linked_from_outside_the_repository_is_not_read(tmp_path):
    outside = tmp_path / "elsewhere.yml"
    outside.write_text(CALLED, encoding="utf-8")
    workflows = repo(tmp_path / "repo", release_yml="on: push\njobs:\n  prod:\n    uses: ./.github/workflows/deploy.yml\n")
    (workflows / "deploy.yml").symlink_to(outside)
    (pipeline,) = load_workspace([str(workflows / "release.yml")]).pipelines
    assert "links to a file outside the repository" in pipeline.stages[0].actions[0].category.reason


def test_workflows_that_call_each_other_are_a_cycle(tmp_path):
    ping = "on: [push, workflow_call]\njobs:\n  a:\n    uses: ./.github/workflows/pong.yml\n"
    pong = "on: workflow_call\njobs:\n  b:\n    uses: ./.github/workflows/ping.yml\n"
    workflows = repo(tmp_path, ping_yml=ping, pong_yml=pong)
    (pipeline, *_) = load_workspace([str(workflows / "ping.yml")]).pipelines
    (stage,) = pipeline.stages
    assert stage.name == "a / b" and "a cycle (GitHub refuses the workflow)" in stage.actions[0].category.reason


def test_a_comment_above_the_calling_job_covers_the_findings_of_the_workflow_it_runs(tmp_path):
    caller = CALLER.replace("  production:\n", "  # pipelint: ignore[PL302] alarms come with the Q3 observability work\n"
                                               "  production:\n")  # fmt: skip
    workflows = repo(tmp_path, release_yml=caller, deploy_yml=CALLED)
    report = lint([str(workflows)])
    pl302 = [f for f in report.findings if f.code == "PL302"]
    assert [(f.location.file, f.location.line) for f in pl302] == [(str(workflows / "deploy.yml"), 23)]
    assert pl302[0].suppressed.reason == "alarms come with the Q3 observability work"
    assert pl302[0].suppressed.location.file == str(workflows / "release.yml")
