"""The engine around the rules: suppressions, exemptions (and their expiry), a crashing rule, selection and
severity from the policy, and the exit codes the command line gives for them."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pytest

from checker.engine.run import lint
from checker.load import load_workspace
from checker.model import Outcome, Severity, SourceRef, SuppressionKind
from checker.policy.model import Exemption, Policy
from checker.rules import ALL_RULES
from checker.rules.base import Rule
from tests.conftest import SAMPLES, run_cli
from tests.doubles import Exploding

NO_APPROVAL = SAMPLES / "02-prod-without-approval"


def pl101(report):
    return [f for f in report.findings if f.code == "PL101"]


def copy_template(tmp_path: Path) -> Path:
    target = tmp_path / "cloudformation.yaml"
    shutil.copy(NO_APPROVAL / "cloudformation.yaml", target)
    shutil.copy(NO_APPROVAL / "targets.yaml", tmp_path / "targets.yaml")
    return target


def test_metadata_ignore_suppresses_and_keeps_the_finding_visible(tmp_path):
    template = copy_template(tmp_path)
    text = template.read_text().replace(
        "    Type: AWS::CodePipeline::Pipeline\n",
        "    Type: AWS::CodePipeline::Pipeline\n    Metadata:\n      pipelint:\n        ignore:\n"
        "          - {rule: PL101, reason: change board approves outside the pipeline}\n", 1)  # fmt: skip
    template.write_text(text)
    report = lint(load_workspace([str(tmp_path)]), Policy())
    (finding,) = pl101(report)
    assert finding.suppressed.kind is SuppressionKind.INLINE
    assert finding.suppressed.reason == "change board approves outside the pipeline"
    assert [e.outcome for e in report.evaluations if e.code == "PL101"] == [Outcome.EXEMPTED]
    assert report.exit_code == 0


def test_an_ignore_without_a_reason_is_not_applied_and_says_so(tmp_path):
    template = copy_template(tmp_path)
    template.write_text(template.read_text().replace(
        "    Type: AWS::CodePipeline::Pipeline\n",
        "    Type: AWS::CodePipeline::Pipeline\n    Metadata: {pipelint: {ignore: [{rule: PL101}]}}\n", 1))  # fmt: skip
    report = lint(load_workspace([str(tmp_path)]), Policy())
    assert pl101(report)[0].suppressed is None and report.exit_code == 1
    (warning,) = [p for p in report.problems if "no `reason`" in p.message]
    assert warning.severity.value == "warning" and warning.line is not None


def test_comment_on_the_line_above_the_finding(tmp_path):
    template = copy_template(tmp_path)
    report = lint(load_workspace([str(tmp_path)]), Policy())
    line = pl101(report)[0].location.line
    lines = template.read_text().splitlines()
    indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]
    lines.insert(line - 1, f"{indent}# pipelint: ignore[PL101] approved by the change board (CHG-1234)")
    template.write_text("\n".join(lines) + "\n")
    (finding,) = pl101(lint(load_workspace([str(tmp_path)]), Policy()))
    assert finding.suppressed.reason == "approved by the change board (CHG-1234)"
    assert finding.suppressed.location.line == line


def test_comment_above_the_pipeline_resource_covers_the_whole_pipeline(tmp_path):
    template = copy_template(tmp_path)
    text = template.read_text()
    key = "  " + next(l.strip() for l in text.splitlines() if l.strip().endswith(":") and "Pipeline" in l and l.startswith("  ") and not l.startswith("   "))  # noqa: E741
    template.write_text(text.replace(key + "\n", "  # pipelint: ignore[PL1] legacy pipeline, replaced in Q3\n" + key + "\n", 1))
    (finding,) = pl101(lint(load_workspace([str(tmp_path)]), Policy()))
    assert finding.suppressed is not None and finding.suppressed.reason == "legacy pipeline, replaced in Q3"


def test_a_comment_without_a_reason_is_not_applied_and_is_a_warning(tmp_path):
    template = copy_template(tmp_path)
    line = pl101(lint(load_workspace([str(tmp_path)]), Policy()))[0].location.line
    lines = template.read_text().splitlines()
    lines[line - 1] += "  # pipelint: ignore[PL101]"
    template.write_text("\n".join(lines) + "\n")
    report = lint(load_workspace([str(tmp_path)]), Policy())
    assert pl101(report)[0].suppressed is None
    (warning,) = report.problems
    assert (warning.line, warning.severity.value) == (line, "warning") and "has no reason" in warning.message


def exemption(expires: datetime.date | None) -> Exemption:
    return Exemption(rule="PL101", pipeline="webapp-*", reason="approved outside", owner="team-payments",
                     expires=expires, ref=SourceRef("policy.yaml", ("exemptions", 0)))  # fmt: skip


def test_an_exemption_suppresses_until_it_expires_and_then_is_a_finding_itself():
    workspace = load_workspace([str(NO_APPROVAL)])
    today = datetime.date(2027, 1, 1)
    valid = lint(workspace, Policy(exemptions=(exemption(datetime.date(2027, 6, 30)),)), today=today)
    assert all(f.suppressed and f.suppressed.owner == "team-payments" for f in pl101(valid))
    assert valid.exit_code == 0
    expired = lint(workspace, Policy(exemptions=(exemption(datetime.date(2026, 12, 31)),)), today=today)
    assert all(f.suppressed is None for f in pl101(expired)) and expired.exit_code == 1
    (notice,) = [f for f in expired.findings if f.code == "PL002"]
    assert "expired on 2026-12-31" in notice.message and notice.ref.file == "policy.yaml"


def test_selection_severity_and_fail_on():
    workspace = load_workspace([str(NO_APPROVAL)])
    report = lint(workspace, Policy(select=("PL1",), ignore=("PL101",)))
    assert {e.code for e in report.evaluations if e.outcome is Outcome.DISABLED} == {
        r.code for r in ALL_RULES if not r.code.startswith("PL1") or r.code == "PL101"}  # fmt: skip
    lowered = lint(workspace, Policy(severity={"PL101": Severity.LOW}))
    assert {f.severity for f in pl101(lowered)} == {Severity.LOW} and lowered.exit_code == 0
    assert lint(workspace, Policy(severity={"PL101": Severity.LOW}), fail_on=Severity.LOW).exit_code == 1


def test_a_rule_that_raises_is_pl001_and_the_other_rules_still_run():
    report = lint(load_workspace([str(NO_APPROVAL)]), Policy(select=("PL",)), rules=(Exploding, *ALL_RULES))
    crashes = [f for f in report.findings if f.code == "PL001"]
    assert crashes and "KeyError" in crashes[0].message and report.exit_code == 2
    assert pl101(report)


def test_a_rule_class_without_docs_is_refused_when_defined():
    with pytest.raises(TypeError, match="docstring"):
        type("Bare", (Rule,), {"code": "PL998", "name": "bare-rule", "severity": Severity.LOW, "__doc__": "Short."})


def test_cli_policy_mistakes_exit_2_with_the_path(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nrules:\n  select: [PL1, PL999]\n")
    result = run_cli("lint", str(NO_APPROVAL), "--policy", str(policy))
    assert result.returncode == 2 and "rules.select[1]" in result.stderr and ":3:" in result.stderr
    assert run_cli("lint", str(NO_APPROVAL), "--select", "PL9").returncode == 2


def test_cli_json_carries_evaluations_findings_and_suppressions(tmp_path):
    out = tmp_path / "report.json"
    result = run_cli("lint", str(NO_APPROVAL), "--format", "json", "--output", str(out), "--fail-on", "critical")
    assert result.returncode == 0
    data = json.loads(out.read_text())
    formats = 3  # 02 as codepipeline.json, cloudformation.yaml and terraform/
    assert data["summary"]["findings"] == formats and {f["code"] for f in data["findings"]} == {"PL101"}
    assert len(data["evaluations"]) == formats * len(ALL_RULES)


def test_cli_rules_lists_and_explains():
    listing = run_cli("rules")
    assert listing.returncode == 0 and all(r.code in listing.stdout for r in ALL_RULES)
    page = run_cli("rules", "pl301")
    assert page.returncode == 0 and "## Why is this bad?" in page.stdout and "## Use instead" in page.stdout
    assert run_cli("rules", "PL999").returncode == 2


def test_the_rules_reference_is_generated_from_the_code():
    generated = run_cli("rules", "--format", "markdown").stdout
    assert (Path(__file__).parent.parent / "docs" / "rules.md").read_text() == generated, (
        "docs/rules.md is stale: run `pipelint rules --format markdown --output docs/rules.md`")


def test_a_third_party_pack_comes_in_through_the_entry_point(monkeypatch):
    from checker.rules import registry

    class Point:
        name, value = "acme", "acme.rules:RULES"

        def load(self):
            return (Exploding,)

    monkeypatch.setattr(registry, "_entry_points", lambda: [Point()])
    registry.catalog.cache_clear()
    try:
        assert registry.catalog()[-1] is Exploding and len(registry.catalog()) == len(ALL_RULES) + 1
        Point.load = lambda self: (ALL_RULES[0],)  # reusing a code is refused, with the pack's name
        registry.catalog.cache_clear()
        with pytest.raises(registry.RulePackError, match="acme.*reuses code PL101"):
            registry.catalog()
    finally:
        registry.catalog.cache_clear()


def test_the_policy_account_map_decides_the_environment():
    import re

    from checker.analysis.environment import EnvironmentMap, Tier

    workspace = load_workspace([str(SAMPLES / "03-prod-shares-staging-account" / "codepipeline.json")])
    # the policy says 222222222222 is prod: the "staging" deploy is a prod deploy too, and nothing is non-prod
    mapped = Policy(environments=EnvironmentMap(accounts=(("222222222222", Tier.PROD),),
                                                patterns=((re.compile("(?i)dev"), Tier.DEV),)))  # fmt: skip
    report = lint(workspace, mapped)
    (pl201,) = [e for e in report.evaluations if e.code == "PL201"]
    assert pl201.outcome is Outcome.PASSED, pl201.reason
    assert lint(workspace, Policy()).exit_code == 1


def test_a_comment_above_a_ci_job_covers_the_findings_inside_it_and_no_others(tmp_path):
    workflow = """\
on: push
jobs:
  # pipelint: ignore[PL101] hotfixes go out under the incident process (INC-7)
  hotfix-prod:
    runs-on: ubuntu-latest
    steps:
      - run: sam deploy --stack-name api-prod
  release-prod:
    runs-on: ubuntu-latest
    steps:
      - run: sam deploy --stack-name web-prod
"""
    (tmp_path / "wf.yml").write_text(workflow, encoding="utf-8")
    findings = pl101(lint(load_workspace([str(tmp_path)]), Policy()))
    assert sorted((f.location.line, f.suppressed.reason if f.suppressed else None) for f in findings) == [
        (7, "hotfixes go out under the incident process (INC-7)"), (11, None)]
