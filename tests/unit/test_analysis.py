"""The analysis: which actions deploy, where, to which tier (and why), linked to what, in which order."""

import json

import pytest

from checker.analysis.core import Analysis
from checker.analysis.deploys import Role
from checker.analysis.environment import Confidence, EnvironmentMap, Tier, classify, tier_of_name, words
from checker.analysis.strategy import StrategyClass, codedeploy_class
from checker.load import load_workspace
from tests.conftest import SAMPLES


@pytest.mark.parametrize(
    "name, tier",
    [
        ("DeployProd", Tier.PROD), ("Production", Tier.PROD), ("prd-eu", Tier.PROD), ("LiveSite", Tier.PROD),
        ("deploy-to-pre-production", Tier.STAGING), ("Pre-Prod", Tier.STAGING), ("DeployPreProd", Tier.STAGING),
        ("UAT", Tier.STAGING), ("gamma", Tier.STAGING), ("nonprod-account", Tier.TEST), ("Non-Prod", Tier.TEST),
        ("DeployToTest", Tier.TEST), ("QA1", Tier.TEST), ("Beta", Tier.TEST), ("sandbox", Tier.DEV), ("dev", Tier.DEV),
        ("deliver", None), ("reproduce", None), ("products", None), ("Source", None),
    ],
)  # fmt: skip
def test_built_in_name_patterns_match_whole_words(name, tier):
    found = tier_of_name(name)
    assert (found[0] if found else None) is tier


def test_stage_in_a_stage_name_is_a_pipeline_stage():
    assert tier_of_name("BuildStage", "stage name") is None
    assert tier_of_name("app-stage", "stack name") == (Tier.STAGING, "stage")
    assert words("DeployToProductionEU1") == ["deploy", "to", "production", "eu"]


def test_disagreeing_signals_are_kept_in_the_evidence():
    env = classify([("stack name", "app-prod", 50), ("stage name", "Staging", 20)], None, EnvironmentMap())
    assert env.tier is Tier.PROD and env.conflict and env.confidence is Confidence.MEDIUM
    assert "but stage name 'Staging' says staging" in env.explain()


def test_the_policy_account_map_comes_first():
    policy = EnvironmentMap(accounts=(("222222222222", Tier.STAGING),))
    env = classify([("stage name", "Prod", 20)], "222222222222", policy)
    assert env.tier is Tier.STAGING and env.evidence[0].where == "policy account map"


@pytest.mark.parametrize(
    "name, cls",
    [
        ("CodeDeployDefault.AllAtOnce", StrategyClass.ALL_AT_ONCE), ("CodeDeployDefault.LambdaAllAtOnce", StrategyClass.ALL_AT_ONCE),
        ("CodeDeployDefault.ECSAllAtOnce", StrategyClass.ALL_AT_ONCE), ("CodeDeployDefault.HalfAtATime", StrategyClass.ROLLING),
        ("CodeDeployDefault.OneAtATime", StrategyClass.ROLLING), ("CodeDeployDefault.LambdaCanary10Percent30Minutes", StrategyClass.CANARY),
        ("CodeDeployDefault.ECSCanary10Percent15Minutes", StrategyClass.CANARY),
        ("CodeDeployDefault.LambdaLinear10PercentEvery3Minutes", StrategyClass.LINEAR),
        ("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", StrategyClass.LINEAR), ("MyCustomConfig", None),
    ],
)  # fmt: skip
def test_codedeploy_predefined_configurations(name, cls):
    assert codedeploy_class(name) is cls


def facts(scenario):
    ws = load_workspace([str(SAMPLES / scenario / "codepipeline.json"), *map(str, (SAMPLES / scenario).glob("*.yaml"))])
    pipeline = next(p for p in ws.pipelines if p.source.file.endswith(".json"))
    return Analysis(ws), pipeline


def prod_deploy(analysis, pipeline):
    (deploy,) = [f for f in analysis.deploys(pipeline) if f.environment.tier is Tier.PROD]
    return deploy


def test_compliant_scenario():
    analysis, pipeline = facts("01-compliant-three-accounts")
    tiers = [(f.stage.name, f.environment.tier, f.account) for f in analysis.deploys(pipeline)]
    assert tiers == [("DeployDev", Tier.DEV, "111111111111"), ("DeployStaging", Tier.STAGING, "222222222222"),
                     ("DeployProd", Tier.PROD, "333333333333")]  # fmt: skip
    prod = prod_deploy(analysis, pipeline)
    assert prod.strategy.cls is StrategyClass.CANARY
    assert (prod.rollback.on_failure, prod.rollback.on_alarm) == (True, True)
    assert prod.link.targets[0].scenario.describe() == "Environment=prod"
    (approval,) = analysis.approvals(pipeline)
    assert approval.runs_before(prod) is True and prod.runs_before(approval) is False


def test_prod_sharing_the_staging_account():
    analysis, pipeline = facts("03-prod-shares-staging-account")
    accounts = {f.environment.tier: f.account for f in analysis.deploys(pipeline)}
    assert accounts[Tier.PROD] == accounts[Tier.STAGING] == "222222222222"


def test_all_at_once_without_rollback():
    analysis, pipeline = facts("04-prod-all-at-once-no-rollback")
    prod = prod_deploy(analysis, pipeline)
    assert prod.strategy.cls is StrategyClass.ALL_AT_ONCE
    assert prod.rollback.on_failure is False


def test_v2_stage_rollback_and_an_unscanned_template():
    analysis, pipeline = facts("05-v2-rollback-and-conditions")
    prod = prod_deploy(analysis, pipeline)
    assert prod.stage_rollback is True
    assert prod.strategy.cls is StrategyClass.UNKNOWN and "not in the scanned files" in prod.strategy.detail


def test_sam_canary_is_found_through_the_change_set():
    analysis, pipeline = facts("06-sam-lambda-canary")
    roles = [(f.action.name, f.verdict.role) for f in analysis.actions(pipeline) if f.stage.name == "DeployProd"]
    assert roles == [("CreateChangeSet", Role.PREPARE), ("ExecuteChangeSet", Role.DEPLOY)]
    prod = prod_deploy(analysis, pipeline)
    assert prod.strategy.cls is StrategyClass.CANARY
    assert "created by 'CreateChangeSet'" in prod.link.note


def test_missing_target_is_said_not_guessed():
    ws = load_workspace([str(SAMPLES / "01-compliant-three-accounts" / "codepipeline.json")])
    analysis = Analysis(ws)
    prod = prod_deploy(analysis, ws.pipelines[0])
    assert prod.strategy.cls is StrategyClass.UNKNOWN
    assert prod.rollback.on_failure is None
    assert "is not defined in the scanned files" in prod.link.note


def pipeline_with(tmp_path, *actions_by_stage):
    stages = [{"name": name, "actions": actions} for name, actions in actions_by_stage]
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"pipeline": {"name": "p", "roleArn": "arn:aws:iam::999999999999:role/p", "stages": stages}}))
    ws = load_workspace([str(tmp_path)])  # with any templates the test wrote beside it
    return Analysis(ws), ws.pipelines[0]


def action(name, category, provider, run_order=1, **config):
    return {"name": name, "runOrder": run_order, "configuration": config,
            "actionTypeId": {"category": category, "owner": "AWS", "provider": provider, "version": "1"}}  # fmt: skip


def test_deploys_hidden_in_codebuild_are_medium_confidence(tmp_path):
    variables = json.dumps([{"name": "ENV_PIPELINE_EXECUTION_ROLE", "value": "arn:aws:iam::333333333333:role/x", "type": "PLAINTEXT"}])
    analysis, pipeline = pipeline_with(
        tmp_path,
        ("UnitTest", [action("UnitTest", "Build", "CodeBuild", ProjectName="unit")]),
        ("DeployProd", [action("DeployProd", "Build", "CodeBuild", ProjectName="deploy", EnvironmentVariables=variables)]),
    )
    (deploy,) = analysis.deploys(pipeline)
    assert deploy.action.name == "DeployProd" and deploy.verdict.confidence is Confidence.MEDIUM
    assert deploy.environment.tier is Tier.PROD
    assert deploy.rollback.on_failure is False


def test_same_run_order_is_parallel_not_before(tmp_path):
    analysis, pipeline = pipeline_with(
        tmp_path,
        ("Prod", [action("Approve", "Approval", "Manual"), action("Deploy", "Deploy", "S3", BucketName="site-prod"),
                  action("Later", "Deploy", "S3", 2, BucketName="assets-prod")]),
    )  # fmt: skip
    approve, deploy, later = analysis.actions(pipeline)
    assert approve.runs_before(deploy) is False and deploy.runs_before(approve) is False
    assert approve.runs_before(later) is True
    assert deploy.strategy.cls is StrategyClass.ALL_AT_ONCE and deploy.rollback.on_failure is False


def test_a_deploy_stage_that_only_invokes_deploys_nothing(tmp_path):
    analysis, pipeline = pipeline_with(tmp_path, ("Deploy", [action("Git-merge", "Invoke", "Lambda", FunctionName="merger")]))
    assert analysis.deploys(pipeline) == []


def test_where_several_files_define_a_name_the_closest_one_is_linked():
    ws = load_workspace([str(SAMPLES)])
    analysis = Analysis(ws)
    pipeline = next(p for p in ws.pipelines if p.name == "webapp-compliant" and p.source.file.endswith(".json"))
    prod = prod_deploy(analysis, pipeline)
    assert {t.source.file for t in prod.link.targets} == {str(SAMPLES / "01-compliant-three-accounts" / "targets.yaml")}
    assert "the closest of 7 files that define it" in prod.link.note  # 4 targets.yaml and 3 targets.tf
    assert prod.strategy.cls is StrategyClass.CANARY
    # the Terraform version, one folder down, takes the groups of its own module, not the YAML beside its parent
    tf = next(p for p in ws.pipelines if p.name == "webapp-compliant" and p.source.file.endswith(".tf"))
    prod = prod_deploy(analysis, tf)
    assert {t.source.file for t in prod.link.targets} == {str(SAMPLES / "01-compliant-three-accounts" / "terraform" / "targets.tf")}
    assert prod.strategy.cls is StrategyClass.CANARY


def test_parameter_overrides_decide_the_tier_not_the_template_default(tmp_path):
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nParameters:\n  Environment: {Type: String, Default: dev}\n"
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {AutoPublishAlias: live, DeploymentPreference: {Type: AllAtOnce}}\n"
    )
    deploy = action("Deploy", "Deploy", "CloudFormation", ActionMode="CREATE_UPDATE", StackName="orders",
                    TemplatePath="Out::template.yaml", ParameterOverrides='{"Environment": "prod"}')  # fmt: skip
    analysis, pipeline = pipeline_with(tmp_path, ("Release", [deploy]))
    (facts,) = analysis.deploys(pipeline)
    assert facts.environment.tier is Tier.PROD
    assert str(facts.environment.evidence[0]) == "parameter override Environment 'prod' says prod"
    assert facts.strategy.cls is StrategyClass.ALL_AT_ONCE


def test_an_unknown_category_is_never_read_as_not_a_deploy(tmp_path):
    unknown = {"name": "Mystery", "actionTypeId": {"owner": "AWS", "provider": "Custom-Thing", "version": "1"}}
    codedeploy = {"name": "DeployProd", "actionTypeId": {"owner": "AWS", "provider": "CodeDeploy", "version": "1"},
                  "configuration": {"ApplicationName": "a", "DeploymentGroupName": "a-prod"}}  # fmt: skip
    analysis, pipeline = pipeline_with(tmp_path, ("Prod", [unknown, codedeploy]))
    mystery, deploy = analysis.actions(pipeline)
    assert mystery.verdict.role is Role.UNKNOWN and "category is unknown" in mystery.verdict.reason
    assert deploy.verdict.role is Role.DEPLOY and deploy.verdict.confidence is Confidence.MEDIUM


def test_stage_rollback_counts_only_on_v2(tmp_path):
    stage = {"name": "Prod", "onFailure": {"result": "ROLLBACK"},
             "actions": [action("Deploy", "Deploy", "S3", BucketName="site-prod")]}  # fmt: skip
    for kind, covered in (("V1", False), ("V2", True)):
        path = tmp_path / "p.json"
        path.write_text(json.dumps({"pipeline": {"name": "p", "pipelineType": kind, "stages": [stage]}}))
        ws = load_workspace([str(path)])
        (facts,) = Analysis(ws).deploys(ws.pipelines[0])
        assert facts.stage_rollback is covered


def test_a_custom_config_referenced_in_the_same_template(tmp_path):
    (tmp_path / "targets.yaml").write_text(
        "Resources:\n  Config:\n    Type: AWS::CodeDeploy::DeploymentConfig\n    Properties:\n"
        "      ComputePlatform: Lambda\n"
        "      TrafficRoutingConfig: {Type: TimeBasedLinear, TimeBasedLinear: {LinearPercentage: 10, LinearInterval: 1}}\n"
        "  Group:\n    Type: AWS::CodeDeploy::DeploymentGroup\n"
        "    Properties: {ApplicationName: app, DeploymentGroupName: app-prod, DeploymentConfigName: !Ref Config}\n"
    )
    deploy = action("Deploy", "Deploy", "CodeDeploy", ApplicationName="app", DeploymentGroupName="app-prod")
    analysis, pipeline = pipeline_with(tmp_path, ("Prod", [deploy]))
    (facts,) = analysis.deploys(pipeline)
    assert facts.strategy.cls is StrategyClass.LINEAR and "TimeBasedLinear" in facts.strategy.detail


def test_lambda_all_at_once_is_not_blue_green_when_the_platform_is_unknown(tmp_path):
    (tmp_path / "targets.yaml").write_text(
        "Resources:\n  Group:\n    Type: AWS::CodeDeploy::DeploymentGroup\n"
        "    Properties: {ApplicationName: app, DeploymentGroupName: app-prod,\n"
        "                 DeploymentConfigName: CodeDeployDefault.LambdaAllAtOnce,\n"
        "                 DeploymentStyle: {DeploymentType: BLUE_GREEN, DeploymentOption: WITH_TRAFFIC_CONTROL}}\n"
    )
    deploy = action("Deploy", "Deploy", "CodeDeploy", ApplicationName="app", DeploymentGroupName="app-prod")
    analysis, pipeline = pipeline_with(tmp_path, ("Prod", [deploy]))
    (facts,) = analysis.deploys(pipeline)
    assert facts.strategy.cls is StrategyClass.ALL_AT_ONCE
