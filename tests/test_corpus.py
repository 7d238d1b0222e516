"""Real files from ../shared/corpus: every one loads or gives a clear PL000, never a traceback; the facts
their MANIFEST notes describe come out of the analysis."""

from __future__ import annotations

import csv

import pytest

from checker.analysis.core import Analysis
from checker.analysis.deploys import Role
from checker.analysis.environment import Confidence, Tier
from checker.analysis.strategy import StrategyClass
from checker.load import load_workspace
from checker.model import SamFunction, Unknown
from tests.conftest import CORPUS, run_cli

pytestmark = pytest.mark.corpus


def manifest() -> list[dict[str, str]]:
    if not CORPUS.is_dir():
        return []
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


ROWS = manifest()
NOT_YET_TEMPLATES = ("Jinja", "Go text/template", "not valid YAML until rendered")


def test_the_corpus_is_present(corpus):
    assert len(ROWS) >= 50


@pytest.mark.parametrize("row", ROWS, ids=[r["local"].split("/")[-1][:80] for r in ROWS])
def test_every_file_loads_or_gives_a_clear_pl000(row):
    ws = load_workspace([str(CORPUS / row["local"])])
    for problem in ws.problems:
        assert problem.code == "PL000" and problem.message
        assert "internal error" not in problem.message, problem
    loaded = ws.pipelines or ws.targets or any(f.kind for f in ws.files)
    assert loaded or ws.problems, "neither loaded nor explained"


PIPELINE_ROWS = [r for r in ROWS if r["kind"] in ("cfn_pipeline", "codepipeline_json")]


@pytest.mark.parametrize("row", PIPELINE_ROWS, ids=[r["local"].split("/")[-1][:80] for r in PIPELINE_ROWS])
def test_pipeline_files_load_to_at_least_one_pipeline(row):
    ws = load_workspace([str(CORPUS / row["local"])])
    if any(marker in row["note"] for marker in NOT_YET_TEMPLATES):
        assert ws.has_errors and "unrendered template" in ws.problems[0].message
        return
    assert ws.pipelines, [str(p) for p in ws.problems]
    assert all(p.stages for p in ws.pipelines)


def test_the_whole_corpus_in_one_run_has_no_traceback(corpus):
    result = run_cli("lint", str(corpus))
    assert result.returncode == 2  # it holds unrendered templates and a duplicate key
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stdout


def load(name: str):
    (path,) = [CORPUS / r["local"] for r in ROWS if name in r["local"]]
    ws = load_workspace([str(path)])
    return ws, Analysis(ws)


def only(items):
    (item,) = items
    return item


def test_imported_stage_name_is_unknown_and_region_conditions_give_scenarios(corpus):
    # the MANIFEST calls the third stage '!ImportValue TestImport'; in the file it is the stage's Name
    ws, _ = load("templates__good__resources_codepipeline.yaml")
    assert {p.scenario.describe() for p in ws.pipelines} == {"AWS::Region=us-east-1", "AWS::Region=<any other value>"}
    for pipeline in ws.pipelines:
        imported = pipeline.stages[2]
        assert isinstance(imported.name, Unknown) and "TestImport" in imported.name.reason
        action = only(imported.actions)  # chosen by Fn::If on the region, in both scenarios
        assert action.provider == "CodeBuild" and isinstance(action.type.version, Unknown)


def test_two_conditional_pipelines_in_one_template(corpus):
    ws, _ = load("aws-cross-account-serverless-microservices")
    assert len({p.resource_id for p in ws.pipelines}) == 2
    assert all(not p.scenario.is_unconditional for p in ws.pipelines)


def test_duplicate_logical_id_is_reported_at_its_line(corpus):
    ws, _ = load("aws-appconfig-demo__templates__main.yaml")
    problem = only(ws.problems)
    assert (problem.line, problem.column) == (63, 3) and "duplicate key 'LogGroup' (first on line 10)" in problem.message


def test_beta_to_prod_codedeploy_without_approval_or_rollback(corpus):
    ws, analysis = load("aws-pipeline-commit-build-deploy.template")
    pipeline = only(ws.pipelines)
    prod = only([f for f in analysis.deploys(pipeline) if f.environment.tier is Tier.PROD])
    assert (prod.stage.name, prod.strategy.cls, prod.rollback.on_failure) == ("Prod", StrategyClass.ROLLING, False)
    assert analysis.approvals(pipeline) == []


def test_approval_between_creating_and_executing_the_prod_change_set(corpus):
    ws, analysis = load("codepipeline-nested-cfn")
    pipeline = only(ws.pipelines)
    production = [f for f in analysis.actions(pipeline) if f.stage.name == "Production"]
    roles = [(f.verdict.role, f.is_approval) for f in production]
    assert roles == [(Role.PREPARE, False), (Role.NONE, True), (Role.DEPLOY, False)]
    assert production[1].runs_before(production[2]) is True


def test_prod_deploy_hidden_in_codebuild(corpus):
    ws, analysis = load("sam-monorepo-pipeline-template")
    prod = only([f for f in analysis.deploys(only(ws.pipelines)) if f.environment.tier is Tier.PROD])
    assert prod.action.provider == "CodeBuild" and prod.verdict.confidence is Confidence.MEDIUM


def test_cross_account_cross_region_cli_json(corpus):
    ws, analysis = load("pipelinestructure.json")
    pipeline = only(ws.pipelines)
    assert [s.region for s in pipeline.artifact_stores] == ["eu-west-1", "us-east-1"]
    deploys = analysis.deploys(pipeline)
    assert deploys and all(f.account == "694337658763" != pipeline.account for f in deploys)


def test_multiple_prod_accounts_behind_an_approval(corpus):
    ws, analysis = load("multi-prods__ToolsAcct__code-pipeline.yaml")
    accounts = {}
    for pipeline in ws.pipelines:
        prods = [f for f in analysis.deploys(pipeline) if f.environment.tier is Tier.PROD]
        assert len(prods) == 2
        accounts[pipeline.scenario.describe()] = {f.account.text for f in prods}
        approval = only(analysis.approvals(pipeline))
        assert all(approval.runs_before(f) for f in prods)
    # cross-account roles only when CrossAccountCondition holds; else both run in the pipeline's account
    assert accounts == {"CrossAccountCondition=true": {"${ProductionAccount}", "${ProductionAccount2}"},
                        "CrossAccountCondition=false": {"${AWS::AccountId}"}}  # fmt: skip


def test_sam_type_chosen_by_a_condition(corpus):
    ws, _ = load("sam_w_conditions.yaml")
    types = {str(t.deployment_preference.type) for t in ws.targets if isinstance(t, SamFunction)}
    assert {"AllAtOnce", "Canary10Percent10Minutes"} <= types


def test_disabled_and_parameter_driven_deployment_preferences(corpus):
    ws, _ = load("function_with_disabled_deployment_preference.yaml")
    assert only(ws.targets).deployment_preference.enabled is False
    ws, _ = load("function_with_deployment_preference_from_parameters.yaml")
    enabled = {t.logical_id: t.deployment_preference.enabled for t in ws.targets}
    assert enabled == {"MinimalFunction": True, "MySanityTestFunction": False, "MyValidationTestFunction": False}


def test_state_machine_preference_is_not_a_codedeploy_config(corpus):
    ws, _ = load("state_machine_with_deployment_preference_canary.yaml")
    assert ws.targets == ()


def test_unreferenced_custom_config_leaves_the_default(corpus):
    ws, analysis = load("2-codedeploy__codedeploy.yml")
    group = only([t for t in ws.targets if t.kind.value == "codedeploy-deployment-group"])
    assert group.deployment_config_name is None
    assert (group.auto_rollback_enabled, set(group.auto_rollback_events)) == (
        True, {"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"})  # fmt: skip


def test_sam_generated_group_uses_the_lambda_config_name(corpus):
    ws, _ = load("output__function_with_deployment_preference_all_parameters.json")
    group = only([t for t in ws.targets if t.kind.value == "codedeploy-deployment-group"])
    # Fn::Sub ["CodeDeployDefault.Lambda${ConfigName}", {ConfigName: Linear10PercentEvery1Minute}]
    assert group.deployment_config_name == "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"


def test_beanstalk_environment_without_policy_defaults_to_all_at_once(corpus):
    ws, analysis = load("eb-java-scorekeep__template.yml")
    env = only(ws.targets)
    assert env.deployment_policy is None


def test_cdk_synth_output_keeps_per_action_roles(corpus):
    ws, analysis = load("cdk.out__pipeline.template.json")
    pipeline = only(ws.pipelines)
    assert sum(1 for a in pipeline.actions() if a.role_arn is not None) >= 5
    assert any(f.is_approval for f in analysis.actions(pipeline))
