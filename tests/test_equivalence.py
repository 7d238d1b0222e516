"""Format equivalence: each sample scenario's JSON, CloudFormation and Terraform versions load to the same model
(what makes writing each rule once safe)."""

import pytest

from checker.load import load_workspace
from checker.loaders.base import LoadOptions
from checker.model import SourceFormat
from tests.conftest import SAMPLES

SCENARIOS = sorted(p.name for p in SAMPLES.iterdir() if (p / "codepipeline.json").is_file())
TERRAFORM = sorted(p.name for p in SAMPLES.iterdir() if (p / "terraform").is_dir())


def test_there_are_six_codepipeline_scenarios_three_of_them_also_in_terraform():
    assert len(SCENARIOS) >= 6
    assert {"01-compliant-three-accounts", "02-prod-without-approval", "04-prod-all-at-once-no-rollback"} <= set(TERRAFORM)


def one_pipeline(path, options=None):
    (pipeline,) = load_workspace([str(path)], options).pipelines
    return pipeline


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_json_and_cloudformation_load_to_the_same_pipeline(scenario):
    # get-pipeline output knows its region from the pipeline ARN; a template is deployed to a region we name
    options = LoadOptions(parameters={"AWS::Region": "us-east-1"})
    from_json = one_pipeline(SAMPLES / scenario / "codepipeline.json", options)
    from_template = one_pipeline(SAMPLES / scenario / "cloudformation.yaml", options)
    assert from_json == from_template
    assert from_json.format is not from_template.format
    assert len(from_json.stages) >= 3


@pytest.mark.parametrize("scenario", TERRAFORM)
def test_terraform_loads_to_the_same_pipeline_as_json(scenario):
    # the region and account come from the provider block, the role's ARN from aws_iam_role.pipeline.arn
    from_json = one_pipeline(SAMPLES / scenario / "codepipeline.json")
    from_terraform = one_pipeline(SAMPLES / scenario / "terraform")
    assert from_terraform.format is SourceFormat.TERRAFORM
    assert from_json == from_terraform
    assert from_terraform.source.file.endswith("main.tf") and from_terraform.resource_id.startswith("aws_codepipeline.")
