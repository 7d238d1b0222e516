"""Report plumbing: the JSON report against its shipped schema, several --format/--output pairs in one run,
and baselines that survive reformatting."""

import json
import shutil
from importlib import resources

import jsonschema
import pytest

from checker.engine.baseline import Baseline, BaselineError
from checker.engine.run import lint
from checker.load import load_workspace
from checker.loaders.base import LoadOptions
from checker.model import SuppressionKind
from checker.views.lint import as_json
from tests.conftest import SAMPLES, run_cli


def _schema() -> dict:
    text = resources.files("checker.schemas").joinpath("report-v1.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _errors(document: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(_schema())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def _report_json(*paths: str) -> dict:
    # through a JSON round trip, as a consumer reads it
    return json.loads(json.dumps(as_json(lint(load_workspace(list(paths), LoadOptions())))))


def test_json_report_of_the_samples_follows_the_shipped_schema():
    document = _report_json(str(SAMPLES))
    assert _errors(document) == []
    assert document["schema_version"] == 1
    pipelines = 6 * 2 + 4 + 4  # 01-06 as JSON and template, 01, 02, 04 and 05 as Terraform, 4 CI workflows
    assert len(document["evaluations"]) == len(document["rules"]) * len(document["pipelines"]) == 19 * pipelines
    failed = {(e["pipeline"], e["code"]) for e in document["evaluations"] if e["outcome"] == "failed"}
    assert ("webapp-no-approval", "PL101") in failed and ("webapp-compliant", "PL101") not in failed
    prod = document["pipelines"][0]["stages"][-1]["steps"][0]
    assert (prod["kind"], prod["tier"], prod["account"]) == ("deploy", "prod", "333333333333")


@pytest.mark.corpus
def test_json_report_of_the_corpus_follows_the_shipped_schema(corpus):
    document = _report_json(str(corpus))
    assert _errors(document) == []
    assert document["problems"] and document["findings"]  # the corpus has broken files and real findings


def test_the_schema_rejects_what_it_does_not_describe():
    document = _report_json(str(SAMPLES / "02-prod-without-approval"))
    document["evaluations"][0]["outcome"] = "fine"
    document["findings"][0]["surprise"] = 1
    del document["summary"]["suppressed"]
    assert len(_errors(document)) == 3


def test_several_formats_in_one_run(tmp_path):
    sarif, junit, text = tmp_path / "out.sarif", tmp_path / "out.xml", tmp_path / "out.txt"
    result = run_cli("lint", "sample_pipelines/02-prod-without-approval", "-f", "json", "-o", "-",
                     "--format", "sarif", "--output", str(sarif), "-f", "junit", "-o", str(junit),
                     "-f", "text", "-o", str(text))  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["summary"]["findings"] == 3  # PL101 in JSON, template and Terraform
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert junit.read_text().startswith("<?xml")
    assert "high PL101" in text.read_text()


def test_every_report_to_a_file_prints_the_summary(tmp_path):
    out = tmp_path / "r.json"
    result = run_cli("lint", "sample_pipelines/02-prod-without-approval", "-f", "json", "-o", str(out))
    assert result.returncode == 1
    assert result.stdout.startswith("3 finding(s) (3 high); 3 pipeline(s) checked")
    assert f"Wrote {out} (json)." in result.stdout


@pytest.mark.parametrize("args, message", [
    (["-f", "json", "-f", "sarif"], "2 --format but 0 --output"),
    (["-f", "json", "-o", "a", "-o", "b"], "1 --format but 2 --output"),
    (["-f", "json", "-o", "-", "-f", "text", "-o", "-"], "only one report can go to standard output"),
    (["-f", "json", "-o", "same", "-f", "text", "-o", "./same"], "would be written to the same file"),
    (["-o", "r.json", "--write-baseline", "r.json"], "would be written to the same file"),
    (["-f", "json", "-o", "/dev/stdout", "-f", "text", "-o", "-"], "only one report can go to standard output"),
    (["-f", "json", "-o", "r.json", "-f", "sarif", "-o", "no/such/folder/r.sarif"], "there is no folder"),
    (["-o", "tests"], "it is a folder"),
    (["--write-baseline", "-"], "needs a file name, not standard output"),
    (["-f", "pdf"], "invalid choice: 'pdf'"),
    (["--baseline", "no-such-baseline.json"], "write one with --write-baseline"),
])  # fmt: skip
def test_wrong_report_options_exit_2_before_loading(args, message):
    result = run_cli("lint", "sample_pipelines/02-prod-without-approval", *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


# -- baselines ------------------------------------------------------------------------------------------------------


@pytest.fixture
def estate(tmp_path):
    """A copy of sample 02 (PL101 in each of its three formats), linted from the copy's parent folder."""
    shutil.copytree(SAMPLES / "02-prod-without-approval", tmp_path / "infra")
    return tmp_path


def _lint(estate, *args):
    return run_cli("lint", "infra", "--format", "json", *args, cwd=estate)


def test_a_baseline_hides_known_findings_even_after_reformatting(estate):
    written = run_cli("lint", "infra", "--write-baseline", "baseline.json", cwd=estate)
    assert written.returncode == 0 and "wrote 3 finding(s) to the baseline baseline.json" in written.stderr
    entries = json.loads((estate / "baseline.json").read_text())["findings"]
    assert [(e["rule"], e["file"], e["path"]) for e in entries] == [
        ("PL101", "infra/cloudformation.yaml", "/Resources/Pipeline/Properties/Stages/[DeployProd]/Actions/[Deploy]"),
        ("PL101", "infra/codepipeline.json", "/pipeline/stages/[DeployProd]/actions/[Deploy]"),
        ("PL101", "infra/terraform/main.tf",
         "/resource/aws_codepipeline/webapp/stage/[DeployProd]/action/[Deploy]"),
    ]
    template = estate / "infra" / "cloudformation.yaml"
    found = json.loads(_lint(estate).stdout)["findings"]
    before = {f["location"]["file"]: f["location"]["line"] for f in found}
    template.write_text("# moved down by a header\n\n# and a blank line\n" + template.read_text())
    pipeline_json = estate / "infra" / "codepipeline.json"
    pipeline_json.write_text(json.dumps(json.loads(pipeline_json.read_text()), indent=8))  # reindented
    module = estate / "infra" / "terraform" / "main.tf"
    module.write_text("# moved down by a header\n\n" + module.read_text())
    result = _lint(estate, "--baseline", "baseline.json")
    report = json.loads(result.stdout)
    assert result.returncode == 0
    assert report["summary"]["findings"] == 0 and report["summary"]["suppressed"] == 3
    lines = {f["location"]["file"]: f["location"]["line"] for f in report["findings"]}
    assert lines["infra/cloudformation.yaml"] == before["infra/cloudformation.yaml"] + 3
    assert lines["infra/terraform/main.tf"] == before["infra/terraform/main.tf"] + 2
    assert {f["suppressed"]["kind"] for f in report["findings"]} == {"baseline"}
    assert {e["outcome"] for e in report["evaluations"] if e["code"] == "PL101"} == {"exempted"}


def test_a_new_violation_is_still_reported(estate):
    run_cli("lint", "infra", "--write-baseline", "baseline.json", cwd=estate)
    template = estate / "infra" / "cloudformation.yaml"
    text = template.read_text()
    staging_role = "RoleArn: !Sub arn:aws:iam::${StagingAccount}:role/pipelint-deploy"
    assert text.count(staging_role) == 1
    template.write_text(text.replace(staging_role, staging_role.replace("StagingAccount", "ProdAccount")))
    result = _lint(estate, "--baseline", "baseline.json")
    active = [f for f in json.loads(result.stdout)["findings"] if f["suppressed"] is None]
    assert result.returncode == 1 and [(f["code"], f["location"]["file"]) for f in active] == [
        ("PL201", "infra/cloudformation.yaml")]


def test_the_baseline_counts_findings_and_works_from_another_folder(estate):
    run_cli("lint", "infra", "--write-baseline", "infra/baseline.json", cwd=estate)
    entries = json.loads((estate / "infra" / "baseline.json").read_text())["findings"]
    # relative to the baseline
    assert {e["file"] for e in entries} == {"cloudformation.yaml", "codepipeline.json", "terraform/main.tf"}
    result = run_cli("lint", ".", "--baseline", "baseline.json", cwd=estate / "infra")
    assert result.returncode == 0, result.stdout
    report = lint(load_workspace([str(estate / "infra")], LoadOptions()))
    halved = Baseline(str(estate / "infra" / "baseline.json"), Baseline.read(str(estate / "infra" / "baseline.json")).counts)
    halved.counts[next(iter(halved.counts))] = 0
    applied = halved.apply(report)
    assert [f.suppressed is None for f in applied.findings].count(True) == 1
    assert [f.suppressed.kind for f in applied.findings if f.suppressed] == [SuppressionKind.BASELINE] * 2


@pytest.mark.parametrize("content, message", [
    ("not json", "cannot be read"),
    ("[" * 100_000, "cannot be read"),
    ('{"findings": []}', "is not a pipelint baseline"),
    ('{"baseline_version": true, "findings": []}', "is not a pipelint baseline"),
    ('{"baseline_version": 1, "findings": 5}', "findings must be a list"),
    ('{"baseline_version": 1, "findings": [{"rule": "PL101"}]}', "findings[0] needs rule, file and path"),
    ('{"baseline_version": 1, "findings": [7]}', "findings[0] needs rule, file and path"),
])  # fmt: skip
def test_a_broken_baseline_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(BaselineError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Baseline.read(str(path))


@pytest.mark.parametrize("count", ["0", "-3", "2.9", "Infinity", "1e400", "true", '"1"'])
def test_a_baseline_count_is_a_whole_number_from_1(tmp_path, count):
    path = tmp_path / "b.json"
    path.write_text('{"baseline_version": 1, "findings": [{"rule": "PL101", "file": "f", "path": "/p", "count": %s}]}' % count)
    with pytest.raises(BaselineError, match="a whole number from 1"):
        Baseline.read(str(path))


def _insert_stage(pipeline_json, index, stage):
    document = json.loads(pipeline_json.read_text())
    document["pipeline"]["stages"].insert(index, stage)
    pipeline_json.write_text(json.dumps(document, indent=2))


def test_inserting_a_stage_does_not_bring_a_known_finding_back(estate):
    run_cli("lint", "infra", "--write-baseline", "baseline.json", cwd=estate)
    lint_stage = {"name": "Lint", "actions": [{"name": "Lint", "actionTypeId": {"category": "Build", "owner": "AWS",
                  "provider": "CodeBuild", "version": "1"}, "runOrder": 1, "configuration": {"ProjectName": "lint"},
                  "inputArtifacts": [{"name": "SourceOutput"}]}]}  # fmt: skip
    _insert_stage(estate / "infra" / "codepipeline.json", 2, lint_stage)
    result = _lint(estate, "--baseline", "baseline.json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["summary"]["findings"] == 0, result.stdout
    assert {f["path"] for f in report["findings"]} >= {"/pipeline/stages/5/actions/0"}  # moved, and still known


def test_a_second_prod_stage_is_new_and_the_known_one_stays_known(estate):
    run_cli("lint", "infra", "--write-baseline", "baseline.json", cwd=estate)
    pipeline_json = estate / "infra" / "codepipeline.json"
    prod = json.loads(pipeline_json.read_text())["pipeline"]["stages"][4]
    _insert_stage(pipeline_json, 4, {**prod, "name": "DeployProdEU"})
    report = json.loads(_lint(estate, "--baseline", "baseline.json").stdout)
    active = [f["identity"] for f in report["findings"] if f["suppressed"] is None and f["code"] == "PL101"]
    assert active == ["/pipeline/stages/[DeployProdEU]/actions/[Deploy]"]


def test_formats_follow_the_output_suffix_when_no_format_is_given(tmp_path):
    sarif, html = tmp_path / "r.sarif", tmp_path / "r.html"
    result = run_cli("lint", "sample_pipelines/02-prod-without-approval", "-o", str(sarif), "-o", str(html))
    assert result.returncode == 1 and json.loads(sarif.read_text())["version"] == "2.1.0"
    assert html.read_text().startswith("<!DOCTYPE html>")


def test_a_lone_surrogate_in_an_input_costs_no_report(tmp_path):
    pipeline = json.loads((SAMPLES / "02-prod-without-approval" / "codepipeline.json").read_text())
    pipeline["pipeline"]["stages"][4]["name"] = "Deploy\ud800Prod"
    text = json.dumps(pipeline)  # ensure_ascii: the file holds the escape \ud800, which decodes to a lone surrogate
    assert "\\ud800" in text
    (tmp_path / "p.json").write_text(text)
    outputs = [tmp_path / f"r.{suffix}" for suffix in ("txt", "json", "sarif", "xml", "md", "html")]
    args = [part for path in outputs for part in ("-o", str(path))]
    result = run_cli("lint", str(tmp_path / "p.json"), *args)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(path.stat().st_size > 0 for path in outputs)
    assert "stage 'Deploy\\ud800Prod'" in (tmp_path / "r.txt").read_text()  # shown as its escape


def test_text_output_shows_control_characters_as_escapes(tmp_path):
    pipeline = json.loads((SAMPLES / "02-prod-without-approval" / "codepipeline.json").read_text())
    pipeline["pipeline"]["stages"][4]["name"] = "Deploy\x1b[31mProd\u202e\nnext"
    (tmp_path / "p.json").write_text(json.dumps(pipeline))
    result = run_cli("lint", str(tmp_path / "p.json"))
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "stage 'Deploy\\x1b[31mProd\\u202e\\nnext'" in result.stdout
