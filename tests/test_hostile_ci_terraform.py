"""Hostile HCL, plan and workflow inputs: each gives a PL000 with the file, line and what is wrong, or an unknown
with a reason; never a traceback, never a hang; the other files of the run are still checked."""

from __future__ import annotations

import time

import pytest

from checker.load import load_workspace
from checker.model import ProblemSeverity, Unknown
from tests.conftest import run_cli

GOOD_WORKFLOW = """\
on: push
jobs:
  deploy-prod:
    runs-on: ubuntu-latest
    steps:
      - run: sam deploy --stack-name app-prod
"""


def load(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    (tmp_path / "good.yml").write_text(GOOD_WORKFLOW, encoding="utf-8")
    started = time.perf_counter()
    workspace = load_workspace([str(tmp_path)])
    assert time.perf_counter() - started < 20, "hostile input must not hang the run"
    assert any(p.title == "good.yml" for p in workspace.pipelines), "a bad file must not hide the others"
    for problem in workspace.problems:
        assert "internal error" not in problem.message, problem
    return workspace


def errors(workspace, name: str):
    return [p for p in workspace.problems if p.file.endswith(name) and p.severity is ProblemSeverity.ERROR]


@pytest.mark.parametrize(("text", "line", "says"), [
    ('resource "aws_codepipeline" "p" {\n  name = "x"\n', 3, "the file ends in the middle of a block"),
    ('resource "aws_codepipeline" "p" {\n  name = \n}\n', 2, "invalid HCL"),
    ("x = <<EOF\nno end\n", 1, "invalid HCL"),
    ("stages:\n  - name: Source\n", 1, "invalid HCL"),  # YAML in a .tf file
    ("x = " + "[" * 5000 + "]" * 5000 + "\n", 1, "nests deeper than 200 levels"),
])  # fmt: skip
def test_malformed_hcl_is_pl000_at_its_line(tmp_path, text, line, says):
    workspace = load(tmp_path, "main.tf", text)
    (problem,) = errors(workspace, "main.tf")
    assert says in problem.message and problem.line == line


@pytest.mark.parametrize(("content", "says"), [
    (b"resource \x00\x01\x02", "binary"),
    (b'name = "\xff\xfe"', "not valid UTF-8"),
])
def test_binary_and_undecodable_hcl_is_pl000(tmp_path, content, says):
    (problem,) = errors(load(tmp_path, "main.tf", content), "main.tf")
    assert says in problem.message


def pipeline_tf(stages: str, extra: str = "") -> str:
    return f'{extra}\nresource "aws_codepipeline" "p" {{\n  name = "p"\n  role_arn = "arn:aws:iam::111111111111:role/r"\n{stages}\n}}\n'


def test_expansion_bombs_and_cycles_become_unknowns_with_reasons(tmp_path):
    text = pipeline_tf(
        '  dynamic "stage" {\n    for_each = range(100000000)\n    content { name = "s" }\n  }\n'
        '  dynamic "stage" {\n    for_each = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]]\n'
        '    content { name = "t" }\n  }\n'
        '  stage {\n    name = local.a\n  }\n',
        'locals {\n  a = local.b\n  b = local.a\n}\n',
    )
    workspace = load(tmp_path, "main.tf", text)
    (pipeline,) = [p for p in workspace.pipelines if p.format.value == "terraform"]
    first, second, third = pipeline.stages
    assert isinstance(first.opaque, Unknown) and "the stage blocks come from range(100000000)" in first.opaque.reason
    assert isinstance(second.opaque, Unknown)
    assert isinstance(third.name, Unknown) and "refers to itself" in third.name.reason


@pytest.mark.parametrize(("meta", "says"), [
    ('count = "many"', "count"),
    ("count = -1", None),
    ("for_each = 12", "for_each"),
])
def test_odd_count_and_for_each_never_crash(tmp_path, meta, says):
    text = f'resource "aws_codedeploy_deployment_group" "g" {{\n  {meta}\n  app_name = "a"\n  deployment_group_name = "g"\n}}\n'
    workspace = load(tmp_path, "main.tf", text)
    assert not errors(workspace, "main.tf")


def test_a_block_or_reference_in_a_tfvars_file_is_refused_or_unknown(tmp_path):
    (tmp_path / "terraform.tfvars").write_text('stages = var.other\nresource "x" "y" {}\n', encoding="utf-8")
    text = pipeline_tf('  dynamic "stage" {\n    for_each = var.stages\n    content { name = stage.value }\n  }\n',
                       'variable "stages" {}\n')  # fmt: skip
    workspace = load(tmp_path, "main.tf", text)
    (problem,) = errors(workspace, "terraform.tfvars")
    assert problem.line == 2 and "only assignments" in problem.message
    (pipeline,) = [p for p in workspace.pipelines if p.format.value == "terraform"]
    assert "a .tfvars file may hold only constant values" in pipeline.stages[0].opaque.reason


def test_twice_declared_resources_are_pl000(tmp_path):
    (tmp_path / "a.tf").write_text(pipeline_tf('  stage {\n    name = "A"\n  }\n'), encoding="utf-8")
    workspace = load(tmp_path, "b.tf", pipeline_tf('  stage {\n    name = "B"\n  }\n'))
    assert any("declared twice" in p.message and p.line for p in workspace.problems)


@pytest.mark.parametrize("text", [
    '{"format_version": "1.2", "planned_values": {"root_module": {"resources": "nope"}}}',
    '{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"type": "aws_codepipeline", "values": 7}]}}}',
    '{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"type": "aws_codepipeline", "address": "a",'
    ' "values": {"stage": "x", "artifact_store": [1]}}]}}, "resource_changes": [{"address": "a", "change": {"after_unknown": true}}]}',
])  # fmt: skip
def test_odd_plans_never_crash(tmp_path, text):
    load(tmp_path, "plan.json", text)


@pytest.mark.parametrize("text", [
    "on: push\njobs:\n  - a\n  - b\n",  # jobs as a list: not a workflow
    "on: push\njobs:\n  a:\n    needs: b\n    steps: x\n  b:\n    needs: a\n    steps: []\n",  # a cycle and steps not a list
    "on: push\njobs:\n  a:\n    needs: [nowhere]\n    environment: {url: x}\n    steps: [1, [2], {uses: 5}]\n",
    "on: push\njobs:\n  a:\n    strategy:\n      matrix:\n        x: [" + ", ".join(map(str, range(300))) + "]\n"
    "        y: [" + ", ".join(map(str, range(300))) + "]\n    steps:\n      - run: echo ${{ matrix.x }}\n",
    "on: push\njobs:\n  a:\n    if: " + "(" * 3000 + "true" + ")" * 3000 + "\n    steps: []\n",
    "on: push\njobs:\n  a:\n    steps:\n      - run: 'sam deploy --stack-name \"unbalanced'\n",
])  # fmt: skip
def test_odd_github_workflows_never_crash(tmp_path, text):
    load(tmp_path, ".github/workflows/odd.yml", text)


def test_a_needs_cycle_and_a_missing_job_are_pl000_at_the_needs(tmp_path):
    text = "on: push\njobs:\n  a:\n    needs: b\n    steps: []\n  b:\n    needs: [a, nowhere]\n    steps: []\n"
    found = errors(load(tmp_path, "wf.yml", text), "wf.yml")
    assert sorted((p.line, p.message) for p in found) == [
        (4, "the needs of job 'a' go round in a circle"), (7, "job 'b' needs 'nowhere', which the file does not define")]


@pytest.mark.parametrize("text", [
    "a:\n  extends: b\n  script: [x]\nb:\n  extends: a\n",  # an extends cycle
    "stages: build\njob:\n  stage: {x: 1}\n  script: {not: a list}\n  needs: [{job: ghost}]\n",
    "job:\n  script: [x]\n  rules:\n    - if: '$CI_COMMIT_BRANCH =~ /(a+)+$/'\n    - if: " + "'" + "(" * 2000 + "'\n",
    "job:\n  script: [x]\n  only: {refs: 5}\n  except: [/(x*)*y/]\n  environment: {name: [1, 2]}\n",
    "job:\n  trigger: {}\n  environment: production\n",
])  # fmt: skip
def test_odd_gitlab_files_never_crash(tmp_path, text):
    load(tmp_path, "odd.gitlab-ci.yml", text)


def test_the_cli_exits_2_on_a_broken_tf_and_still_reports_the_others(tmp_path):
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text('resource "aws_codepipeline" "p" {\n', encoding="utf-8")
    (tmp_path / "wf.yml").write_text(GOOD_WORKFLOW, encoding="utf-8")
    result = run_cli("lint", str(tmp_path), "-f", "text", "-o", "-")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "main.tf:2:1: error PL000 invalid HCL: the file ends in the middle of a block" in result.stdout
    assert "PL101" in result.stdout  # the workflow was still checked
