"""Positions of model nodes, checked against the text of the real files (not against the parser)."""

from pathlib import Path

import pytest

from checker.load import load_workspace
from checker.loaders.base import LoadOptions
from checker.model import SourceRef
from tests.conftest import SAMPLES

SCENARIO = SAMPLES / "01-compliant-three-accounts"


def where(path: Path, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the n-th line containing `needle`, at the needle."""
    seen = 0
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {path}")


def stage(pipeline, name):
    return next(s for s in pipeline.stages if s.name == name)


@pytest.fixture(scope="module")
def yaml_pipeline():
    ws = load_workspace([str(SCENARIO / "cloudformation.yaml")])
    return ws, ws.pipelines[0]


@pytest.fixture(scope="module")
def json_pipeline():
    ws = load_workspace([str(SCENARIO / "codepipeline.json")])
    return ws, ws.pipelines[0]


def test_yaml_positions(yaml_pipeline):
    ws, pipeline = yaml_pipeline
    path = SCENARIO / "cloudformation.yaml"
    prod = stage(pipeline, "DeployProd")
    approve = stage(pipeline, "ApproveProd")
    # a stage is a sequence item: it starts at its first key, after "- "
    assert (ws.locate(prod.source).line, ws.locate(prod.source).column) == where(path, "Name: DeployProd")
    assert (ws.locate(approve.actions[0].source).line, ws.locate(approve.actions[0].source).column) == where(
        path, "Name: ManualApproval"
    )
    # a mapping member starts at its key
    store = ws.locate(pipeline.artifact_stores[0].source)
    assert (store.line, store.column) == where(path, "ArtifactStore:")
    # the pipeline is its resource's logical id
    resource = ws.locate(pipeline.source)
    assert resource.line == where(path, "Type: AWS::CodePipeline::Pipeline")[0] - 1


def test_json_positions(json_pipeline):
    ws, pipeline = json_pipeline
    path = SCENARIO / "codepipeline.json"
    prod = stage(pipeline, "DeployProd")
    line, column = where(path, '"name": "DeployProd"')
    located = ws.locate(prod.source)
    # a stage is an array element: it starts at its opening brace, on the line before its name
    assert located.line == line - 1
    deploy = ws.locate(prod.actions[0].source)
    assert deploy.line == where(path, '"name": "Deploy"', 3)[0] - 1
    store = ws.locate(pipeline.artifact_stores[0].source)
    assert (store.line, store.column) == where(path, '"artifactStore"')


def test_any_path_is_found_on_demand(yaml_pipeline, json_pipeline):
    ws, pipeline = yaml_pipeline
    action = stage(pipeline, "ApproveProd").actions[0]
    notify = ws.locate(action.source.child("Configuration", "NotificationArn"))
    assert (notify.line, notify.column) == where(SCENARIO / "cloudformation.yaml", "NotificationArn:")
    ws, pipeline = json_pipeline
    action = stage(pipeline, "ApproveProd").actions[0]
    notify = ws.locate(action.source.child("configuration", "NotificationArn"))
    assert (notify.line, notify.column) == where(SCENARIO / "codepipeline.json", '"NotificationArn"')


def test_a_missing_path_falls_back_to_its_nearest_ancestor(yaml_pipeline):
    ws, pipeline = yaml_pipeline
    action = stage(pipeline, "DeployProd").actions[0]
    assert ws.locate(action.source.child("Configuration", "NoSuchKey")) == ws.locate(action.source.child("Configuration"))


def test_positions_through_a_short_form_if(tmp_path):
    template = tmp_path / "t.yaml"
    template.write_text(
        "Parameters:\n  Env: {Type: String, Default: prod}\n"
        "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n"
        "Resources:\n  P:\n    Type: AWS::CodePipeline::Pipeline\n    Properties:\n      Name: p\n"
        "      RoleArn: arn:aws:iam::111111111111:role/r\n"
        "      ArtifactStore: {Type: S3, Location: b}\n"
        "      Stages:\n"
        "        - Name: Source\n          Actions: []\n"
        "        - !If\n          - IsProd\n          - Name: Prod\n            Actions: []\n          - !Ref AWS::NoValue\n"
    )
    ws = load_workspace([str(template)], LoadOptions(parameters={"Env": "prod"}))
    prod = ws.pipelines[0].stages[1]
    assert prod.name == "Prod"
    assert prod.source.path[-2:] == ("Fn::If", 1)  # the true branch
    located = ws.locate(prod.source)
    assert (located.line, located.column) == where(template, "Name: Prod")


def test_locating_in_a_file_that_is_not_loaded_gives_nothing():
    ws = load_workspace([str(SCENARIO / "codepipeline.json")])
    assert ws.locate(SourceRef("no/such/file.yaml", ("a",))) is None
