"""SARIF output: valid against the official 2.1.0 schema, the results the sample README promises, GitHub's
constraints (fingerprints that survive reformatting, security-severity bands, caps), suppressions, PL000 and
PL001, and file URIs."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import json
import os
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from checker.engine.run import lint
from checker.load import load_workspace
from checker.loaders.base import LoadOptions
from checker.model import Related, Severity, SourceRef
from checker.policy.model import Exemption, Policy
from checker.rules import ALL_RULES
from checker.views import sarif
from checker.views.formats import render
from tests.conftest import ROOT, SAMPLES
from tests.doubles import Exploding

SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
NO_APPROVAL = SAMPLES / "02-prod-without-approval"
TODAY = datetime.date(2026, 1, 1)
# GitHub's bands for security-severity: (lowest, highest) per severity; info means "no security severity"
BANDS = {"critical": (9.01, 10.0), "high": (7.0, 8.9), "medium": (4.0, 6.9), "low": (0.1, 3.9),
         "info": (0.0, 0.0)}  # fmt: skip
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    if not SCHEMA.is_file():
        pytest.skip(f"the SARIF schema is not beside the project ({SCHEMA})")
    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def lint_in(folder: Path, *paths: str, policy: Policy | None = None, **kwargs):
    """Lint with paths relative to `folder`, as a user working there gives them."""
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return lint(load_workspace(list(paths), LoadOptions()), policy or Policy(), today=TODAY, **kwargs)
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def samples_report():
    return lint_in(ROOT, "sample_pipelines")


def as_sarif(report) -> dict:
    text = render(report, "sarif")
    assert text.endswith("}\n")
    return json.loads(text)


def run_of(report) -> dict:
    (run,) = as_sarif(report)["runs"]
    return run


def assert_valid(validator, document: dict) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def region(result: dict) -> dict:
    return result["locations"][0]["physicalLocation"]["region"]


def uri(result: dict) -> str:
    return result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def fingerprint(result: dict) -> str:
    return result["partialFingerprints"]["pipelintFindingHash/v1"]


def copy_no_approval(tmp_path: Path) -> Path:
    for name in ("cloudformation.yaml", "targets.yaml"):
        shutil.copy(NO_APPROVAL / name, tmp_path / name)
    return tmp_path / "cloudformation.yaml"


# --- schema ------------------------------------------------------------------------------------------------


def test_the_samples_give_valid_sarif_and_the_validator_would_notice_otherwise(validator, samples_report):
    document = as_sarif(samples_report)
    assert document["version"] == "2.1.0"
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert_valid(validator, document)
    broken = copy.deepcopy(document)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    del broken["runs"][0]["tool"]["driver"]["name"]
    assert len(list(validator.iter_errors(broken))) == 2


@pytest.mark.corpus
def test_the_whole_corpus_gives_valid_sarif_with_its_load_problems(validator, corpus):
    report = lint_in(ROOT, str(corpus))
    document = as_sarif(report)
    assert_valid(validator, document)
    (run,) = document["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(report.findings) + len(report.problems)
    for result in run["results"]:  # every result names the descriptor it points at
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert " " not in uri(result) and "{" not in uri(result)  # percent-encoded
    assert {r["ruleId"] for r in run["results"] if r["level"] == "error"} >= {"PL000"}
    assert run["invocations"][0]["executionSuccessful"] is False and run["invocations"][0]["exitCode"] == 2


# --- what the samples give ---------------------------------------------------------------------------------

# (rule, level) of each result, per sample and file: sample_pipelines/README.md. In 01-06 every format of the
# pipeline gives the same results; 01, 02, 04 and 05 are also Terraform modules
BOTH = ("cloudformation.yaml", "codepipeline.json")
WITH_TERRAFORM = (*BOTH, "terraform/main.tf")
EXPECTED = {
    "01-compliant-three-accounts": dict.fromkeys(WITH_TERRAFORM, []),
    "02-prod-without-approval": dict.fromkeys(WITH_TERRAFORM, [("PL101", "error")]),
    "03-prod-shares-staging-account": dict.fromkeys(BOTH, [("PL201", "error")]),
    "04-prod-all-at-once-no-rollback": dict.fromkeys(WITH_TERRAFORM, [("PL301", "error"),
                                                                      ("PL401", "error")]),
    "05-v2-rollback-and-conditions": dict.fromkeys(WITH_TERRAFORM, [("PL501", "note")]),
    "06-sam-lambda-canary": dict.fromkeys(BOTH, []),
    "07-ci-workflows": {
        "github/release.yml": [("PL501", "note")],
        "github/hotfix.yml": [("PL101", "error"), ("PL104", "error"), ("PL501", "note")],
        "gitlab/release.gitlab-ci.yml": [("PL501", "note")],
        "gitlab/manual-gate-does-not-block.gitlab-ci.yml": [("PL101", "error"), ("PL501", "note")],
    },
}


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_each_sample_gives_the_results_its_readme_lists(samples_report, scenario):
    got = Counter((uri(r).split(f"/{scenario}/", 1)[1], r["ruleId"], r["level"])
                  for r in run_of(samples_report)["results"] if f"/{scenario}/" in uri(r))  # fmt: skip
    expected = Counter((file, rule, level) for file, results in EXPECTED[scenario].items()
                       for rule, level in results)  # fmt: skip
    assert got == expected


def test_the_missing_approval_is_reported_at_the_prod_deploy_action(samples_report):
    results = {uri(r): r for r in run_of(samples_report)["results"] if r["ruleId"] == "PL101"}
    template = "sample_pipelines/02-prod-without-approval/cloudformation.yaml"
    # line 157 is the first action of the DeployProd stage
    assert (ROOT / template).read_text().splitlines()[156].strip() == "- Name: Deploy"
    # the action's mapping runs to the end of line 177 (its span ends at 178:1, before the next key)
    assert region(results[template]) == {"startLine": 157, "startColumn": 15, "endLine": 177}
    artifact = results[template]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": template, "uriBaseId": "%SRCROOT%"}
    as_json = "sample_pipelines/02-prod-without-approval/codepipeline.json"
    assert region(results[as_json]) == {"startLine": 164, "startColumn": 21, "endLine": 191, "endColumn": 22}
    module = "sample_pipelines/02-prod-without-approval/terraform/main.tf"
    assert (ROOT / module).read_text().splitlines()[159:161] == ['    name = "DeployProd"', "    action {"]
    assert region(results[module]) == {"startLine": 161, "startColumn": 5, "endLine": 172, "endColumn": 6}
    assert results[template]["properties"]["path"] == "/Resources/Pipeline/Properties/Stages/4/Actions/0"
    assert results[template]["properties"]["pipeline"] == "webapp-no-approval"
    logical = results[template]["locations"][0]["logicalLocations"]
    assert [entry.get("fullyQualifiedName", entry["name"]) for entry in logical] == [
        "webapp-no-approval", "/Resources/Pipeline/Properties/Stages/[DeployProd]/Actions/[Deploy]"]  # fmt: skip


def test_related_places_become_linked_related_locations(samples_report):
    file = "04-prod-all-at-once-no-rollback/codepipeline.json"
    (result,) = [r for r in run_of(samples_report)["results"]
                 if r["ruleId"] == "PL401" and uri(r).endswith(file)]  # fmt: skip
    (related,) = result["relatedLocations"]
    assert related["id"] == 1 and related["physicalLocation"]["region"]["startLine"] == 44
    assert related["physicalLocation"]["artifactLocation"]["uri"].endswith("/targets.yaml")
    assert "when Environment=prod" in related["message"]["text"]
    assert result["message"]["text"].endswith("](1).")


def test_related_places_are_capped_at_what_github_shows(samples_report, monkeypatch):
    monkeypatch.setattr(sarif, "MAX_RELATED", 2)
    finding = next(f for f in samples_report.findings if f.code == "PL101")
    many = tuple(Related(f"place {n}", SourceRef(finding.ref.file, ("Resources",))) for n in range(5))
    report = dataclasses.replace(samples_report, findings=(dataclasses.replace(finding, related=many),))
    (result,) = run_of(report)["results"]
    assert [r["id"] for r in result["relatedLocations"]] == [1, 2]
    assert "3 more related places are left out" in result["message"]["text"]


def test_rules_carry_what_github_needs_and_only_the_enabled_ones(samples_report):
    rules = run_of(samples_report)["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in samples_report.rules if r.enabled]
    for descriptor, info in zip(rules, samples_report.rules, strict=True):
        assert descriptor["name"] == info.name and descriptor["helpUri"] == info.help_uri
        for text in (descriptor["shortDescription"]["text"], descriptor["fullDescription"]["text"]):
            assert 0 < len(text) <= 1024
        assert descriptor["help"]["text"] and descriptor["help"]["markdown"] == info.docs
        assert descriptor["defaultConfiguration"]["level"] == LEVELS[info.severity.value]
        low, high = BANDS[info.severity.value]
        assert low <= float(descriptor["properties"]["security-severity"]) <= high, info.code
        assert "security" in descriptor["properties"]["tags"] and len(descriptor["properties"]["tags"]) <= 10
    driver = run_of(samples_report)["tool"]["driver"]
    assert driver["name"] == "pipelint" and driver["semanticVersion"] and driver["informationUri"]


def test_the_policy_severity_and_selection_decide_levels_and_descriptors():
    report = lint_in(ROOT, str(NO_APPROVAL.relative_to(ROOT)),
                     policy=Policy(severity={"PL101": Severity.LOW}, ignore=("PL102",)))  # fmt: skip
    run = run_of(report)
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "PL102" not in ids and "PL101" in ids
    descriptor = run["tool"]["driver"]["rules"][ids.index("PL101")]
    assert descriptor["defaultConfiguration"]["level"] == "note"
    assert 0.1 <= float(descriptor["properties"]["security-severity"]) <= 3.9
    expected = {("PL101", "note", ids.index("PL101"))}
    assert {(r["ruleId"], r["level"], r["ruleIndex"]) for r in run["results"]} == expected


def test_the_output_is_deterministic_and_holds_no_machine_path(samples_report):
    text = render(samples_report, "sarif")
    assert text == render(samples_report, "sarif")
    assert str(ROOT) not in text and "file://" not in text


def test_a_scenario_is_in_the_message_the_properties_and_the_fingerprint(samples_report):
    finding = next(f for f in samples_report.findings if f.code == "PL101")
    when = dataclasses.replace(finding, scenario="Environment=prod")
    plain, scenario = run_of(dataclasses.replace(samples_report, findings=(finding, when)))["results"]
    assert scenario["message"]["text"] == finding.message + " when Environment=prod"
    assert scenario["properties"]["scenario"] == "Environment=prod" and "scenario" not in plain["properties"]
    assert fingerprint(plain) != fingerprint(scenario)


# --- fingerprints ------------------------------------------------------------------------------------------


def test_fingerprints_survive_lines_inserted_above_while_regions_move(tmp_path):
    template = copy_no_approval(tmp_path)

    def results():
        run = run_of(lint_in(tmp_path, "cloudformation.yaml", "targets.yaml"))
        return {r["ruleId"]: r for r in run["results"]}

    before = results()
    template.write_text("# reformatted\n\n# by someone else\n" + template.read_text())
    after = results()
    assert set(before) == set(after) == {"PL101"}
    assert fingerprint(after["PL101"]) == fingerprint(before["PL101"])
    assert region(after["PL101"])["startLine"] == region(before["PL101"])["startLine"] + 3
    assert "primaryLocationLineHash" not in after["PL101"]["partialFingerprints"]  # GitHub computes that one


def test_fingerprints_differ_between_findings_and_repeat_with_a_count(samples_report):
    results = run_of(samples_report)["results"]
    assert len({fingerprint(r) for r in results}) == len(results)
    finding = samples_report.findings[0]
    twice = run_of(dataclasses.replace(samples_report, findings=(finding, finding)))["results"]
    first, second = (fingerprint(r) for r in twice)
    assert first.endswith(":1") and second == first[:-1] + "2"


# --- suppressions ------------------------------------------------------------------------------------------


def test_an_inline_ignore_is_an_in_source_suppression_where_it_is_written(tmp_path):
    template = copy_no_approval(tmp_path)
    lines = template.read_text().splitlines()
    lines.insert(156, "            # pipelint: ignore[PL101] the change board approves every prod release")
    template.write_text("\n".join(lines) + "\n")
    (result,) = run_of(lint_in(tmp_path, "cloudformation.yaml", "targets.yaml"))["results"]
    (suppression,) = result["suppressions"]
    assert suppression["kind"] == "inSource" and suppression["status"] == "accepted"
    assert suppression["justification"] == "the change board approves every prod release"
    assert suppression["location"]["physicalLocation"]["region"]["startLine"] == 157
    assert result["level"] == "error" and region(result)["startLine"] == 158


def test_a_policy_exemption_is_an_external_suppression_with_owner_and_expiry():
    exemption = Exemption(rule="PL101", pipeline="webapp-*", reason="approved in the change board",
                          owner="team-payments", expires=datetime.date(2026, 6, 30),
                          ref=SourceRef("policy.yaml", ("exemptions", 0)))  # fmt: skip
    report = lint_in(ROOT, str(NO_APPROVAL.relative_to(ROOT)), policy=Policy(exemptions=(exemption,)))
    results = [r for r in run_of(report)["results"] if r["ruleId"] == "PL101"]
    assert len(results) == 3  # JSON, template and Terraform
    for result in results:
        (suppression,) = result["suppressions"]
        assert suppression["kind"] == "external" and suppression["status"] == "accepted"
        assert suppression["justification"] == (
            "approved in the change board (owner team-payments, expires 2026-06-30, exemption)")


def test_an_expired_exemption_is_a_pl002_result_described_by_the_run(validator):
    exemption = Exemption(rule="PL101", pipeline="webapp-*", reason="approved", owner="team-payments",
                          expires=datetime.date(2025, 12, 31),
                          ref=SourceRef("policy.yaml", ("exemptions", 0)))  # fmt: skip
    policy = Policy(exemptions=(exemption,))
    document = as_sarif(lint_in(ROOT, str(NO_APPROVAL.relative_to(ROOT)), policy=policy))
    assert_valid(validator, document)
    (run,) = document["runs"]
    (expired,) = [r for r in run["results"] if r["ruleId"] == "PL002"]
    descriptor = run["tool"]["driver"]["rules"][expired["ruleIndex"]]
    assert descriptor["id"] == "PL002" and descriptor["name"] == "exemption-expired"
    assert expired["level"] == "warning"
    assert 4.0 <= float(descriptor["properties"]["security-severity"]) <= 6.9
    assert all("suppressions" not in r for r in run["results"])


# --- PL000, PL001, caps, URIs ------------------------------------------------------------------------------


def test_a_malformed_file_is_a_pl000_error_at_its_line(tmp_path, validator):
    (tmp_path / "broken.yaml").write_text("Resources:\n  Pipeline:\n    Type: AWS::CodePipeline::Pipeline\n"
                                          "    Properties: {Stages: [\n")  # fmt: skip
    copy_no_approval(tmp_path)
    document = as_sarif(lint_in(tmp_path, "."))
    assert_valid(validator, document)
    (run,) = document["runs"]
    (problem,) = [r for r in run["results"] if r["ruleId"] == "PL000"]
    assert problem["level"] == "error" and uri(problem) == "broken.yaml" and region(problem)["startLine"] == 5
    assert run["tool"]["driver"]["rules"][problem["ruleIndex"]]["name"] == "input-not-loaded"
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    (note,) = invocation["toolExecutionNotifications"]
    assert note["associatedRule"]["id"] == "PL000" and note["level"] == "error"
    assert {r["ruleId"] for r in run["results"]} == {"PL000", "PL101"}  # the other file is still checked


def test_without_load_errors_the_run_succeeds_and_lists_no_pl000(samples_report):
    run = run_of(samples_report)
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]
    assert run["columnKind"] == "unicodeCodePoints"
    assert not {"PL000", "PL001", "PL002"} & {r["id"] for r in run["tool"]["driver"]["rules"]}


def test_a_crashing_rule_is_a_pl001_error_and_an_unsuccessful_run(validator):
    report = lint_in(ROOT, str(NO_APPROVAL.relative_to(ROOT)), rules=(Exploding, *ALL_RULES))
    document = as_sarif(report)
    assert_valid(validator, document)
    (run,) = document["runs"]
    crashes = [r for r in run["results"] if r["ruleId"] == "PL001"]
    assert len(crashes) == 3 and {r["level"] for r in crashes} == {"error"}  # one per pipeline: 3 formats
    assert "KeyError" in crashes[0]["message"]["text"]
    assert run["tool"]["driver"]["rules"][crashes[0]["ruleIndex"]]["name"] == "rule-failed"
    assert run["invocations"][0]["executionSuccessful"] is False
    assert len(run["invocations"][0]["toolExecutionNotifications"]) == 3


def test_results_are_capped_at_githubs_limit_keeping_the_most_severe(samples_report, monkeypatch, validator):
    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    document = as_sarif(samples_report)
    assert_valid(validator, document)
    (run,) = document["runs"]
    assert len(run["results"]) == 3 and {r["level"] for r in run["results"]} == {"error"}
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith(f"{len(samples_report.findings) - 3} results are left out")


def test_an_absolute_path_is_a_percent_encoded_file_uri(tmp_path, validator):
    folder = tmp_path / "my pipelines {prod}"
    folder.mkdir()
    copy_no_approval(folder)
    document = as_sarif(lint(load_workspace([str(folder)], LoadOptions()), Policy(), today=TODAY))
    assert_valid(validator, document)
    (result,) = document["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert "uriBaseId" not in location and location["uri"].startswith("file:///")
    assert "my%20pipelines%20%7Bprod%7D" in location["uri"]
    assert unquote(location["uri"][len("file://"):]) == (folder / "cloudformation.yaml").as_posix()


def test_a_relative_path_is_percent_encoded_and_stays_relative():
    expected = {"uri": "infra/a%20b/%7Bx%7D.yaml", "uriBaseId": "%SRCROOT%"}
    assert sarif._artifact("./infra/a b/{x}.yaml") == expected
    assert sarif._artifact("odd:name.yaml")["uri"] == "odd%3Aname.yaml"  # not read as a URI scheme
