"""The command line as users meet it: show, lint, exit codes, and hostile inputs that must not crash it."""

import json
import re

import pytest

from tests.conftest import SAMPLES, run_cli

GOOD = str(SAMPLES / "01-compliant-three-accounts" / "codepipeline.json")


def test_version_and_help():
    assert run_cli("--version").stdout.startswith("pipelint ")
    for command in ([], ["show"], ["lint"]):
        result = run_cli(*command, "--help")
        assert result.returncode == 0 and "usage: pipelint" in result.stdout


def test_show_prints_every_scenario():
    result = run_cli("show", "sample_pipelines/")
    assert result.returncode == 0, result.stderr
    both = ("codepipeline-json", "cloudformation")
    with_terraform = (*both, "terraform")  # 01, 02, 04 and 05 also have a terraform/ folder
    formats = {
        "webapp-compliant": with_terraform, "webapp-no-approval": with_terraform,
        "webapp-shared-account": both, "webapp-all-at-once": with_terraform,
        "webapp-v2-rollback": with_terraform, "serverless-canary": both,
        "orders-api release": ("github-actions",), "orders-api hotfix": ("github-actions",),
        "release.gitlab-ci.yml": ("gitlab-ci",), "manual-gate-does-not-block.gitlab-ci.yml": ("gitlab-ci",),
    }  # fmt: skip
    headers = [line for line in result.stdout.splitlines() if "  (" in line and not line[0].isspace()]
    shown = sorted(re.match(r"(.+?)  \(([a-z-]+)[,)]", line).groups() for line in headers)
    assert shown == sorted((name, fmt) for name, fmts in formats.items() for fmt in fmts)  # each exactly once
    assert "deploys to prod · account 333333333333" in result.stdout
    assert ("strategy: canary (CodeDeployDefault.ECSCanary10Percent5Minutes, blue/green; "
            "the old (blue) fleet is terminated after 60 min)") in result.stdout  # fmt: skip
    assert "why prod: deployment group name 'webapp-prod' says prod" in result.stdout
    # approvals in CI workflows say whom the CI system tells; an environment the policy does not declare
    # may or may not wait for reviewers
    assert "manual approval, notifies release-managers (in a GitHub issue)" in result.stdout
    assert result.stdout.count("approval gate, reviewers unknown (set in the repository)") == 2 + 2


def test_show_json_is_machine_readable(tmp_path):
    out = tmp_path / "model.json"
    result = run_cli("show", "sample_pipelines/01-compliant-three-accounts", "--format", "json", "--output", str(out))
    assert result.returncode == 0 and result.stdout == ""
    data = json.loads(out.read_text())
    assert data["schema_version"] == 1
    pipeline = next(p for p in data["pipelines"] if p["format"] == "codepipeline-json")
    prod = pipeline["stages"][-1]["actions"][0]
    assert prod["deploy"]["tier"] == "prod" and prod["account"] == "333333333333"
    assert prod["deploy"]["strategy"]["class"] == "canary"
    assert prod["location"]["file"].endswith("codepipeline.json") and prod["location"]["line"] > 1
    template = next(p for p in data["pipelines"] if p["format"] == "cloudformation")
    assert template["region"] == {"unknown": "AWS::Region is known only when the stack is deployed", "text": "${AWS::Region}"}


def test_params_from_the_command_line_and_a_file(tmp_path):
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"Parameters": {"AWS::Region": "eu-west-1"}}))
    template = str(SAMPLES / "01-compliant-three-accounts" / "cloudformation.yaml")
    data = json.loads(run_cli("show", template, "--format", "json", "--params", str(params)).stdout)
    assert data["pipelines"][0]["region"] == "eu-west-1"
    data = json.loads(run_cli("show", template, "--format", "json", "--params", str(params), "--param", "AWS::Region=us-west-2").stdout)
    assert data["pipelines"][0]["region"] == "us-west-2"


def test_bad_command_lines_exit_2():
    assert run_cli("show").returncode == 2
    assert run_cli("show", GOOD, "--param", "novalue").returncode == 2
    result = run_cli("show", GOOD, "--params", "no/such/file.json")
    assert result.returncode == 2 and "no/such/file.json" in result.stderr and "Traceback" not in result.stderr


def test_lint_exits_1_on_the_non_compliant_samples_and_0_on_the_compliant_one():
    result = run_cli("lint", "sample_pipelines/")
    assert result.returncode == 1, result.stdout + result.stderr
    # 6 CodePipeline scenarios in 2 formats, 4 of them also in Terraform, and 4 CI workflows
    assert f"{6 * 2 + 4 + 4} pipeline(s) checked" in result.stdout and "load error" not in result.stdout
    assert "Result: fail (findings at or above high)" in result.stdout
    compliant = run_cli("lint", "sample_pipelines/01-compliant-three-accounts")
    assert compliant.returncode == 0 and "0 finding(s)" in compliant.stdout, compliant.stdout
    assert run_cli("lint", "sample_pipelines/", "--exit-zero").returncode == 0


def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefghi", "bcdefghij"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "empty.yaml": (b"", "the file is empty"),
    "binary.json": (bytes(range(256)) * 4, "binary"),
    "latin1.yaml": ("Resources:\n  A: {Type: 'caf\xe9'}\n".encode("latin-1"), "not valid UTF-8"),
    "truncated.json": (b'{"pipeline": {"name": "x", "stages": [{"name": "S", "act', "invalid JSON"),
    "bomb.yaml": (_alias_bomb().encode(), "alias bomb"),
    "deep.json": (b"[" * 10000 + b"]" * 10000, "nests deeper than"),
    "deep.yaml": (b"a: " + b"[" * 10000 + b"]" * 10000 + b"\n", "nests deeper than"),
    "deep-block.yaml": ("".join(" " * i + "k:\n" for i in range(2000)).encode(), "nests deeper than"),
    "tags.yaml": (b"Resources:\n  Topic:\n    Type: !Bogus AWS::SNS::Topic\n", "unknown tag !Bogus"),
    "jinja.yaml": (b"{% if prod %}\nResources: {}\n{% endif %}\n", "unrendered template"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_gives_pl000_exit_2_and_the_other_files_are_still_checked(tmp_path, name):
    data, message = HOSTILE[name]
    (tmp_path / name).write_bytes(data)
    result = run_cli("lint", str(tmp_path / name), GOOD)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if name in line)
    assert "PL000" in line and message in line
    assert "1 pipeline(s)" in result.stdout  # the good file was still loaded


def test_a_50_mb_file_is_refused_quickly(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.write(b'{"a": "')
        handle.seek(50 * 1024 * 1024)
        handle.write(b'"}')
    result = run_cli("lint", str(big), GOOD, timeout=30)
    assert result.returncode == 2
    assert "50.0 MB, larger than the 20 MB" in result.stdout


def test_a_path_that_does_not_exist(tmp_path):
    result = run_cli("lint", str(tmp_path / "missing.yaml"), GOOD)
    assert result.returncode == 2
    assert f"{tmp_path / 'missing.yaml'}: error PL000 no such file or directory" in result.stdout


def test_a_directory_with_no_pipelines_exits_0_with_a_clear_message(tmp_path):
    (tmp_path / "settings.json").write_text('{"name": "web", "version": "1.0.0"}')
    (tmp_path / "notes.txt").write_text("nothing here")
    for command in ("show", "lint"):
        result = run_cli(command, str(tmp_path))
        assert result.returncode == 0
        assert "No pipelines found in 1 file(s)" in result.stdout


def test_errors_point_at_the_line_and_show_the_source(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("Resources:\n  P:\n    Type: [unclosed\n")
    result = run_cli("lint", str(bad))
    assert result.returncode == 2
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{bad}:4:1: error PL000 invalid YAML")


def test_nested_stacks_are_reported_as_not_followed(tmp_path):
    template = tmp_path / "parent.yaml"
    template.write_text("Resources:\n  Network:\n    Type: AWS::CloudFormation::Stack\n"
                        "    Properties: {TemplateURL: ./network.yaml}\n")  # fmt: skip
    result = run_cli("show", str(template))
    assert result.returncode == 0
    assert f"{template}:2:3  Network -> ./network.yaml" in result.stdout


def test_show_reads_environments_from_the_policy_as_lint_does(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nextends: default\nprotected_environments: [production]\n", encoding="utf-8")
    workflow = "sample_pipelines/07-ci-workflows/github/release.yml"
    declared = run_cli("show", workflow, "--policy", str(policy))
    assert declared.returncode == 0, declared.stderr
    assert declared.stdout.count("manual approval, notifies the environment's required reviewers (GitHub tells them)") == 1
    assert declared.stdout.count("approval gate, gates nothing (not a protected environment)") == 1  # staging
    wrong = run_cli("show", workflow, "--policy", str(tmp_path / "missing.yaml"))
    assert wrong.returncode == 2 and wrong.stdout == "" and "no such file" in wrong.stderr


def test_a_param_no_scanned_file_declares_is_a_warning_not_an_error(tmp_path):
    sarif = tmp_path / "out.sarif"
    result = run_cli("lint", "sample_pipelines/01-compliant-three-accounts", "--param", "Enviroment=prod",
                     "--param", "Environment=prod", "--param", "AWS::Region=eu-west-1", "-f", "text", "-o", "-", "-f", "sarif",
                     "-o", str(sarif))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert ("(command line): warning PL000 --param Enviroment: no template parameter or Terraform variable of the "
            "scanned files has this name; the value was not used") in result.stdout  # fmt: skip
    assert result.stdout.count("--param ") == 1  # targets.yaml declares Environment; AWS::Region is a pseudo parameter
    run = json.loads(sarif.read_text())["runs"][0]
    assert not [r for r in run["results"] if r["ruleId"] == "PL000"]  # a result needs a place in a file
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning" and note["message"]["text"].startswith("--param Enviroment:")


def test_a_folder_scan_passes_over_tool_settings_in_json_with_comments(tmp_path):
    (tmp_path / "tsconfig.json").write_text('{\n  // TypeScript allows comments\n  "strict": true\n}\n')
    (tmp_path / "tsconfig.build.json").write_text("{ // also\n}\n")
    (tmp_path / "package.json").write_text("not json at all")
    (tmp_path / "pipeline.json").write_text((SAMPLES / "02-prod-without-approval" / "codepipeline.json").read_text())
    scanned = run_cli("lint", str(tmp_path), "-f", "json")
    assert scanned.returncode == 1, scanned.stderr
    report = json.loads(scanned.stdout)
    assert report["problems"] == [] and {p["file"] for p in report["pipelines"]} == {str(tmp_path / "pipeline.json")}
    named = run_cli("lint", str(tmp_path / "tsconfig.json"))  # named: read like any file
    assert named.returncode == 2 and "tsconfig.json:2:3: error PL000 invalid JSON" in named.stdout
