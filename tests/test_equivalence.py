"""Format equivalence: each sample scenario's JSON and CloudFormation versions load to the same model."""

import pytest

from checker.load import load_workspace
from checker.loaders.base import LoadOptions
from tests.conftest import SAMPLES

SCENARIOS = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir())


def test_there_are_at_least_six_scenarios():
    assert len(SCENARIOS) >= 6


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_json_and_cloudformation_load_to_the_same_pipeline(scenario):
    # get-pipeline output knows its region from the pipeline ARN; a template is deployed to a region we name
    options = LoadOptions(parameters={"AWS::Region": "us-east-1"})
    (from_json,) = load_workspace([str(SAMPLES / scenario / "codepipeline.json")], options).pipelines
    (from_template,) = load_workspace([str(SAMPLES / scenario / "cloudformation.yaml")], options).pipelines
    assert from_json == from_template
    assert from_json.format is not from_template.format
    assert len(from_json.stages) >= 3
