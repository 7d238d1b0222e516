"""Generated inputs that have the shape of each format but anything in any value: CloudFormation templates (long
and short intrinsics, aliases), CodePipeline JSON, Terraform plans, small HCL modules, GitHub workflows that call
each other, GitLab CI files. The same checks as for mutated files (tests/fuzz/support.py: check)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.support import check, scalar, text, value, word, write


def either(good: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly what the format wants there, sometimes anything."""
    return st.one_of(good, good, good, value)


def record(required: dict, optional: dict) -> st.SearchStrategy:
    return st.fixed_dictionaries({k: either(v) for k, v in required.items()},
                                 optional={k: either(v) for k, v in optional.items()})  # fmt: skip


# CloudFormation and CodePipeline JSON: one shape, two spellings of the keys.


def spelled(key: str, case: str) -> str:
    """CloudFormation's key, or CodePipeline JSON's (camelCase)."""
    return key[0].lower() + key[1:] if case == "lower" else key


def action(case: str) -> st.SearchStrategy:
    def k(key: str) -> str:
        return spelled(key, case)

    type_id = record({k("Category"): word, k("Owner"): word, k("Provider"): word, k("Version"): word}, {})
    keys = st.sampled_from(["ActionMode", "StackName", "DeploymentGroupName", "ApplicationName", "NotificationArn",
                            "OAuthToken", "ClusterName", "ServiceName", "EnvironmentVariables"])  # fmt: skip
    configuration = st.dictionaries(keys, value, max_size=4)
    artifacts = st.lists(record({k("Name"): word}, {}), max_size=2)
    return record(
        {k("Name"): word, k("ActionTypeId"): type_id},
        {
            k("RunOrder"): st.integers(-1, 4),
            k("RoleArn"): word,
            k("Region"): word,
            k("Namespace"): word,
            k("Configuration"): configuration,
            k("InputArtifacts"): artifacts,
            k("OutputArtifacts"): artifacts,
        },
    )


def stages(case: str) -> st.SearchStrategy:
    def k(key: str) -> str:
        return spelled(key, case)

    stage = record({k("Name"): word, k("Actions"): st.lists(either(action(case)), max_size=3)},
                   {k("OnFailure"): record({k("Result"): word}, {}), k("BeforeEntry"): value})  # fmt: skip
    return st.lists(either(stage), max_size=4)


store = record({"Type": word, "Location": word}, {"EncryptionKey": record({"Id": word, "Type": word}, {})})
pipeline_properties = record({"Name": word, "Stages": stages("upper")}, {
    "RoleArn": word, "PipelineType": word, "ExecutionMode": word, "Variables": value, "Triggers": value,
    "ArtifactStore": store, "ArtifactStores": st.lists(record({"Region": word, "ArtifactStore": value}, {}), max_size=2),
})  # fmt: skip
TARGET_TYPES = ("AWS::CodeDeploy::DeploymentGroup", "AWS::CodeDeploy::DeploymentConfig",
                "AWS::Serverless::Function", "AWS::ECS::Service", "AWS::ElasticBeanstalk::Environment",
                "AWS::AppConfig::DeploymentStrategy", "AWS::AppConfig::Environment", "AWS::Lambda::Alias",
                "AWS::CloudFormation::Stack")  # fmt: skip
TARGET_KEYS = ("ApplicationName", "DeploymentGroupName", "DeploymentConfigName", "AutoRollbackConfiguration",
               "AlarmConfiguration", "DeploymentStyle", "BlueGreenDeploymentConfiguration", "DeploymentPreference",
               "DeploymentConfiguration", "DeploymentController", "OptionSettings", "GrowthType", "GrowthFactor",
               "DeploymentDurationInMinutes", "Monitors", "ComputePlatform", "TemplateURL", "ServiceName")  # fmt: skip
IGNORE = {"pipelint": {"ignore": [{"rule": "PL101", "reason": "fuzz"}]}}
resource = st.one_of(
    record({"Type": st.just("AWS::CodePipeline::Pipeline"), "Properties": pipeline_properties},
           {"Condition": word, "Metadata": st.just(IGNORE)}),
    record({"Type": st.sampled_from(TARGET_TYPES),
            "Properties": st.dictionaries(st.sampled_from(TARGET_KEYS), value, max_size=5)}, {}),
)  # fmt: skip
template = record(
    {"Resources": st.dictionaries(word, either(resource), min_size=1, max_size=3)},
    {
        "AWSTemplateFormatVersion": word,
        "Transform": word,
        "Conditions": st.dictionaries(word, value, max_size=2),
        "Parameters": st.dictionaries(
            word, record({"Type": st.just("String"), "Default": word}, {}), max_size=3
        ),
    },
)


class Short:
    """An intrinsic to write in its short YAML form (`!If [...]`)."""

    def __init__(self, tag: str, value: object) -> None:
        self.tag, self.value = tag, value


class Dumper(yaml.SafeDumper):
    pass


def _short(dumper: Dumper, data: Short) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


Dumper.add_representer(Short, _short)


def shorten(node: object) -> object:
    if isinstance(node, list):
        return [shorten(item) for item in node]
    if isinstance(node, dict):
        if len(node) == 1 and isinstance(key := next(iter(node)), str) and key.startswith("Fn::"):
            return Short("!" + key[4:], shorten(node[key]))
        return {k: shorten(v) for k, v in node.items()}
    return node


def dump(data: dict, syntax: str, style: dict) -> str:
    if syntax == "json":
        return json.dumps(data, ensure_ascii=style["ascii"], indent=style["indent"])
    if style["short"]:
        data = shorten(data)
    if style["alias"] and isinstance(data.get("Resources"), dict) and data["Resources"]:
        again = next(iter(data["Resources"].values()))  # the same object twice: the dumper writes &id001, *id001
        data = {**data, "Resources": {**data["Resources"], "Again": again}}
    return yaml.dump(data, Dumper=Dumper, allow_unicode=not style["ascii"], default_flow_style=style["flow"],
                     sort_keys=False, width={None: 80, 1: 30, 2: 4000}[style["indent"]])  # fmt: skip


styles = st.fixed_dictionaries({"ascii": st.booleans(), "indent": st.sampled_from([None, 1, 2]),
                                "short": st.booleans(), "alias": st.booleans(),
                                "flow": st.sampled_from([False, None, True])})  # fmt: skip


def run(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), files)
        check(Path(tmp))


@pytest.mark.parametrize("syntax", ["yaml", "json"])
@given(data=template, style=styles)
def test_generated_cloudformation_templates(syntax, data, style):
    run({f"template.{syntax}": dump(data, syntax, style)})


codepipeline = record({"pipeline": record({"name": word, "stages": stages("lower")}, {
    "roleArn": word, "version": st.integers(), "pipelineType": word, "executionMode": word,
    "artifactStore": record({"type": word, "location": word}, {}), "artifactStores": value, "variables": value,
    "triggers": value})}, {"metadata": record({"pipelineArn": word, "created": st.floats()}, {})})  # fmt: skip


@given(data=codepipeline, style=styles)
def test_generated_codepipeline_json(data, style):
    run({"pipeline.json": dump(data, "json", style)})


SNAKE = ("name", "category", "owner", "provider", "version", "run_order", "role_arn", "region", "configuration",
         "input_artifacts", "output_artifacts", "namespace")  # fmt: skip
tf_action = st.dictionaries(st.sampled_from(SNAKE), either(word), max_size=8)
tf_stage = record({"name": word, "action": st.lists(either(tf_action), max_size=2)}, {})
tf_pipeline = record({"name": word, "stage": st.lists(either(tf_stage), max_size=3)},
                     {"role_arn": word, "artifact_store": st.lists(value, max_size=2), "pipeline_type": word})  # fmt: skip
PLAN_TYPES = ("aws_codepipeline", "aws_codedeploy_deployment_group", "aws_ecs_service",
              "aws_elastic_beanstalk_environment", "aws_s3_bucket")  # fmt: skip
plan_resource = record({"type": st.sampled_from(PLAN_TYPES),
                        "values": st.one_of(tf_pipeline, st.dictionaries(word, value, max_size=4))},
                       {"address": word, "mode": st.sampled_from(["managed", "data"]), "name": word})  # fmt: skip
child_module = record({"address": word, "resources": st.lists(plan_resource, max_size=2)}, {})
root_module = record({"resources": st.lists(either(plan_resource), max_size=3)},
                     {"child_modules": st.lists(child_module, max_size=2)})  # fmt: skip
change = record({"address": word, "change": record({"after_unknown": value}, {})}, {})
plan = record({"format_version": st.just("1.2"), "planned_values": record({"root_module": root_module}, {})},
              {"resource_changes": st.lists(change, max_size=2), "configuration": value})  # fmt: skip


@given(data=plan, style=styles)
def test_generated_terraform_plans(data, style):
    run({"plan.json": dump(data, "json", style)})


# GitHub Actions: two workflows that may call each other (or themselves, or a file that is not there).

CALLS = ("./.github/workflows/a.yml", "./.github/workflows/b.yml", "./.github/workflows/missing.yml",
         "./../../etc/hostname", "org/repo/.github/workflows/x.yml@v1")  # fmt: skip
RUNS = ("sam deploy --stack-name app-prod", "aws cloudformation deploy --stack-name app-staging --template-file t",
        "npx cdk deploy Prod --require-approval never", "terraform apply -auto-approve",
        "aws deploy create-deployment --deployment-group-name app-prod", "aws ecs update-service --service app-prod",
        "echo '${{ secrets.X }}'", "sam deploy --stack-name \"unbalanced")  # fmt: skip
JOBS = st.sampled_from(("build", "deploy-staging", "deploy-prod", "approve", "test", "call"))
ACTIONS = ("aws-actions/configure-aws-credentials@v4", "trstringer/manual-approval@v1", "actions/checkout@v4")
INPUTS = ("role-to-assume", "aws-region", "approvers")
step = record({}, {"name": word, "uses": st.sampled_from(ACTIONS),
                   "with": st.dictionaries(st.sampled_from(INPUTS), value, max_size=2),
                   "run": st.one_of(st.sampled_from(RUNS), text), "if": word, "env": value})  # fmt: skip
matrix = record({"matrix": st.dictionaries(word, st.lists(scalar, max_size=3), max_size=2)}, {})
job = record({}, {"runs-on": word, "needs": st.one_of(JOBS, st.lists(JOBS, max_size=3)), "if": word,
                  "environment": st.one_of(word, record({"name": word}, {"url": word})),
                  "steps": st.lists(either(step), max_size=3), "uses": st.sampled_from(CALLS), "with": value,
                  "secrets": st.one_of(st.just("inherit"), value), "permissions": value, "strategy": matrix})  # fmt: skip
workflow = record({"on": st.one_of(st.sampled_from(("push", "workflow_call", "workflow_dispatch")), value),
                   "jobs": st.dictionaries(JOBS, either(job), min_size=1, max_size=4)},
                  {"name": word, "env": value, "permissions": value})  # fmt: skip


@given(first=workflow, second=workflow, style=styles)
def test_generated_github_workflows(first, second, style):
    style = {**style, "short": False, "alias": False}
    run(
        {
            ".github/workflows/a.yml": dump(first, "yaml", style),
            ".github/workflows/b.yml": dump(second, "yaml", style),
        }
    )


GITLAB_JOBS = st.sampled_from(("build", "deploy_staging", "deploy_prod", ".base", "approve"))
environment = st.one_of(word, record({"name": word}, {"action": word, "deployment_tier": word, "url": word}))
gitlab_job = record({}, {
    "stage": word, "script": st.one_of(st.lists(st.one_of(st.sampled_from(RUNS), text), max_size=3), value),
    "environment": environment, "allow_failure": value,
    "when": st.sampled_from(("manual", "on_success", "always", "delayed", "never")),
    "needs": st.lists(st.one_of(GITLAB_JOBS, record({"job": GITLAB_JOBS}, {"optional": value})), max_size=3),
    "rules": st.lists(record({}, {"if": word, "when": word}), max_size=2),
    "extends": st.one_of(GITLAB_JOBS, value), "trigger": value, "only": value, "except": value, "dependencies": value,
})  # fmt: skip
top = record({"stages": st.lists(word, max_size=4)},
             {"variables": value, "default": value, "include": value, "workflow": value})  # fmt: skip
gitlab = st.tuples(top, st.dictionaries(GITLAB_JOBS, either(gitlab_job), max_size=4)).map(lambda t: {**t[0], **t[1]})


@given(data=gitlab, style=styles)
def test_generated_gitlab_ci_files(data, style):
    run({".gitlab-ci.yml": dump(data, "yaml", {**style, "short": False, "alias": False})})
