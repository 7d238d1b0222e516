"""JUnit XML output: a suite per pipeline and a case per rule × pipeline, counted as the evaluations say,
failing only where the exit code does (at or above fail_on), with file and line, unknown marked as such,
load problems and expired exemptions in their own suite, class names that stay apart, and text XML cannot
carry left out."""

from __future__ import annotations

import dataclasses
import datetime
import shutil
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from checker.model import Outcome, Severity, SourceRef
from checker.policy.model import Exemption, Policy
from checker.rules import ALL_RULES
from checker.views.formats import render
from tests.conftest import ROOT, SAMPLES
from tests.doubles import Exploding
from tests.test_sarif import copy_no_approval, lint_in

NO_APPROVAL = str((SAMPLES / "02-prod-without-approval").relative_to(ROOT))
SKIPPED = (Outcome.NOT_APPLICABLE, Outcome.DISABLED, Outcome.UNKNOWN)
COUNTS = ("tests", "failures", "errors", "skipped")


@pytest.fixture(scope="module")
def samples_report():
    return lint_in(ROOT, "sample_pipelines")


def parse(report) -> ET.Element:
    text = render(report, "junit")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def counts(element: ET.Element) -> tuple[int, int, int, int]:
    tests, failures, errors, skipped = (int(element.get(name)) for name in COUNTS)
    return tests, failures, errors, skipped


def expected_counts(evaluations, fail_on: Severity = Severity.HIGH) -> tuple[int, int, int, int]:
    """Failures: failed evaluations with an active finding at or above `fail_on`, as the exit code counts."""
    outcomes = Counter(e.outcome for e in evaluations)
    skipped = sum(outcomes[o] for o in SKIPPED)
    failures = sum(1 for e in evaluations if e.outcome is Outcome.FAILED
                   and any(f.active and f.severity >= fail_on for f in e.findings))  # fmt: skip
    return len(evaluations), failures, outcomes[Outcome.ERROR], skipped


def case(root: ET.Element, file_end: str, name_start: str) -> ET.Element:
    (found,) = [c for c in root.iter("testcase") if c.get("file", "").endswith(file_end)
                and c.get("name", "").startswith(name_start)]  # fmt: skip
    return found


def test_the_sample_counts_are_the_evaluations_counts(samples_report):
    root = parse(samples_report)
    assert root.tag == "testsuites" and root.get("name") == "pipelint"
    assert counts(root) == expected_counts(samples_report.evaluations)
    # 20 pipelines × 19 rules. README, at or above high: PL101 in 02's 3 files, PL201 in 03's 2, PL301 and
    # PL401 in 04's 3; in 07, PL101 and PL104 in hotfix.yml and PL101 in the GitLab manual gate. PL501 is info
    # only. Skipped: 57 not applicable and 6 unknown (PL401 and PL402 of 05, in its 3 files)
    failures = 3 + 2 + 2 * 3 + 2 + 1
    skipped = 57 + 2 * 3
    assert counts(root) == (20 * 19, failures, 0, skipped) == (380, 14, 0, 63)
    cases = list(root.iter("testcase"))
    assert len(cases) == 380
    assert sum(1 for c in cases if c.find("failure") is not None) == 14
    assert sum(1 for c in cases if c.find("skipped") is not None) == 63


def test_one_suite_per_pipeline_each_counted_and_named(samples_report):
    root = parse(samples_report)
    suites = root.findall("testsuite")
    assert len(suites) == len(samples_report.workspace.pipelines) == 6 * 2 + 4 + 4  # 05 also in Terraform
    rules = {f"{r.code} {r.name}" for r in samples_report.rules}
    for suite in suites:
        file, pipeline = suite.get("name").split(" :: ")
        mine = [e for e in samples_report.evaluations if e.ref.file == file and e.pipeline == pipeline]
        assert counts(suite) == expected_counts(mine, samples_report.fail_on)
        assert {c.get("name") for c in suite.iter("testcase")} == rules
        assert {c.get("file") for c in suite.iter("testcase")} == {file}


def test_a_failure_below_fail_on_passes_and_lists_its_findings(samples_report):
    root = parse(samples_report)
    for file in ("cloudformation.yaml", "codepipeline.json", "terraform/main.tf"):  # the info PL501 of 05
        below = case(root, f"05-v2-rollback-and-conditions/{file}", "PL501 ")
        assert below.find("failure") is None and below.find("skipped") is None
        properties = [(p.get("name"), p.get("value")) for p in below.iter("property")]
        assert properties == [("outcome", "failed"), ("below_fail_on", "high")]
        out = below.find("system-out").text
        assert out.startswith("failed below fail_on (high)") and ": info PL501 action 'Deploy'" in out
        assert "How to fix (PL501 unreviewed-prod-stack-change):" in out
    (suite,) = [s for s in root.findall("testsuite") if "05-v2-rollback-and-conditions/cloudformation" in
                s.get("name")]  # fmt: skip
    assert counts(suite)[1] == 0  # PL501 was the only failed rule there


def test_at_or_above_fail_on_the_same_findings_fail(samples_report):
    report = dataclasses.replace(samples_report, fail_on=Severity.INFO)
    root = parse(report)
    # the 14 at or above high, and the info-only PL501 of 05 (3 files) and of the 4 CI workflows
    assert counts(root) == expected_counts(report.evaluations, Severity.INFO) == (380, 14 + 3 + 4, 0, 63)
    failure = case(root, "05-v2-rollback-and-conditions/codepipeline.json", "PL501 ").find("failure")
    assert failure.get("type") == "info"
    critical = parse(dataclasses.replace(samples_report, fail_on=Severity.CRITICAL))
    assert counts(critical)[1] == 0  # no finding is critical


def test_a_failure_lists_the_finding_where_it_is_and_how_to_fix_it(samples_report):
    root = parse(samples_report)
    failed = case(root, "02-prod-without-approval/cloudformation.yaml", "PL101 ")
    assert failed.get("line") == "157"
    classname = "sample_pipelines.02-prod-without-approval.cloudformation_yaml.webapp-no-approval"
    assert failed.get("classname") == classname
    failure = failed.find("failure")
    assert failure.get("type") == "high" and "without a manual approval" in failure.get("message")
    where = "sample_pipelines/02-prod-without-approval/cloudformation.yaml:157:15"
    assert failure.text.startswith(f"{where}: high PL101 ")
    assert "How to fix (PL101 prod-deploy-without-approval):" in failure.text and "RunOrder" in failure.text


def test_related_notes_are_in_the_failure_text(samples_report):
    file = "04-prod-all-at-once-no-rollback/codepipeline.json"
    failure = case(parse(samples_report), file, "PL401 ").find("failure")
    assert "    note: sample_pipelines/04-prod-all-at-once-no-rollback/targets.yaml:44:3: " in failure.text
    assert "when Environment=prod" in failure.text


def test_a_passing_case_is_at_the_pipeline_and_gives_its_evidence(samples_report):
    root = parse(samples_report)
    passed = case(root, "01-compliant-three-accounts/cloudformation.yaml", "PL101 ")
    assert passed.get("line") == "46"  # `Pipeline:` under Resources
    assert list(passed) == [passed.find("system-out")]
    assert passed.find("system-out").text.startswith("passed: action 'ManualApproval' in stage 'ApproveProd'")


def test_unknown_is_skipped_but_marked_as_unknown(samples_report):
    root = parse(samples_report)
    unknown = case(root, "05-v2-rollback-and-conditions/cloudformation.yaml", "PL401 ")
    assert unknown.find("skipped").get("message").startswith("unknown: ")
    assert "webapp-stack.yaml, which is not in the scanned files" in unknown.find("skipped").get("message")
    assert [(p.get("name"), p.get("value")) for p in unknown.iter("property")] == [("outcome", "unknown")]
    not_applicable = case(root, "02-prod-without-approval/codepipeline.json", "PL102 ")
    assert not not_applicable.find("skipped").get("message").startswith("unknown")
    assert not_applicable.find("properties") is None


def test_a_disabled_rule_is_skipped_with_the_reason():
    root = parse(lint_in(ROOT, NO_APPROVAL, policy=Policy(ignore=("PL102",))))
    skipped = case(root, "codepipeline.json", "PL102 ").find("skipped")
    assert skipped.get("message") == "the policy does not select this rule"


def test_an_exempted_rule_passes_and_says_who_exempted_it():
    exemption = Exemption(rule="PL101", pipeline="webapp-*", reason="approved in the change board",
                          owner="team-payments", expires=datetime.date(2026, 6, 30),
                          ref=SourceRef("policy.yaml", ("exemptions", 0)))  # fmt: skip
    root = parse(lint_in(ROOT, NO_APPROVAL, policy=Policy(exemptions=(exemption,))))
    exempted = case(root, "cloudformation.yaml", "PL101 ")
    assert exempted.find("failure") is None and exempted.find("skipped") is None
    assert [(p.get("name"), p.get("value")) for p in exempted.iter("property")] == [("outcome", "exempted")]
    out = exempted.find("system-out").text
    assert "suppressed (exemption): approved in the change board (owner team-payments, expires 2026-06-30" \
        in out
    assert counts(root)[1] == 0


def test_an_expired_exemption_is_a_case_among_the_inputs_failing_as_fail_on_says():
    exemption = Exemption(rule="PL101", pipeline="webapp-*", reason="approved", owner="team-payments",
                          expires=datetime.date(2025, 12, 31),
                          ref=SourceRef("policy.yaml", ("exemptions", 0)))  # fmt: skip
    report = lint_in(ROOT, NO_APPROVAL, policy=Policy(exemptions=(exemption,)), fail_on=Severity.MEDIUM)
    root = parse(report)
    (inputs,) = [s for s in root.findall("testsuite") if s.get("name") == "pipelint: inputs"]
    (expired,) = inputs.findall("testcase")
    assert expired.get("name") == "PL002 exemption-expired: webapp-*" and expired.get("file") == "policy.yaml"
    assert expired.find("failure").get("type") == "medium"
    assert counts(inputs) == (1, 1, 0, 0) and counts(root)[1] == 3 + 1  # PL101 in the 3 formats, and this
    # under the default fail_on (high), a medium finding does not fail the run, nor the case
    inputs = next(s for s in parse(dataclasses.replace(report, fail_on=Severity.HIGH)).findall("testsuite")
                  if s.get("name") == "pipelint: inputs")  # fmt: skip
    (expired,) = inputs.findall("testcase")
    assert counts(inputs) == (1, 0, 0, 0) and "medium PL002" in expired.find("system-out").text
    assert [p.get("value") for p in expired.iter("property")] == ["failed", "high"]


def test_a_malformed_file_is_an_error_case_among_the_inputs(tmp_path):
    (tmp_path / "broken.yaml").write_text("Resources:\n  Pipeline:\n    Type: AWS::CodePipeline::Pipeline\n"
                                          "    Properties: {Stages: [\n")  # fmt: skip
    copy_no_approval(tmp_path)
    report = lint_in(tmp_path, ".")
    root = parse(report)
    (inputs,) = [s for s in root.findall("testsuite") if s.get("name") == "pipelint: inputs"]
    (broken,) = inputs.findall("testcase")
    assert (broken.get("file"), broken.get("line")) == ("broken.yaml", "5")
    assert broken.get("name") == "PL000 broken.yaml"
    error = broken.find("error")
    assert error.get("type") == "PL000" and error.text.startswith("broken.yaml:5:1: error PL000 invalid YAML")
    assert counts(inputs) == (1, 0, 1, 0)
    assert counts(root) == tuple(a + b for a, b in zip(expected_counts(report.evaluations), (1, 0, 1, 0)))


def test_load_warnings_alone_do_not_make_an_error_case(tmp_path):
    template = copy_no_approval(tmp_path)
    lines = template.read_text().splitlines()
    lines[156] += "  # pipelint: ignore[PL101]"  # no reason: not applied, and a PL000 warning says so
    template.write_text("\n".join(lines) + "\n")
    root = parse(lint_in(tmp_path, "cloudformation.yaml", "targets.yaml"))
    (inputs,) = [s for s in root.findall("testsuite") if s.get("name") == "pipelint: inputs"]
    (warned,) = inputs.findall("testcase")
    assert warned.find("error") is None and "warning PL000" in warned.find("system-out").text
    assert counts(inputs) == (1, 0, 0, 0)


def test_a_crashing_rule_is_an_error_case():
    report = lint_in(ROOT, NO_APPROVAL, rules=(Exploding, *ALL_RULES))
    root = parse(report)
    # an error case in each of JSON, template and Terraform
    assert counts(root) == expected_counts(report.evaluations) and counts(root)[2] == 3
    error = case(root, "codepipeline.json", "PLX999 ").find("error")
    assert error.get("type") == "PL001" and "KeyError" in error.get("message") and "PL001" in error.text


def test_class_names_keep_unicode_letters_and_stay_apart_when_characters_are_dropped(tmp_path):
    source = SAMPLES / "02-prod-without-approval" / "codepipeline.json"
    for name in ("ünï©ødé-🚀.json", "ünï©ødé-🛸.json", "plain.json"):
        shutil.copy(source, tmp_path / name)
    root = parse(lint_in(tmp_path, "."))
    by_file = {c.get("file"): c.get("classname") for c in root.iter("testcase")}
    rocket, ufo = by_file["ünï©ødé-🚀.json"], by_file["ünï©ødé-🛸.json"]
    plain = by_file["plain.json"]
    assert rocket != ufo  # both were `n_d_-_json.webapp-no-approval`
    assert rocket.startswith("ünï_ødé-_json_") and rocket.endswith(".webapp-no-approval")
    assert plain == "plain_json.webapp-no-approval"  # nothing dropped but the dot: no hash
    again = parse(lint_in(tmp_path, "."))
    assert {c.get("file"): c.get("classname") for c in again.iter("testcase")} == by_file  # stable


def test_control_characters_are_left_out_and_the_rest_survives(samples_report):
    evaluation = next(e for e in samples_report.evaluations if e.outcome is Outcome.FAILED)
    noisy = dataclasses.replace(evaluation.findings[0], message="bad\x00 \x1b[31mred\x07 text\ufffe")
    report = dataclasses.replace(samples_report, evaluations=(
        dataclasses.replace(evaluation, findings=(noisy,), pipeline="pipe\x01line"),))  # fmt: skip
    root = parse(report)
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == "bad [31mred text"
    assert root.find("testsuite").get("name").endswith(" :: pipeline")


def test_the_output_is_deterministic(samples_report):
    assert render(samples_report, "junit") == render(samples_report, "junit")
