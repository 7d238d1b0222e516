"""The cfn-lint integration: pipelint's rules inside the real `cfn-lint` (--append-rules), and cfn-lint's checks
inside `pipelint lint --cfn-lint`, in every report format.

cfn-lint is only ever imported in child processes here: in the test process its import would slow every later
test's parsing (the garbage collector keeps scanning its data).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

import checker.integrations.cfn_lint as cfn_lint
from checker import api
from checker.cli.main import main
from checker.integrations.cfn_lint import RULES_MODULE, check
from checker.integrations.cfn_lint.ids import FAILED_ID, LEVEL, cfn_id, specs, table
from checker.rules.base import HELP_URI
from checker.rules.registry import builtin_rules, catalog
from tests.conftest import ROOT, SAMPLES, run_cli

pytestmark = pytest.mark.skipif(importlib.util.find_spec("cfnlint") is None,
                                reason="cfn-lint is not installed: pip install 'pipelint[cfn-lint]'")  # fmt: skip

CFN_LINT = Path(sys.executable).with_name("cfn-lint")
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
NO_APPROVAL = SAMPLES / "02-prod-without-approval" / "cloudformation.yaml"
SHARED_ACCOUNT = SAMPLES / "03-prod-shares-staging-account" / "cloudformation.yaml"
CHANGE_SET = SAMPLES / "05-v2-rollback-and-conditions" / "cloudformation.yaml"
COMPLIANT = SAMPLES / "01-compliant-three-accounts" / "cloudformation.yaml"
BROKEN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketNam: my-bucket
"""


def cfn_lint_run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real cfn-lint executable, with JSON output."""
    if not CFN_LINT.is_file():
        pytest.skip(f"no cfn-lint executable beside {sys.executable}")
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([str(CFN_LINT), "--format", "json", *args], cwd=cwd, env=environment, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def ours(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str, int, int, str]]:
    """(id, file, line, column, message) of every match of pipelint's ids (9xxx)."""
    assert "Traceback" not in result.stderr, result.stderr
    return [(m["Rule"]["Id"], m["Filename"], m["Location"]["Start"]["LineNumber"],
             m["Location"]["Start"]["ColumnNumber"], m["Message"])
            for m in json.loads(result.stdout or "[]") if m["Rule"]["Id"][1] == "9"]  # fmt: skip


def expected(path: Path) -> list[tuple[str, str, int, int, str]]:
    """What pipelint itself reports on the template, as cfn-lint ids."""
    report = api.lint([str(path)])
    return [(cfn_id(f.code, f.severity), str(path.relative_to(ROOT)), f.location.line, f.location.column, f.message)
            for f in report.active]  # fmt: skip


# ---- ids --------------------------------------------------------------------------------------------------------


def test_every_rule_of_the_catalog_has_a_unique_stable_id():
    found = specs()
    by_code = {code: spec for spec in found for code in spec.codes}
    assert set(by_code) >= {rule.code for rule in catalog()} | {"PL000", "PL001"}
    numbers = [spec.id[1:] for spec in found]
    assert len(set(numbers)) == len(numbers), "two ids differ only by their level letter"
    assert len({spec.class_name for spec in found}) == len(found)
    for rule in catalog():
        spec = by_code[rule.code]
        assert spec.id == LEVEL[rule.severity] + "9" + rule.code[2:] and re.fullmatch(r"[EWI]9\d{3}", spec.id)
        assert spec.shortdesc == rule.summary() and rule.code in spec.description
        assert spec.source_url == HELP_URI.format(code=rule.code.lower()) and rule.code in spec.tags
    # pinned: users put these in .cfnlintrc and Metadata, so they must not move
    assert [by_code[c].id for c in ("PL000", "PL001", "PL101", "PL102", "PL302", "PL501")] == \
        [FAILED_ID, FAILED_ID, "E9101", "W9102", "W9302", "I9501"]  # fmt: skip


def test_each_source_url_leads_to_an_anchor_of_the_rules_page():
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for spec in specs():
        assert f'<a id="{spec.source_url.rsplit("#", 1)[1]}"></a>' in page, spec.id


def test_the_readme_table_is_generated_from_the_catalog():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert table(builtin_rules()) in readme, "regenerate it: python -m checker.integrations.cfn_lint --markdown"


# ---- pipelint's rules in cfn-lint ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", [NO_APPROVAL, SHARED_ACCOUNT, CHANGE_SET], ids=lambda p: p.parent.name)
def test_cfn_lint_reports_pipelints_findings_at_pipelints_lines(sample: Path):
    result = cfn_lint_run(str(sample.relative_to(ROOT)), "--include-checks", "I", "--append-rules", RULES_MODULE)
    assert sorted(ours(result)) == sorted(expected(sample)) != []


def test_the_named_ids_are_what_the_samples_promise():
    result = cfn_lint_run(f"--append-rules={RULES_MODULE}", "--include-checks", "I", "--",
                          *(str(p.relative_to(ROOT)) for p in (NO_APPROVAL, SHARED_ACCOUNT, CHANGE_SET)))  # fmt: skip
    assert sorted(m[0] for m in ours(result)) == ["E9101", "E9201", "I9501"]
    assert result.returncode != 0  # cfn-lint's exit code counts them: 2 errors | 8 informational


def test_a_sam_template_keeps_pipelints_lines_after_cfn_lints_transform(tmp_path: Path):
    text = NO_APPROVAL.read_text(encoding="utf-8").replace(
        "Resources:\n", "Transform: AWS::Serverless-2016-10-31\nResources:\n  Handler:\n"
        "    Type: AWS::Serverless::Function\n    Properties: {Runtime: python3.12, Handler: app.handler, "
        "InlineCode: 'def handler(e, c): pass'}\n", 1)  # fmt: skip
    template = tmp_path / "sam.yaml"
    template.write_text(text, encoding="utf-8")
    found = ours(cfn_lint_run("sam.yaml", "--append-rules", RULES_MODULE, cwd=tmp_path))
    report = api.lint([str(template)])
    assert [(m[0], m[2], m[3]) for m in found] == [("E9101", f.location.line, f.location.column) for f in report.active]


def test_a_compliant_template_gives_none_of_ours():
    result = cfn_lint_run(str(COMPLIANT.relative_to(ROOT)), "--include-checks", "I", "--append-rules", RULES_MODULE)
    assert ours(result) == [] and result.returncode in (0, 8)  # cfn-lint's own informational matches only


def test_a_suppressed_finding_is_not_reported(tmp_path: Path):
    lines = NO_APPROVAL.read_text(encoding="utf-8").splitlines(keepends=True)
    (_, _, line, column, _), = expected(NO_APPROVAL)
    lines.insert(line - 1, " " * (column - 1) + "# pipelint: ignore[PL101] the change board approves releases\n")
    (tmp_path / "template.yaml").write_text("".join(lines), encoding="utf-8")
    assert ours(cfn_lint_run("template.yaml", "--append-rules", RULES_MODULE, cwd=tmp_path)) == []


def test_a_policy_that_cannot_be_read_is_one_match_per_template():
    result = cfn_lint_run(str(NO_APPROVAL.relative_to(ROOT)), "--append-rules", RULES_MODULE,
                          env={check.POLICY_VARIABLE: "no-such-policy.yaml"})  # fmt: skip
    (match,) = ours(result)
    assert match[0] == FAILED_ID and "PIPELINT_POLICY=no-such-policy.yaml" in match[4] and match[2] == 1


def test_a_pipelint_bug_is_one_match_not_a_traceback():
    """pipelint crashes on the template (injected): cfn-lint goes on and shows why pipelint's rules are missing."""
    code = ("import sys; from checker.integrations.cfn_lint import check\n"
            "def crash(*args): raise KeyError('Stages')\n"
            "check._run = crash\n"
            "from cfnlint.runner.cli import main\n"
            f"sys.argv = ['cfn-lint', '--format', 'json', '{NO_APPROVAL}', '--append-rules', '{RULES_MODULE}']\n"
            "main()")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    (match,) = ours(result)
    assert match[0] == FAILED_ID and "pipelint could not check this template (KeyError: 'Stages')" in match[4]


def test_pipelint_runs_once_per_template_and_again_when_it_changes(tmp_path: Path, monkeypatch):
    runs = []
    real = check._run
    monkeypatch.setattr(check, "_run", lambda file, policy: runs.append(file) or real(file, policy))
    check._checked.cache_clear()
    template = tmp_path / "template.yaml"
    shutil.copy(NO_APPROVAL, template)
    first = [check.check_file(str(template)) for _ in specs()]  # every rule class asks
    assert len(runs) == 1 and all(hits == first[0] for hits in first) and [h.code for h in first[0]] == ["PL101"]
    template.write_text(template.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    check.check_file(str(template))
    assert len(runs) == 2


def test_standard_input_is_one_match_that_says_why():
    (hit,) = check.check_file(None)
    assert hit.code == "PL000" and "file name" in hit.message


# ---- cfn-lint in pipelint -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cfn_lint_reports(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """`pipelint lint --cfn-lint` on a broken template beside a pipeline, in every format at once."""
    folder = tmp_path_factory.mktemp("cfn")
    (folder / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    shutil.copy(NO_APPROVAL, folder / "pipeline.yaml")
    outputs = [arg for fmt in ("json", "sarif", "junit", "markdown", "html") for arg in ("-f", fmt, "-o", f"r.{fmt}")]
    result = run_cli("lint", ".", "--cfn-lint", "--no-cache", "-f", "text", "-o", "-", *outputs, cwd=folder)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    return folder, result


BROKEN_AT = (6, 7)  # the line and column of `BucketNam:`


def test_cfn_lint_findings_are_in_the_text_report_and_the_exit_code(cfn_lint_reports):
    _, result = cfn_lint_reports
    assert result.returncode == 1
    assert "broken.yaml:6:7: high CFN-E3002 Additional properties are not allowed ('BucketNam'" in result.stdout
    assert "high PL101" in result.stdout and "CFN-E9101" not in result.stdout


def test_cfn_lint_findings_in_the_json_report_follow_its_schema(cfn_lint_reports):
    folder, _ = cfn_lint_reports
    document = json.loads((folder / "r.json").read_text(encoding="utf-8"))
    schema = json.loads(resources.files("checker.schemas").joinpath("report-v1.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)
    (finding,) = [f for f in document["findings"] if f["code"].startswith("CFN-")]
    assert finding["code"] == "CFN-E3002" and finding["severity"] == "high" and finding["pipeline"] == "broken.yaml"
    assert (finding["location"]["line"], finding["location"]["column"]) == BROKEN_AT
    assert finding["path"] == "/Resources/Bucket/Properties/BucketNam"
    (rule,) = [r for r in document["rules"] if r["code"] == "CFN-E3002"]
    assert rule["help_uri"].startswith("https://github.com/aws-cloudformation/cfn-lint") and rule["enabled"]


def test_cfn_lint_findings_in_sarif_validate_and_stay_out_of_the_security_view(cfn_lint_reports):
    folder, _ = cfn_lint_reports
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"the SARIF schema is not beside the project ({SARIF_SCHEMA})")
    document = json.loads((folder / "r.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(document)
    run = document["runs"][0]
    (result,) = [r for r in run["results"] if r["ruleId"] == "CFN-E3002"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == BROKEN_AT and result["level"] == "error"
    rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["id"] == "CFN-E3002" and "security-severity" not in rule["properties"]
    assert rule["helpUri"].startswith("https://github.com/aws-cloudformation/cfn-lint")


def test_cfn_lint_findings_in_junit_markdown_and_html(cfn_lint_reports):
    folder, _ = cfn_lint_reports
    root = ET.fromstring((folder / "r.junit").read_text(encoding="utf-8"))
    (case,) = [c for c in root.iter("testcase") if c.get("name", "").startswith("CFN-E3002")]
    assert case.get("file") == "broken.yaml" and case.get("line") == "6" and case.find("failure") is not None
    markdown = (folder / "r.markdown").read_text(encoding="utf-8")
    matrix = markdown.split("## Control matrix", 1)[1].split("\n## ", 1)[0]
    assert "CFN-E3002" not in matrix  # a template check is no column of the pipeline × rule table
    assert "CFN-E3002" in markdown.split("### Other findings", 1)[1] and "broken.yaml:6:7" in markdown
    page = (folder / "r.html").read_text(encoding="utf-8")
    assert "Findings about whole files (cfn-lint)" in page and "CFN-E3002" in page


def test_a_cfn_lint_failure_is_a_load_error_and_pipelints_findings_stay(tmp_path: Path):
    shutil.copy(NO_APPROVAL, tmp_path / "pipeline.yaml")
    (tmp_path / ".cfnlintrc").write_text("regions: [xx-nowhere-1]\n", encoding="utf-8")
    result = run_cli("lint", "pipeline.yaml", "--cfn-lint", "--no-cache", "-f", "json", cwd=tmp_path)
    document = json.loads(result.stdout)
    assert result.returncode == 2 and [f["code"] for f in document["findings"]] == ["PL101"]
    (problem,) = document["problems"]
    assert problem["code"] == "PL000" and "cfn-lint failed" in problem["message"] and "xx-nowhere-1" in problem["message"]


def test_own_rules_appended_in_cfnlintrc_are_not_reported_twice(tmp_path: Path):
    shutil.copy(NO_APPROVAL, tmp_path / "pipeline.yaml")
    (tmp_path / ".cfnlintrc").write_text(f"append_rules:\n  - {RULES_MODULE}\n", encoding="utf-8")
    result = run_cli("lint", "pipeline.yaml", "--cfn-lint", "--no-cache", "-f", "json", cwd=tmp_path)
    codes = [f["code"] for f in json.loads(result.stdout)["findings"]]
    assert codes == ["PL101"], result.stderr


def test_cfn_lint_option_without_cfn_lint_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setattr(cfn_lint, "installed", lambda: False)
    with pytest.raises(SystemExit) as stopped:
        main(["lint", str(NO_APPROVAL), "--cfn-lint"])
    assert stopped.value.code == 2
    said = capsys.readouterr().err
    assert "--cfn-lint needs cfn-lint, which is not installed: pip install 'pipelint[cfn-lint]'" in said


def test_lint_help_names_the_option():
    assert "--cfn-lint" in run_cli("lint", "--help").stdout


IMPORTED = "import sys; from checker.cli.main import main; code = main(sys.argv[1:]); print('cfnlint' in sys.modules)"


@pytest.mark.parametrize(("args", "imported"), [
    ([str(NO_APPROVAL)], False),
    ([str(SAMPLES / "07-ci-workflows" / "github")], False),
    ([str(SAMPLES / "07-ci-workflows" / "github"), "--cfn-lint"], False),  # no template: nothing to ask cfn-lint
    ([str(NO_APPROVAL), "--cfn-lint"], True),
])  # fmt: skip
def test_cfnlint_is_imported_only_for_cfn_lint(args: list[str], imported: bool):
    result = subprocess.run([sys.executable, "-c", IMPORTED, "lint", *args, "--no-cache", "-f", "json", "-o",
                             os.devnull], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == str(imported), result.stderr
