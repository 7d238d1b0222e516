"""CloudFormation evaluation: intrinsic functions, conditions, scenarios, and what stays unknown."""

import textwrap

import pytest

from checker.load import load_workspace
from checker.loaders.base import LoadOptions
from checker.loaders.cloudformation.evaluate import Evaluator
from checker.loaders.cloudformation.template import Template
from checker.loaders.declaration import NO_VALUE
from checker.model import ANY_OTHER, Unknown


def evaluator(given=None, assignment=None, **sections):
    return Evaluator(Template(sections, given or {}), assignment)


def test_ref_sub_join_select_split_findinmap():
    ev = evaluator(
        Parameters={"Env": {"Type": "String", "Default": "prod"}, "Subnets": {"Type": "CommaDelimitedList", "Default": "a, b"}},
        Mappings={"Accounts": {"prod": {"Id": "333333333333"}}},
    )
    assert ev.value({"Ref": "Env"}) == "prod"
    assert ev.value({"Fn::Sub": "app-${Env}-${!Literal}"}) == "app-prod-${Literal}"
    assert ev.value({"Fn::Sub": ["${A}-${Env}", {"A": "x"}]}) == "x-prod"
    assert ev.value({"Fn::Join": ["-", ["a", {"Ref": "Env"}, 3]]}) == "a-prod-3"
    assert ev.value({"Fn::Select": [1, {"Ref": "Subnets"}]}) == "b"
    assert ev.value({"Fn::Select": ["0", {"Fn::Split": [",", "x,y"]}]}) == "x"
    assert ev.value({"Fn::FindInMap": ["Accounts", {"Ref": "Env"}, "Id"]}) == "333333333333"
    assert ev.value({"Ref": "AWS::Partition"}) == "aws"
    assert ev.value({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_unknowns_keep_their_reason_and_known_text():
    ev = evaluator(Parameters={"ProdAccount": {"Type": "String"}})
    arn = ev.value({"Fn::Sub": "arn:aws:iam::${ProdAccount}:role/deploy"})
    assert isinstance(arn, Unknown)
    assert arn.text == "arn:aws:iam::${ProdAccount}:role/deploy"
    assert "no default" in arn.reason and "--param ProdAccount" in arn.reason
    imported = ev.value({"Fn::ImportValue": "SharedRole"})
    assert isinstance(imported, Unknown) and "another stack" in imported.reason
    region = ev.value({"Ref": "AWS::Region"})
    assert isinstance(region, Unknown) and region.text == "${AWS::Region}"
    missing = ev.value({"Fn::FindInMap": ["Nope", "a", "b"]})
    assert isinstance(missing, Unknown)


def test_given_values_win_over_defaults_and_fill_pseudo_parameters():
    ev = evaluator(given={"Env": "staging", "AWS::AccountId": "222222222222"},
                   Parameters={"Env": {"Type": "String", "Default": "prod"}})  # fmt: skip
    assert ev.value({"Fn::Sub": "${Env}:${AWS::AccountId}"}) == "staging:222222222222"


def test_getatt_of_a_role_keeps_the_stack_account():
    ev = evaluator(Resources={"Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "deployer"}}})
    arn = ev.value({"Fn::GetAtt": ["Role", "Arn"]})
    assert isinstance(arn, Unknown) and arn.text == "arn:aws:iam::${AWS::AccountId}:role/deployer"
    ev = evaluator(given={"AWS::AccountId": "111111111111"},
                   Resources={"Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "deployer"}}})  # fmt: skip
    assert ev.value({"Fn::GetAtt": ["Role", "Arn"]}) == "arn:aws:iam::111111111111:role/deployer"


def test_ref_to_a_named_resource_is_its_name():
    ev = evaluator(Resources={
        "Group": {"Type": "AWS::CodeDeploy::DeploymentGroup", "Properties": {"DeploymentGroupName": "web-prod"}},
        "Anon": {"Type": "AWS::CodeDeploy::DeploymentGroup", "Properties": {}},
    })  # fmt: skip
    assert ev.value({"Ref": "Group"}) == "web-prod"
    anon = ev.value({"Ref": "Anon"})
    assert isinstance(anon, Unknown) and anon.text == "${Anon}"


def test_conditions_are_three_valued():
    sections = dict(
        Parameters={"Env": {"Type": "String"}},
        Conditions={
            "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
            "Always": {"Fn::Or": [{"Condition": "IsProd"}, {"Fn::Equals": ["a", "a"]}]},
        },
    )
    ev = evaluator(**sections)
    assert ev.condition("IsProd") is None and ev.condition("NotProd") is None and ev.condition("Always") is True
    assert evaluator(assignment={"Env": "prod"}, **sections).condition("NotProd") is False
    assert evaluator(assignment={"Env": ANY_OTHER}, **sections).condition("IsProd") is False


def load(tmp_path, text, **params):
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(text))
    return load_workspace([str(path)], LoadOptions(parameters=params))


PIPELINE = """\
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod], Default: dev}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Name: !Sub app-${Env}
      RoleArn: arn:aws:iam::999999999999:role/pipeline
      ArtifactStore: {Type: S3, Location: bucket}
      Stages:
        - Name: Source
          Actions:
            - Name: Src
              ActionTypeId: {Category: Source, Owner: AWS, Provider: S3, Version: '1'}
              Configuration: {S3Bucket: b, S3ObjectKey: k}
              OutputArtifacts: [{Name: Out}]
        - !If
          - IsProd
          - Name: Approve
            Actions:
              - Name: Approve
                ActionTypeId: {Category: Approval, Owner: AWS, Provider: Manual, Version: '1'}
          - !Ref AWS::NoValue
        - !ImportValue SharedStage
"""


def test_a_stage_inside_if_gives_one_pipeline_per_scenario(tmp_path):
    ws = load(tmp_path, PIPELINE)
    by_label = {p.label: p for p in ws.pipelines}
    assert set(by_label) == {"app-dev [Env=dev]", "app-prod [Env=prod]"}
    assert [s.name for s in by_label["app-prod [Env=prod]"].stages][:2] == ["Source", "Approve"]
    assert [s.name for s in by_label["app-dev [Env=dev]"].stages][:1] == ["Source"]
    assert len(by_label["app-dev [Env=dev]"].stages) == 2


def test_a_given_parameter_fixes_the_scenario(tmp_path):
    ws = load(tmp_path, PIPELINE, Env="prod")
    assert [p.label for p in ws.pipelines] == ["app-prod"]


def test_an_imported_stage_is_opaque_with_its_reason(tmp_path):
    pipeline = load(tmp_path, PIPELINE, Env="dev").pipelines[0]
    imported = pipeline.stages[-1]
    assert imported.opaque is not None and "SharedStage" in imported.opaque.reason
    assert imported.actions == ()


def test_resource_condition_and_scenarios_that_agree_are_merged(tmp_path):
    ws = load(tmp_path, """\
        Parameters:
          Kind: {Type: String, AllowedValues: [lambda, web, batch]}
        Conditions:
          IsWeb: !Equals [!Ref Kind, web]
        Resources:
          WebPipeline:
            Type: AWS::CodePipeline::Pipeline
            Condition: IsWeb
            Properties: {Name: web, RoleArn: 'arn:aws:iam::1:role/r', Stages: []}
          Group:
            Type: AWS::CodeDeploy::DeploymentGroup
            Properties:
              ApplicationName: app
              DeploymentConfigName: !If [IsWeb, CodeDeployDefault.AllAtOnce, CodeDeployDefault.OneAtATime]
        """)
    assert [p.label for p in ws.pipelines] == ["web [Kind=web]"]
    groups = sorted((t.deployment_config_name, t.scenario.describe()) for t in ws.targets)
    assert groups == [("CodeDeployDefault.AllAtOnce", "Kind=web"), ("CodeDeployDefault.OneAtATime", "Kind in (lambda, batch)")]


def test_sam_deployment_preference_with_conditions_and_globals(tmp_path):
    ws = load(tmp_path, """\
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          EnvType: {Type: String, Default: dev}
        Conditions:
          IsDev: !Equals [!Ref EnvType, dev]
        Globals:
          Function:
            AutoPublishAlias: live
            DeploymentPreference:
              Alarms: [!Ref Alarm]
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              DeploymentPreference:
                Type: !If [IsDev, AllAtOnce, Canary10Percent5Minutes]
          Alarm: {Type: AWS::CloudWatch::Alarm}
        """)
    by_scenario = {t.scenario.describe(): t for t in ws.targets}
    assert set(by_scenario) == {"EnvType=dev", f"EnvType={ANY_OTHER}"}
    canary = by_scenario[f"EnvType={ANY_OTHER}"]
    assert canary.codedeploy_config_name == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert canary.auto_publish_alias == "live"
    assert [a.text for a in canary.deployment_preference.alarms] == ["${Alarm}"]
    assert by_scenario["EnvType=dev"].template_parameters["EnvType"] == "dev"


def test_many_values_are_reduced_to_those_that_change_an_outcome(tmp_path):
    values = ", ".join(f"env{i}" for i in range(40))
    ws = load(tmp_path, f"""\
Parameters:
  Env: {{Type: String, AllowedValues: [{values}, prod], Default: env0}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Group:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties:
      ApplicationName: !Sub app-${{Env}}
      DeploymentConfigName: !If [IsProd, CodeDeployDefault.AllAtOnce, CodeDeployDefault.OneAtATime]
""")
    by_scenario = {t.scenario.describe(): t for t in ws.targets}
    assert set(by_scenario) == {"Env=prod", f"Env={ANY_OTHER}"}
    assert by_scenario["Env=prod"].application_name == "app-prod"
    other = by_scenario[f"Env={ANY_OTHER}"]
    assert isinstance(other.application_name, Unknown) and other.application_name.text == "app-${Env}"


def test_allowed_values_used_directly_are_enumerated(tmp_path):
    ws = load(tmp_path, """\
        Parameters:
          Env: {Type: String, AllowedValues: [dev, prod], Default: dev}
        Resources:
          Group:
            Type: AWS::CodeDeploy::DeploymentGroup
            Properties: {ApplicationName: app, DeploymentGroupName: !Sub 'app-${Env}'}
        """)
    assert sorted((t.group_name, t.scenario.describe()) for t in ws.targets) == [("app-dev", "Env=dev"), ("app-prod", "Env=prod")]


def test_too_many_combinations_leave_conditions_undecided(tmp_path):
    params = "\n".join(f"  P{i}: {{Type: String, AllowedValues: [a, b, c]}}" for i in range(5))
    conditions = "\n".join(f"  C{i}: !Equals [!Ref P{i}, a]" for i in range(5))
    ws = load(tmp_path, f"""\
Parameters:
{params}
Conditions:
{conditions}
  All: !And [!Condition C0, !Condition C1, !Condition C2, !Condition C3, !Condition C4]
Resources:
  Group:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties:
      ApplicationName: app
      DeploymentConfigName: !If [All, CodeDeployDefault.AllAtOnce, CodeDeployDefault.OneAtATime]
""")
    (group,) = ws.targets
    assert isinstance(group.deployment_config_name, Unknown)
    assert "left undecided" in group.deployment_config_name.reason and "--param" in group.deployment_config_name.reason
    assert group.scenario.undecided == ("All", "C0", "C1", "C2", "C3", "C4")


def test_undefined_resource_condition_is_an_error_at_its_line(tmp_path):
    ws = load(tmp_path, """\
        Resources:
          G:
            Type: AWS::CodeDeploy::DeploymentGroup
            Condition: Missing
            Properties: {ApplicationName: a}
        """)
    assert [(p.line, p.column, p.message) for p in ws.problems] == [(4, 5, "condition 'Missing' is not defined in Conditions")]
    assert ws.has_errors


@pytest.mark.parametrize("value", ["True", "true", True])
def test_string_booleans_from_parameters(tmp_path, value):
    ws = load(tmp_path, f"""\
        Parameters:
          On: {{Type: String, Default: '{value}'}}
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              AutoPublishAlias: live
              DeploymentPreference: {{Type: Linear10PercentEvery1Minute, Enabled: !Ref On}}
        """)
    assert ws.targets[0].deployment_preference.enabled is True
