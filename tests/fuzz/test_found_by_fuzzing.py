"""The smallest inputs of the bugs the fuzz tests found, kept as plain regression tests (each fails without its
fix, whatever Hypothesis happens to generate)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from checker.load import load_workspace
from tests.fuzz.support import check, write


def only_problem(name: str, content: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), {name: content})
        found = check(Path(tmp))
    (problem,) = [p for p in found.workspace.problems if p.file.endswith(name)]
    return problem


def test_json_nested_too_deep_says_where():
    problem = only_problem("deep.json", b'{"a":\n  ' + b"[" * 400 + b"]" * 400 + b"}")
    assert "nests deeper than 300 levels" in problem.message
    assert (problem.line, problem.column) == (2, 3 + 299)  # the bracket that goes one level too deep


def test_a_control_character_in_yaml_says_where_and_what():
    problem = only_problem("ctl.yml", "on: push\njobs:\n  b: é\x7f\n".encode())
    assert (
        problem.message == "invalid YAML: unacceptable character #x007f: control characters are not allowed"
    )
    assert (problem.line, problem.column) == (3, 7)  # a character, not a byte, offset: é is two bytes


@pytest.mark.parametrize(("text", "where"), [
    (b"on: push\njobs:\n  a:\n    steps: [x\n  c", (5, 4)),  # libyaml says 6:1, past the end
    (b"on: push\njobs:\n  a:\n    steps: [x\n", (5, 1)),  # the empty last line exists
])  # fmt: skip
def test_yaml_that_ends_too_soon_is_placed_inside_the_file(text, where):
    problem = only_problem("cut.yml", text)
    assert problem.message.startswith("invalid YAML") and (problem.line, problem.column) == where


def test_a_resource_type_that_is_not_a_string_does_not_lose_the_template():
    template = (b"Resources:\n  Topic:\n    Type: [AWS::SNS::Topic]\n  Group:\n"
                b"    Type: AWS::CodeDeploy::DeploymentGroup\n    Properties: {ApplicationName: a}\n")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), {"template.yaml": template})
        workspace = load_workspace([tmp])
    assert [(p.line, p.message) for p in workspace.problems] == [(2, "resource Topic has no Type")]
    assert len(workspace.targets) == 1  # the deployment group is still read


def test_a_list_in_a_github_on_list_is_no_event_and_no_crash():
    with tempfile.TemporaryDirectory() as tmp:
        write(
            Path(tmp),
            {
                "wf.yml": "on: [push, [nested], {a: 1}]\njobs:\n  deploy-prod:\n    runs-on: x\n    steps: []\n"
            },
        )
        found = check(Path(tmp))
    assert not found.workspace.problems and len(found.workspace.pipelines) == 2


@pytest.mark.parametrize("odd", ['"planned_values": {"root_module": {"resources": [{"type": {}, "values": {}}]}}',
                                 '"planned_values": {"root_module": {"resources": 5, "child_modules": true}}',
                                 '"resource_changes": 16'])  # fmt: skip
def test_a_plan_with_odd_resources_is_read_without_crashing(odd):
    plan = '{"format_version": "1.2", ' + odd + "}"
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), {"plan.json": plan})
        found = check(Path(tmp))
    assert not found.workspace.problems
    assert [f.note for f in found.workspace.files if f.file.endswith("plan.json")] == [
        "a Terraform plan with no pipeline or deploy target"
    ]


def test_a_gitlab_job_with_artifacts_and_no_script_does_not_lose_the_file():
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), {".gitlab-ci.yml": "build:\n  script: []\n  artifacts:\n    paths: [out]\n"
                                            "deploy_prod:\n  script: [sam deploy --stack-name app-prod]\n"})  # fmt: skip
        found = check(Path(tmp))
    assert not found.workspace.problems
    (pipeline,) = [p for p in found.workspace.pipelines if p.title == ".gitlab-ci.yml"]
    assert [a.name for s in pipeline.stages for a in s.actions] == ["sam deploy"]


@pytest.mark.parametrize(
    "properties", ['{"templateFile": "Stack\\u0000.template.json"}', '{"directoryName": "x\\u0000"}']
)
def test_a_nul_in_a_cdk_manifest_file_name_is_a_problem_of_the_manifest(properties):
    kind = "aws:cloudformation:stack" if "templateFile" in properties else "cdk:cloud-assembly"
    manifest = (
        f'{{"version": "36.0.0", "artifacts": {{"A": {{"type": "{kind}", "properties": {properties}}}}}}}'
    )
    problem = only_problem("cdk.out/manifest.json", manifest.encode())
    assert (
        problem.message.startswith("A: ")
        and "is not a file name (it holds a NUL character)" in problem.message
    )


def test_a_nul_in_a_called_workflow_name_is_a_missing_file():
    with tempfile.TemporaryDirectory() as tmp:
        write(
            Path(tmp),
            {
                ".github/workflows/a.yml": 'on: push\njobs:\n  call:\n    uses: "./.github/workflows/b\\0.yml"\n'
            },
        )
        found = check(Path(tmp))
    assert not found.workspace.problems and len(found.workspace.pipelines) == 2
