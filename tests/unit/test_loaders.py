"""CodePipeline JSON in its three shapes, V2 features, and CDK cloud assemblies."""

import json

import pytest

from checker.load import load_workspace
from checker.model import Category, ExecutionMode, PipelineType, Result, RetryMode, SourceFormat, Unknown

DECLARATION = {
    "name": "app",
    "roleArn": "arn:aws:iam::999999999999:role/pipeline",
    "artifactStore": {"type": "S3", "location": "bucket", "encryptionKey": {"id": "alias/key", "type": "KMS"}},
    "stages": [
        {"name": "Source", "actions": [{"name": "Src", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                                         "configuration": {"S3Bucket": "b"}, "outputArtifacts": [{"name": "Out"}]}]},
        {"name": "Prod", "actions": [{"name": "Deploy", "runOrder": 2, "region": "eu-west-1",
                                       "roleArn": "arn:aws:iam::333333333333:role/deploy",
                                       "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "S3", "version": "1"},
                                       "inputArtifacts": [{"name": "Out"}]}]},
    ],
    "version": 3,
}  # fmt: skip


@pytest.mark.parametrize(
    "document, account, region",
    [
        ({"pipeline": DECLARATION, "metadata": {"pipelineArn": "arn:aws:codepipeline:us-east-1:999999999999:app",
                                                "created": 1.7e9, "updated": 1.7e9}}, "999999999999", "us-east-1"),
        ({"pipeline": DECLARATION, "tags": [{"key": "team", "value": "web"}]}, "999999999999", None),
        (DECLARATION, "999999999999", None),
    ],
    ids=["get-pipeline", "create-pipeline-input", "bare"],
)  # fmt: skip
def test_the_three_json_shapes_load_the_same_pipeline(tmp_path, document, account, region):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(document, indent=2))
    (pipeline,) = load_workspace([str(path)]).pipelines
    assert pipeline.format is SourceFormat.CODEPIPELINE_JSON
    assert (pipeline.name, pipeline.account) == ("app", account)
    if region is None:  # without get-pipeline's metadata the file does not say
        assert isinstance(pipeline.region, Unknown) and "pipelineArn" in pipeline.region.reason
    else:
        assert pipeline.region == region
    assert pipeline.pipeline_type is PipelineType.V1
    deploy = pipeline.stages[1].actions[0]
    assert (deploy.category, deploy.run_order, deploy.region, deploy.input_artifacts) == (Category.DEPLOY, 2, "eu-west-1", ("Out",))
    assert pipeline.artifact_stores[0].encryption_key.id == "alias/key"


def test_v2_features_and_regional_artifact_stores(tmp_path):
    declaration = {
        **{k: v for k, v in DECLARATION.items() if k != "artifactStore"},
        "pipelineType": "V2",
        "executionMode": "QUEUED",
        "artifactStores": {
            "us-east-1": {"type": "S3", "location": "b1", "encryptionKey": {"id": "arn:aws:kms:us-east-1:999999999999:key/1", "type": "KMS"}},
            "eu-west-1": {"type": "S3", "location": "b2"},
        },
        "variables": [{"name": "Release", "defaultValue": "1.0"}],
        "triggers": [{"providerType": "CodeStarSourceConnection",
                      "gitConfiguration": {"sourceActionName": "Src", "push": [{"branches": {"includes": ["main"]}}]}}],
    }  # fmt: skip
    declaration["stages"] = [
        declaration["stages"][0],
        {**declaration["stages"][1],
         "onFailure": {"result": "RETRY", "retryConfiguration": {"retryMode": "FAILED_ACTIONS"}},
         "beforeEntry": {"conditions": [{"result": "FAIL", "rules": [{"name": "Window", "ruleTypeId": {
             "category": "Rule", "owner": "AWS", "provider": "DeploymentWindow", "version": "1"},
             "configuration": {"Cron": "0 9 ? * MON-FRI *"}}]}]},
         "onSuccess": {"conditions": [{"result": "ROLLBACK", "rules": [{"name": "Alarms", "ruleTypeId": {
             "category": "Rule", "owner": "AWS", "provider": "CloudWatchAlarm", "version": "1"}}]}]}},
    ]  # fmt: skip
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"pipeline": declaration}))
    (pipeline,) = load_workspace([str(path)]).pipelines
    assert (pipeline.pipeline_type, pipeline.execution_mode) == (PipelineType.V2, ExecutionMode.QUEUED)
    assert [(s.region, s.location) for s in pipeline.artifact_stores] == [("us-east-1", "b1"), ("eu-west-1", "b2")]
    assert pipeline.artifact_stores[1].encryption_key is None
    assert [(v.name, v.default) for v in pipeline.variables] == [("Release", "1.0")]
    assert pipeline.triggers[0].source_action == "Src"
    prod = pipeline.stages[1]
    assert (prod.on_failure.result, prod.on_failure.retry_mode) == (Result.RETRY, RetryMode.FAILED_ACTIONS)
    assert prod.before_entry.conditions[0].rules[0].provider == "DeploymentWindow"
    assert prod.on_success.conditions[0].result is Result.ROLLBACK


def test_bad_values_are_unknown_not_crashes(tmp_path):
    declaration = {"name": "app", "pipelineType": "V9", "stages": [
        "not a stage", {"name": "S", "actions": [{"name": "A", "actionTypeId": {"category": "Bogus"}, "runOrder": "x"}]}]}  # fmt: skip
    path = tmp_path / "p.json"
    path.write_text(json.dumps(declaration))
    (pipeline,) = load_workspace([str(path)]).pipelines
    assert isinstance(pipeline.pipeline_type, Unknown)
    assert isinstance(pipeline.stages[0].opaque, Unknown)
    action = pipeline.stages[1].actions[0]
    assert isinstance(action.category, Unknown) and isinstance(action.run_order, Unknown)


def _template(name):
    stage = {"Name": "S", "Actions": [{"Name": "A", "ActionTypeId": {"Category": "Source", "Owner": "AWS", "Provider": "S3", "Version": "1"}}]}
    return {"Resources": {"Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {
        "Name": name, "RoleArn": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/p"}, "Stages": [stage, stage]}}}}  # fmt: skip


def test_cdk_assembly_with_a_nested_stage(tmp_path):
    out = tmp_path / "cdk.out"
    (out / "assembly-Prod").mkdir(parents=True)
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {
        "PipelineStack": {"type": "aws:cloudformation:stack", "environment": "aws://999999999999/us-east-1",
                          "properties": {"templateFile": "PipelineStack.template.json"}},
        "assembly-Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}},
        "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}}))  # fmt: skip
    (out / "PipelineStack.template.json").write_text(json.dumps(_template("pipe")))
    (out / "assembly-Prod" / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {
        "ProdApp": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
                    "properties": {"templateFile": "ProdApp.template.json"}}}}))  # fmt: skip
    (out / "assembly-Prod" / "ProdApp.template.json").write_text(json.dumps(_template("inner")))
    ws = load_workspace([str(tmp_path)])
    assert ws.problems == ()
    by_name = {p.name: p for p in ws.pipelines}
    assert set(by_name) == {"pipe", "inner"}  # each template once: the walk does not read them again
    assert by_name["pipe"].format is SourceFormat.CDK
    assert (by_name["pipe"].account, by_name["pipe"].region) == ("999999999999", "us-east-1")
    assert isinstance(by_name["inner"].region, Unknown)


def test_cdk_assembly_with_missing_templates_says_so(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"version": "1", "artifacts": {
        "Stack": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Stack.template.json"}}}}))  # fmt: skip
    ws = load_workspace([str(tmp_path / "manifest.json")])
    assert ws.has_errors
    assert "Stack.template.json" in ws.problems[0].message


def test_cdk_manifest_cannot_send_pipelint_outside_its_assembly(tmp_path):
    out = tmp_path / "cdk.out"
    out.mkdir()
    (out / "Good.template.json").write_text(json.dumps(_template("good")))
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {
        "Evil": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "../../../../etc/passwd"}},
        "Abs": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "/etc/hostname"}},
        "Good": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Good.template.json"}}}}))  # fmt: skip
    ws = load_workspace([str(tmp_path)])
    assert [p.name for p in ws.pipelines] == ["good"]
    assert sorted(p.message for p in ws.problems) == [
        "stack Abs: templateFile /etc/hostname is outside the cloud assembly; not read",
        "stack Evil: templateFile ../../../../etc/passwd is outside the cloud assembly; not read",
    ]
