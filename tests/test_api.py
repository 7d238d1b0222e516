"""The Python API (checker.api) and the Report's and trace's records and DataFrames."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker import api
from checker.engine.records import EVALUATION_COLUMNS, FINDING_COLUMNS
from checker.model import Outcome
from checker.policy.errors import PolicyError

SAMPLES = Path(__file__).resolve().parent.parent / "sample_pipelines"
NO_APPROVAL = str(SAMPLES / "02-prod-without-approval")


def test_lint_finds_what_the_cli_finds_and_records_are_flat() -> None:
    report = api.lint(NO_APPROVAL)
    records = report.to_records()
    assert len(records) == len(report.findings) and records
    assert all(tuple(r) == FINDING_COLUMNS for r in records)
    assert all(isinstance(v, (str, int, bool, type(None))) for r in records for v in r.values())
    first = report.findings[0]
    assert records[0]["code"] == first.code == "PL101" and records[0]["line"] == first.location.line
    assert records[0]["file"] == first.location.file and records[0]["severity"] == "high"
    assert records[0]["suppressed"] is None


def test_evaluation_records_carry_the_outcome_and_the_rules_severity() -> None:
    report = api.lint(NO_APPROVAL, policy="strict")
    rows = report.to_records("evaluations")
    assert len(rows) == len(report.evaluations) and all(tuple(r) == EVALUATION_COLUMNS for r in rows)
    pl101 = [r for r in rows if r["code"] == "PL101"]
    assert {r["outcome"] for r in pl101} == {Outcome.FAILED.value}
    assert {r["severity"] for r in pl101} == {report.rule("PL101").severity.value}
    with pytest.raises(ValueError, match="kind must be one of findings, evaluations"):
        report.to_records("rules")


def test_select_and_ignore_work_as_on_the_command_line() -> None:
    only = api.lint(NO_APPROVAL, select=["PL1"], ignore=["PL101"])
    enabled = {r.code for r in only.rules if r.enabled}
    assert enabled and all(code.startswith("PL1") for code in enabled) and "PL101" not in enabled
    assert not [f for f in only.findings if f.code == "PL101"]


def test_a_bad_policy_raises_with_its_location(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text("version: 1\nrules:\n  select: [PL999]\n")
    with pytest.raises(PolicyError) as caught:
        api.lint(NO_APPROVAL, policy=str(pack))
    assert caught.value.line == 3 and "PL999" in caught.value.message


def test_dataframes_have_the_columns_even_when_empty() -> None:
    pandas = pytest.importorskip("pandas")
    report = api.lint(NO_APPROVAL)
    frame = report.to_dataframe()
    assert isinstance(frame, pandas.DataFrame) and list(frame.columns) == list(FINDING_COLUMNS)
    assert len(frame) == len(report.findings)
    clean = api.lint(str(SAMPLES / "01-compliant-three-accounts"), select=["PL101"])
    assert list(clean.to_dataframe().columns) == list(FINDING_COLUMNS) and clean.to_dataframe().empty
    assert list(report.to_dataframe("evaluations").columns) == list(EVALUATION_COLUMNS)


def test_choose_names_the_pipelines_when_the_choice_is_not_clear() -> None:
    workspace = api.load(str(SAMPLES))
    # six CodePipeline names (01-06, whatever their formats) and the four CI workflows of 07
    names = (
        "manual-gate-does-not-block.gitlab-ci.yml, orders-api hotfix, orders-api release, "
        "release.gitlab-ci.yml, serverless-canary, webapp-all-at-once, webapp-compliant, webapp-no-approval, "
        "webapp-shared-account, webapp-v2-rollback"
    )
    message = f"the paths define 10 pipelines; choose one by name: {names}"
    with pytest.raises(ValueError, match=re.escape(message)):
        api.choose(workspace)
    with pytest.raises(ValueError, match="no pipeline named 'nope'"):
        api.choose(workspace, "nope")
    assert api.choose(workspace, "webapp-compliant").format.value == "codepipeline-json"


def test_run_returns_a_trace_whose_records_follow_the_actions() -> None:
    pytest.importorskip("moto")
    sample = SAMPLES / "01-compliant-three-accounts"
    trace = api.run(str(sample), scenario=str(sample / "scenarios" / "release.yaml"))
    rows = trace.to_records()
    actions = [run for execution in trace.executions for run in execution.actions]
    assert [(r["stage"], r["action"], r["start"]) for r in rows] == [(a.stage, a.action, a.start) for a in actions]
    prod = [r for r in rows if r["tier"] == "prod" and r["deploys"]]
    assert prod and {r["account"] for r in prod} == {"333333333333"} and prod[0]["inputs"].startswith("sha256:")
    pandas = pytest.importorskip("pandas")
    frame = trace.to_dataframe()
    assert str(frame["start"].dtype) == "datetime64[ns, UTC]" and len(frame) == len(rows)
    assert (frame["end"] >= frame["start"]).all()
    assert frame["start"].iloc[0] == pandas.Timestamp("2026-01-06T10:00:00Z")
