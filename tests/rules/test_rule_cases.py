"""One harness for every rule's case file (tests/rules/cases/plNNN.yaml).

A case file:

    rule: PL101
    cases:
      - name: what the case shows
        outcome: failed            # passed | failed | not-applicable | unknown: every pipeline's evaluation
        params: {Environment: prod}          # optional: template parameter values (--param)
        options: {min_wait_minutes: 120}     # optional: the rule's settings, as a policy would give them
        protected_environments: [production] # optional: the policy's CI environments that wait for reviewers
        files:                                # written to a temporary folder, linted together
          pipeline.json: |
            {...}
        findings:                             # failed cases: exactly these, by file and model path
          - {file: pipeline.json, path: /pipeline/stages/3/actions/0, line: 40, message: "without a manual approval"}

`message` is a substring the finding's message must contain; `line` is optional. Each finding must point at
exactly the given path, so the harness shows where a rule reports, in every format.

A case that shows a known wrong behaviour keeps the correct expectation and says why it fails today:
`xfail: "the reason"` (strict: the case fails the run once the behaviour is fixed, so the mark is removed).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from checker.analysis.environment import EnvironmentMap
from checker.engine.run import lint
from checker.load import load_workspace
from checker.loaders.base import LoadOptions
from checker.model import Outcome
from checker.policy.model import Policy
from checker.rules import ALL_RULES

CASES = Path(__file__).parent / "cases"


def case_files() -> dict[str, dict]:
    return {path.stem.upper(): yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(CASES.glob("pl*.yaml"))}


FILES = case_files()
ALL_CASES = [(code, case) for code, data in FILES.items() for case in data["cases"]]
PARAMS = [
    pytest.param(code, case, id=f"{code}-{case['name']}",
                 marks=[pytest.mark.xfail(reason=case["xfail"], strict=True)] if case.get("xfail") else [])
    for code, case in ALL_CASES
]  # fmt: skip


def run_case(code: str, case: dict, tmp_path: Path):
    for name, content in case["files"].items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    options = LoadOptions(parameters={str(k): str(v) for k, v in (case.get("params") or {}).items()})
    workspace = load_workspace([str(tmp_path)], options)
    assert not workspace.has_errors, [str(p) for p in workspace.problems]
    protected = case.get("protected_environments")
    environments = EnvironmentMap(protected=None if protected is None else tuple(protected))
    policy = Policy(select=(code,), settings={code: case.get("options") or {}}, environments=environments)
    report = lint(workspace, policy)
    return [e for e in report.evaluations if e.code == code]


@pytest.mark.parametrize(("code", "case"), PARAMS)
def test_case(code: str, case: dict, tmp_path: Path):
    evaluations = run_case(code, case, tmp_path)
    assert evaluations, "no pipeline was loaded"
    outcomes = {e.pipeline: e.outcome.value for e in evaluations}
    assert set(outcomes.values()) == {case["outcome"]}, [(e.pipeline, e.outcome.value, e.reason) for e in evaluations]
    found = sorted(
        (str(Path(f.ref.file).relative_to(tmp_path)), f.ref.pointer(), f.location.line if f.location else None, f.message)
        for e in evaluations for f in e.findings
    )
    expected = case.get("findings") or []
    assert [(file, path) for file, path, _, _ in found] == sorted((f["file"], f["path"]) for f in expected), found
    for want in expected:
        (got,) = [f for f in found if (f[0], f[1]) == (want["file"], want["path"])]
        if "line" in want:
            assert got[2] == want["line"], got
        if "message" in want:
            assert want["message"] in got[3], got


def test_every_rule_has_a_case_file_with_passing_and_failing_cases():
    for rule in ALL_RULES:
        data = FILES.get(rule.code)
        assert data is not None, f"{rule.code} has no case file tests/rules/cases/{rule.code.lower()}.yaml"
        assert data["rule"] == rule.code
        outcomes = {case["outcome"] for case in data["cases"] if not case.get("xfail")}
        assert {"passed", "failed"} <= outcomes, f"{rule.code} needs a passing and a failing case"


def test_every_rule_is_covered_in_both_pipeline_formats():
    for rule in ALL_RULES:
        names = " ".join(n for case in FILES.get(rule.code, {}).get("cases", []) for n in case["files"])
        assert ".json" in names and (".yaml" in names or ".yml" in names), f"{rule.code} needs JSON and CloudFormation cases"


def test_the_outcomes_are_the_known_ones():
    assert {case["outcome"] for _, case in ALL_CASES} <= {o.value for o in Outcome}
