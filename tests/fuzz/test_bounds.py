"""Guards against hangs and blow-ups, not benchmarks: the limits are generous. pipelint runs in a subprocess that
reports its own peak RSS; a negative return code (a signal: a segfault in a C parser, the OOM killer) fails.

Each test prints its time and peak memory (seen with `pytest -s`)."""

from __future__ import annotations

import json

import pytest

from checker.sources.read import MAX_FILE_BYTES
from tests.fuzz.support import REPORT_PEAK, lint_args, pipelint, python

MIB = 1024 * 1024


def lint(tmp_path, *paths: str, timeout: float, extra: tuple[str, ...] = ()) -> tuple[object, dict]:
    report = tmp_path / "report.json"
    ran = pipelint(*lint_args(*paths, output=str(report)), *extra, timeout=timeout)
    print(f"\n{paths[0]}: {ran.seconds:.1f} s, peak RSS {ran.peak_mib:.0f} MiB (largest worker {ran.workers_peak_mib:.0f} MiB), "
          f"exit {ran.returncode}")  # fmt: skip
    assert ran.returncode >= 0, f"killed by signal {-ran.returncode}: {ran.stderr[-2000:]}"
    assert (
        ran.returncode in (0, 1, 2) and "Traceback" not in ran.stderr and "internal error" not in ran.stderr
    ), ran.stderr
    assert ran.peak_mib is not None, ran.stderr[-2000:]
    return ran, json.loads(report.read_text(encoding="utf-8")) if report.stat().st_size else {}


def pipeline_yaml(name: str) -> str:
    return f"""\
Resources:
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Name: {name}
      RoleArn: arn:aws:iam::999999999999:role/pipeline
      ArtifactStore: {{Type: S3, Location: artifacts}}
      Stages:
        - Name: Source
          Actions:
            - Name: Source
              ActionTypeId: {{Category: Source, Owner: AWS, Provider: S3, Version: "1"}}
              Configuration: {{S3Bucket: source, S3ObjectKey: app.zip}}
              OutputArtifacts: [{{Name: Src}}]
        - Name: DeployStaging
          Actions:
            - Name: Deploy
              ActionTypeId: {{Category: Deploy, Owner: AWS, Provider: CodeDeploy, Version: "1"}}
              RoleArn: arn:aws:iam::222222222222:role/deploy
              Configuration: {{ApplicationName: app, DeploymentGroupName: {name}-staging}}
              InputArtifacts: [{{Name: Src}}]
        - Name: DeployProd
          Actions:
            - Name: Deploy
              ActionTypeId: {{Category: Deploy, Owner: AWS, Provider: CodeDeploy, Version: "1"}}
              RoleArn: arn:aws:iam::333333333333:role/deploy
              Configuration: {{ApplicationName: app, DeploymentGroupName: {name}-prod}}
              InputArtifacts: [{{Name: Src}}]
"""


def big_template(size: int) -> str:
    """One template of about `size` bytes: a pipeline, and many resources (deployment groups, topics, roles)."""
    head = "Parameters:\n  Env: {Type: String, Default: prod}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n"
    parts = [head,
             pipeline_yaml("big").replace("Resources:\n", "Resources:\n", 1)]  # fmt: skip
    total, index = sum(map(len, parts)), 0
    while total < size:
        part = f"""\
  Group{index}:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties:
      ApplicationName: app
      DeploymentGroupName: !Sub "${{AWS::StackName}}-group-{index}"
      DeploymentConfigName: CodeDeployDefault.OneAtATime
      ServiceRoleArn: !GetAtt Role{index}.Arn
      AutoRollbackConfiguration: {{Enabled: true, Events: [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM]}}
      AlarmConfiguration: {{Enabled: !If [IsProd, true, false], Alarms: [{{Name: !Sub "alarm-{index}"}}]}}
  Topic{index}:
    Type: AWS::SNS::Topic
    Properties: {{TopicName: !Sub "topic-{index}-${{Env}}", Tags: [{{Key: index, Value: "{index}"}}]}}
  Role{index}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{{Effect: Allow, Principal: {{Service: codedeploy.amazonaws.com}}, Action: sts:AssumeRole}}]
      Policies:
        - PolicyName: !Join ["-", [deploy, !Ref Env, "{index}"]]
          PolicyDocument: {{Statement: [{{Effect: Allow, Action: ["s3:GetObject"], Resource: "*"}}]}}
"""
        parts.append(part)
        total += len(part)
        index += 1
    return "".join(parts)


def test_the_memory_measure_counts_the_process_and_its_workers_not_its_parent():
    allocate = "import sys\nx = bytearray(300 * 2**20)\nx[::4096] = bytes(len(x[::4096]))\n"
    assert 300 <= python(allocate + REPORT_PEAK).peak_mib < 400
    starts = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {allocate!r}], check=True)\n"
    parent = python(starts + REPORT_PEAK)  # a worker of 300 MB: counted as a worker, not as the process
    assert parent.peak_mib < 100 and 300 <= parent.workers_peak_mib < 400, parent
    measure = "import sys" + REPORT_PEAK  # started by a parent of 400 MB, which ru_maxrss would count
    child = (f"import subprocess, sys\nrun = subprocess.run([sys.executable, '-c', {measure!r}], capture_output=True, "
             "text=True)\nsys.stderr.write(run.stderr)\n")  # fmt: skip
    ran = python(allocate.replace("300", "400") + child)
    assert ran.returncode == 0 and ran.peak_mib is not None and ran.peak_mib < 100, ran


def test_a_10_mb_template_is_read_within_bounds(tmp_path):
    template = tmp_path / "big.yaml"
    template.write_text(big_template(10 * MIB), encoding="utf-8")
    assert 10 * MIB <= template.stat().st_size < MAX_FILE_BYTES == 20 * MIB  # read, not refused for its size
    ran, report = lint(tmp_path, str(template), timeout=120)
    assert ran.peak_mib < 1536 and ran.workers_peak_mib < 1536
    assert [p["pipeline"] for p in report["pipelines"]] == ["big"] and report["problems"] == [], report[
        "problems"
    ][:3]


def test_a_template_over_the_size_limit_is_refused_quickly(tmp_path):
    template = tmp_path / "big.yaml"
    template.write_text(big_template(6 * MIB), encoding="utf-8")
    ran, report = lint(tmp_path, str(template), timeout=60, extra=("--max-file-size", "5"))
    assert ran.returncode == 2 and ran.peak_mib < 512
    (problem,) = report["problems"]
    assert problem["file"] == str(template) and "larger than the 5 MB" in problem["message"], problem


def test_a_folder_of_10000_templates(tmp_path):
    folder = tmp_path / "pipelines"
    for index in range(10_000):
        sub = folder / f"team{index // 500:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"pipeline{index:05d}.yaml").write_text(pipeline_yaml(f"app{index:05d}"), encoding="utf-8")
    ran, report = lint(tmp_path, str(folder), timeout=600)
    assert ran.returncode == 1  # every pipeline deploys to prod without an approval
    assert len(report["pipelines"]) == 10_000 and report["problems"] == []
    assert ran.peak_mib < 1024 and ran.workers_peak_mib < 1024  # the run, and each process it loads files in


STAGES = json.dumps([{"Name": name, "Actions": [{"Name": name, "ActionTypeId": {
    "Category": category, "Owner": "AWS", "Provider": provider, "Version": "1"}, "Configuration": {}}]}
    for name, category, provider in (("Source", "Source", "S3"), ("Prod", "Deploy", "S3"))])  # fmt: skip
NESTED = {
    "if": ('{"Fn::If": ["C", ', STAGES, ', {"Ref": "AWS::NoValue"}]}'),
    "join": ('{"Fn::Join": ["", [', '"x"', "]]}"),
    "short": ("!If [C, ", STAGES, ", !Ref AWS::NoValue]"),  # YAML only
}


def nested(style: str, levels: int) -> str:
    """A pipeline whose Stages is an intrinsic nested `levels` deep."""
    if style == "block":  # YAML block style: each level one more indentation
        lines = ["Conditions:", "  C: !Equals [a, a]", "Resources:", "  P:", "    Type: AWS::CodePipeline::Pipeline",
                 "    Properties:", "      Name: deep",
                 "      Stages: !If"]  # fmt: skip
        closing: list[str] = []
        for level in range(levels):  # each !If: a condition, the nested !If (or the stages), AWS::NoValue
            indent = " " * (8 + 2 * level)
            lines += [f"{indent}- C", f"{indent}- !If" if level < levels - 1 else f"{indent}- {STAGES}"]
            closing.insert(0, f"{indent}- !Ref AWS::NoValue")
        return "\n".join(lines + closing) + "\n"
    opening, inner, closing = NESTED[style]
    stages = opening * levels + inner + closing * levels
    resource = (
        '{"Type": "AWS::CodePipeline::Pipeline", "Properties": {"Name": "deep", "Stages": ' + stages + "}}"
    )
    return '{"Conditions": {"C": {"Fn::Equals": ["a", "a"]}}, "Resources": {"P": ' + resource + "}}"


# 5000 levels of YAML block indentation would be a 50 MB file, refused for its size before its depth is seen
DEEP = [(syntax, style, levels) for levels in (250, 5000) for syntax, style in (
    ("json", "if"), ("json", "join"), ("yaml", "if"), ("yaml", "join"), ("yaml", "short"), ("yaml", "block"))
    if (style, levels) != ("block", 5000)]  # fmt: skip


@pytest.mark.parametrize(("syntax", "style", "levels"), DEEP)
def test_deeply_nested_intrinsics_are_read_or_refused_with_a_line(tmp_path, syntax, style, levels):
    template = tmp_path / f"deep.{syntax}"
    template.write_text(nested(style, levels), encoding="utf-8")
    ran, report = lint(tmp_path, str(template), timeout=120)
    refused = [p for p in report["problems"] if p["code"] == "PL000" and p["file"] == str(template)]
    if refused:
        (problem,) = refused
        assert ran.returncode == 2 and "nests deeper" in problem["message"] and problem["line"] >= 1, problem
    else:
        assert [p["pipeline"] for p in report["pipelines"]] == ["deep"] and ran.returncode in (0, 1), report
