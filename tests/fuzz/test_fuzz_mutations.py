"""Mutated real files of every format: whatever the mutation, loading, linting and the command line never raise,
every problem names an input file and a line inside it, parse errors say their line, the other files are still
checked, and the exit code is 0, 1 or 2 and the same as the API's."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from checker.api import lint
from checker.load import load_workspace
from tests.fuzz.support import SEEDS, baseline, check, deep, mutations, summary, write


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_an_unchanged_seed_loads_cleanly_and_as_the_sample_does(name):
    """The harness writes the seed where pipelint finds it and reads it as what it is; the mutations start from
    a file that loads without a problem."""
    found = baseline(name)
    assert found["pipelines"], f"the seed {name} defines no pipeline: the harness would fuzz nothing"
    assert found["problems"] == []
    seed = SEEDS[name]
    if seed.original is not None:
        in_place = load_workspace([str(seed.original)])
        expected = summary(in_place, lint(in_place), seed.original.parent)
        assert {**found, "exit_code": None} == {**expected, "exit_code": None}


@pytest.mark.parametrize("name", sorted(SEEDS))
@given(data=st.data())
def test_a_mutated_file_never_crashes_pipelint(name, data):
    seed = SEEDS[name]
    original = seed.files[seed.target]
    mutated = data.draw(mutations(original, seed.syntax), label="mutated")
    note(f"{len(mutated)} bytes")
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), {**seed.files, seed.target: mutated})
        found = check(Path(tmp))
    if mutated == original:
        assert found.summary == baseline(name)


HOLE = "@@nested@@"
ACTION = {
    "Name": "A",
    "ActionTypeId": {"Category": "Deploy", "Owner": "AWS", "Provider": "CodeDeploy", "Version": "1"},
    "Configuration": {"ApplicationName": "app", "DeploymentGroupName": "app-prod"},
    "RoleArn": "r",
}
HOLES = {
    "Stages": HOLE,
    "a stage": [HOLE],
    "Actions": [{"Name": "Prod", "Actions": HOLE}],
    "Configuration": [{"Name": "Prod", "Actions": [{**ACTION, "Configuration": HOLE}]}],
    "RoleArn": [{"Name": "Prod", "Actions": [{**ACTION, "RoleArn": HOLE}]}],
}  # fmt: skip


@pytest.mark.parametrize("syntax, name", [("yaml", "cloudformation.yaml"), ("json", "template.json")])
@given(levels=st.integers(1, 400), where=st.sampled_from(sorted(HOLES)))
def test_deeply_nested_intrinsics_in_a_pipeline(syntax, name, levels, where):
    """Fn::If / Fn::Join / Fn::Sub nested up to 400 deep where a loader expects a list of stages, a stage, a
    list of actions, a mapping or a string: read (as an unknown value) or refused with a line, never a crash."""
    template = {"Resources": {"P": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {
        "Name": "deep", "RoleArn": "arn:aws:iam::111111111111:role/p", "Stages": HOLES[where]}}}}  # fmt: skip
    text = json.dumps(template).replace(json.dumps(HOLE), deep(syntax, levels).decode())
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), {name: text})
        found = check(Path(tmp), cli=False)
    titles = [title for title, _, _ in found.summary["pipelines"]]
    refused = [line for _, line, _, message in found.summary["problems"] if "nests deeper" in message]
    assert (titles, refused) in ((["deep"], []), ([], refused[:1])), found.summary
