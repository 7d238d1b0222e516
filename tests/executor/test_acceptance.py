"""Issue 5's acceptance: compliant samples run to Succeeded; failures roll back where PL301 says they do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("moto")

from checker.cli.main import main  # noqa: E402
from checker.engine.run import lint  # noqa: E402
from checker.executor import CannotRun, ExecutionTrace, Status, blockers, execute, load_scenario  # noqa: E402
from checker.load import load_workspace  # noqa: E402
from checker.model import Outcome  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2] / "sample_pipelines"


def _run(sample: str, scenario: str) -> ExecutionTrace:
    workspace = load_workspace([str(SAMPLES / sample)])
    pipeline = next(p for p in workspace.pipelines if p.format.value == "codepipeline-json")
    return execute(workspace, pipeline, load_scenario(str(SAMPLES / sample / "scenarios" / scenario)))


@pytest.mark.parametrize("sample", ["01-compliant-three-accounts", "05-v2-rollback-and-conditions", "06-sam-lambda-canary"])
def test_compliant_samples_run_to_succeeded(sample: str) -> None:
    trace = _run(sample, "release.yaml")
    assert trace.status is Status.SUCCEEDED
    assert trace.prod_artifact_matches_staging(), trace.prod_artifact_matches_staging().detail
    assert trace.no_prod_action_before_approval()
    release = trace.execution(0)
    prod = trace.deploys("prod", release)
    notes = release.notifications
    assert notes and all(notes[0].time <= run.start for run in prod)  # SNS approval message before any prod action
    prod_accounts = {run.account for run in prod}
    staging_accounts = {run.account for run in trace.deploys("staging", release)}
    assert prod_accounts == {"333333333333"} and staging_accounts == {"222222222222"}
    kinds = {"cloudformation-stack", "codedeploy-deployment-group"}
    in_prod = {r.name for r in trace.resources_in("333333333333") if r.kind in kinds}
    in_staging = {r.name for r in trace.resources_in("222222222222") if r.kind in kinds}
    assert in_prod and not any("prod" in name for name in in_staging)


def test_a_simulated_source_says_so_without_steps() -> None:
    real = _run("01-compliant-three-accounts", "release.yaml").execution(0).action("Source/Source")
    simulated = _run("05-v2-rollback-and-conditions", "release.yaml").execution(0).action("Source/Source")
    assert (real.provider, simulated.provider) == ("CodeCommit", "CodeStarSourceConnection")
    assert not real.message.endswith("(simulated)") and simulated.message.endswith("(simulated)")


def test_sample_01_prod_stack_only_in_prod_and_same_digest() -> None:
    trace = _run("01-compliant-three-accounts", "release.yaml")
    staging = trace.deploys("staging")[0].inputs[0].digest
    prod = trace.deploys("prod")[0].inputs[0].digest
    assert staging == prod and prod.startswith("sha256:")
    assert [r.name for r in trace.resources_in("333333333333", "codedeploy-deployment-group")] == ["webapp/webapp-prod"]


def test_codedeploy_auto_rollback_restores_previous_revision_and_pl301_passes() -> None:
    trace = _run("01-compliant-three-accounts", "prod-deploy-fails.yaml")
    assert trace.status is Status.FAILED
    assert [r.kind for r in trace.execution(1).rollbacks] == ["codedeploy-auto-rollback"]
    assert trace.prod_runs_previous_version(), trace.prod_runs_previous_version().detail
    assert _pl301("01-compliant-three-accounts") is Outcome.PASSED


def test_pipeline_without_rollback_is_left_failed_and_pl301_fails() -> None:
    trace = _run("04-prod-all-at-once-no-rollback", "prod-deploy-fails.yaml")
    assert trace.status is Status.FAILED
    assert not trace.execution(1).rollbacks
    check = trace.prod_runs_previous_version()
    assert not check and "left there" in check.detail
    assert _pl301("04-prod-all-at-once-no-rollback") is Outcome.FAILED


def test_v2_stage_rollback_redeploys_previous_artifact() -> None:
    trace = _run("05-v2-rollback-and-conditions", "prod-deploy-fails.yaml")
    rollback = trace.executions[-1]
    assert rollback.trigger == "AutomatedRollback" and rollback.status is Status.SUCCEEDED
    assert rollback.rollback_target == trace.execution(0).id
    first_prod = trace.deploys("prod", trace.execution(0))[0].inputs[0].digest
    assert [a.inputs[0].digest for a in rollback.actions] == [first_prod]
    assert trace.prod_runs_previous_version()
    assert _pl301("05-v2-rollback-and-conditions") is Outcome.PASSED
    failed = trace.execution(1)
    [stack_rollback] = [r for r in failed.rollbacks if r.kind == "cloudformation-rollback"]
    assert stack_rollback.time == failed.action("DeployProd/Deploy").end  # stamped when it is over


def test_rejected_approval_stops_before_prod() -> None:
    trace = _run("01-compliant-three-accounts", "rejected.yaml")
    release = trace.execution(0)
    assert release.status is Status.FAILED
    assert release.action("ApproveProd/ManualApproval").message.startswith("Rejected by release-manager")
    assert not trace.deploys("prod")
    assert [s.name for s in release.stages][-1] == "ApproveProd"


def test_deployment_window_is_checked_on_the_clock() -> None:
    trace = _run("05-v2-rollback-and-conditions", "release.yaml")
    window = [c for c in trace.execution(0).conditions if c.kind == "beforeEntry"]
    assert len(window) == 1 and window[0].passed and "inside the window" in window[0].detail


def test_trace_round_trips_through_json() -> None:
    trace = _run("01-compliant-three-accounts", "release.yaml")
    assert ExecutionTrace.from_json(trace.to_json()) == trace


@pytest.mark.parametrize(("sample", "scenario"), [("01-compliant-three-accounts", "prod-deploy-fails.yaml"),
                                                  ("05-v2-rollback-and-conditions", "prod-deploy-fails.yaml")])  # fmt: skip
def test_the_same_scenario_gives_the_same_trace(sample: str, scenario: str) -> None:
    first, second = _run(sample, scenario).to_json(), _run(sample, scenario).to_json()
    assert "deployment " in first or "stack " in first  # ids from moto are in the trace...
    assert first == second  # ...and drawn from a seeded source, so a run can be diffed against the last one


def test_unsupported_provider_names_the_action() -> None:
    workspace = load_workspace([str(SAMPLES / "01-compliant-three-accounts" / "codepipeline.json")])
    pipeline = workspace.pipelines[0]
    stage = pipeline.stages[1]
    action = stage.actions[0]
    custom = type(action.type)(category=action.type.category, owner=type(action.type.owner)("Custom"),
                               provider="MyJenkins", version="1")  # fmt: skip
    from dataclasses import replace

    odd = replace(pipeline, stages=(pipeline.stages[0], replace(stage, actions=(replace(action, type=custom),)), *pipeline.stages[2:]))
    reasons = blockers(odd)
    assert reasons == ["action 'Build' in stage 'Build': the Build provider Custom/MyJenkins is not one the executor can run "
                       "(`pipelint run --help` lists those it runs)"]  # fmt: skip
    with pytest.raises(CannotRun, match="MyJenkins"):
        execute(workspace, odd)


def test_scenario_names_that_name_nothing_in_the_pipeline_stop_the_run() -> None:
    from checker.executor.scenario import scenario_from

    workspace = load_workspace([str(SAMPLES / "01-compliant-three-accounts")])
    pipeline = next(p for p in workspace.pipelines if p.format.value == "codepipeline-json")
    misspelt = scenario_from({"version": 1, "approvals": {"default": "approve", "ApproveProd/ManualAproval": "reject"},
                              "rules": {"Nope": False},
                              "executions": [{"fail": [{"action": "DeployProd/Deplyo"}], "builds": {"x": {}}}]})  # fmt: skip
    with pytest.raises(CannotRun) as caught:
        execute(workspace, pipeline, misspelt)
    assert caught.value.reasons == [
        "scenario executions[0].fail: 'DeployProd/Deplyo' names nothing in the pipeline; did you mean 'DeployProd/Deploy'?",
        "scenario executions[0].builds: 'x' names nothing in the pipeline (it has: webapp-build, webapp-integration-tests)",
        "scenario approvals: 'ApproveProd/ManualAproval' names nothing in the pipeline; did you mean "
        "'ApproveProd/ManualApproval'?",
        "scenario rules: 'Nope' names nothing in the pipeline (it has: none)",
    ]  # fmt: skip


def test_run_help_lists_the_providers_the_handlers_run() -> None:
    from checker.cli.run import PROVIDERS, RUN_DESCRIPTION
    from checker.executor.handlers import providers_help

    assert PROVIDERS == providers_help() and PROVIDERS in RUN_DESCRIPTION


def test_cli_refuses_a_sample_with_findings_unless_allowed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sample = str(SAMPLES / "02-prod-without-approval")
    assert main(["run", sample]) == 1
    err = capsys.readouterr().err
    assert "PL101" in err and "--allow-findings" in err
    out = tmp_path / "trace.json"
    code = main(["run", sample, "--allow-findings", "--trace", str(out), "--format", "json", "-o", str(tmp_path / "o.json")])
    data = json.loads(out.read_text())
    assert data["pipeline"] == "webapp-no-approval" and data["version"] == 1
    assert code == 1  # taskdef files are not in the default source: the first deploy fails, and says why
    assert "taskdef-dev.json is not in artifact BuildOutput" in out.read_text()


def _pl301(sample: str) -> Outcome:
    report = lint(load_workspace([str(SAMPLES / sample)]))
    outcomes = {e.outcome for e in report.evaluations if e.code == "PL301"}
    return outcomes.pop() if len(outcomes) == 1 else Outcome.UNKNOWN


def test_the_terraform_version_of_sample_01_runs_as_its_json_does() -> None:
    # format equivalence carries into the executor: the pipeline from main.tf, its groups from targets.tf
    folder = SAMPLES / "01-compliant-three-accounts" / "terraform"
    workspace = load_workspace([str(folder)])
    (pipeline,) = workspace.pipelines
    trace = execute(workspace, pipeline, load_scenario(str(SAMPLES / "01-compliant-three-accounts" / "scenarios" / "release.yaml")))
    json_trace = _run("01-compliant-three-accounts", "release.yaml")
    assert trace.status is Status.SUCCEEDED and trace.prod_artifact_matches_staging()
    assert trace.no_prod_action_before_approval()
    assert [r.name for r in trace.resources_in("333333333333", "codedeploy-deployment-group")] == ["webapp/webapp-prod"]
    steps = [(a.stage, a.action, a.status, a.account, a.tier, a.start, a.end) for a in trace.execution(0).actions]
    assert steps == [(a.stage, a.action, a.status, a.account, a.tier, a.start, a.end) for a in json_trace.execution(0).actions]


def test_a_ci_workflow_is_refused_with_what_the_executor_runs() -> None:
    workspace = load_workspace([str(SAMPLES / "07-ci-workflows" / "github" / "release.yml")])
    (pipeline,) = workspace.pipelines
    with pytest.raises(CannotRun, match="it is a github-actions workflow; the executor runs CodePipeline pipelines"):
        execute(workspace, pipeline)
