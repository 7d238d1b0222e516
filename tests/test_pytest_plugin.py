"""The pytest plugin (checker.pytest_plugin), driven as users drive it: pytest in a fresh process.

Each inner session runs in its own process (`runpytest_subprocess`), where the plugin is loaded by its
`pytest11` entry point, as it is for an installed pipelint.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from checker import api
from checker.model import Outcome, ProblemSeverity

pytest_plugins = ["pytester"]

SAMPLES = Path(__file__).resolve().parent.parent / "sample_pipelines"
NO_APPROVAL = "sample_pipelines/02-prod-without-approval"
CONDITIONS = "sample_pipelines/05-v2-rollback-and-conditions"
PL101 = "PL101-prod-deploy-without-approval"


@pytest.fixture(scope="module", autouse=True)
def _imported() -> None:
    """Lint once before any pytester test: pytester takes the modules a test imports out of sys.modules
    again, and PyYAML's C parser, which is not imported twice, would then build nodes of stale classes."""
    api.lint(str(SAMPLES))


@pytest.fixture
def samples(pytester: pytest.Pytester) -> Path:
    """The samples inside the inner session's rootdir, so that test ids start with `sample_pipelines/`."""
    copy = pytester.path / "sample_pipelines"
    shutil.copytree(SAMPLES, copy)
    return copy


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*args, timeout=60)


def expected(paths: str | list[str]) -> dict[str, int]:
    """What api.lint's evaluations and load problems should count as, by the mapping the README gives."""
    report = api.lint(paths)
    counts: Counter[str] = Counter()
    for evaluation in report.evaluations:
        blocking = any(f.active and f.severity >= report.fail_on for f in evaluation.findings)
        if evaluation.outcome is Outcome.ERROR or (evaluation.outcome is Outcome.FAILED and blocking):
            counts["failed"] += 1
        elif evaluation.outcome in (Outcome.NOT_APPLICABLE, Outcome.DISABLED, Outcome.UNKNOWN):
            counts["skipped"] += 1
        else:
            counts["passed"] += 1
    for problem in report.problems:
        counts["failed" if problem.severity is ProblemSeverity.ERROR else "passed"] += 1
    return {"passed": counts["passed"], "failed": counts["failed"], "skipped": counts["skipped"]}


def collected(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if "::" in line]


def test_the_compliant_sample_passes_through_the_entry_point(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--pipelint", str(SAMPLES / "01-compliant-three-accounts"), "-v")
    # JSON, template and Terraform: 17 rules pass and 2 are not applicable in each
    result.assert_outcomes(passed=3 * 17, skipped=3 * 2)
    assert expected(str(SAMPLES / "01-compliant-three-accounts")) == {"passed": 51, "failed": 0, "skipped": 6}
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([
        "plugins: *pipelint-*",  # loaded by its pytest11 entry point
        f"*/01-compliant-three-accounts/cloudformation.yaml::webapp-compliant::{PL101} PASSED*",
    ])  # fmt: skip


def test_a_finding_fails_its_test_with_the_finding_and_no_traceback(
    pytester: pytest.Pytester, samples: Path
) -> None:
    result = run(pytester, "--pipelint", NO_APPROVAL, "-rf")
    # JSON, template and Terraform: PL101 fails, 14 rules pass and 4 are not applicable in each
    result.assert_outcomes(passed=3 * 14, failed=3, skipped=3 * 4)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*_ PL101 prod-deploy-without-approval in webapp-no-approval _*",
        f"{NO_APPROVAL}/cloudformation.yaml:157:15: high PL101 *",
        "*_ PL101 prod-deploy-without-approval in webapp-no-approval _*",
        f"{NO_APPROVAL}/codepipeline.json:164:21: high PL101 *",
        "                        {",
        "                        ^",
        "",
        "How to fix (PL101 prod-deploy-without-approval):",
        "*_ PL101 prod-deploy-without-approval in webapp-no-approval _*",
        f"{NO_APPROVAL}/terraform/main.tf:161:5: high PL101 *",
        "        action {",
        "        ^",
        "",
        "How to fix (PL101 prod-deploy-without-approval):",
        f"FAILED {NO_APPROVAL}/cloudformation.yaml::webapp-no-approval::{PL101}*",
        f"FAILED {NO_APPROVAL}/codepipeline.json::webapp-no-approval::{PL101}*",
        f"FAILED {NO_APPROVAL}/terraform/main.tf::webapp-no-approval::{PL101}*",
    ])  # fmt: skip
    output = result.stdout.str()
    findings = api.lint(str(samples / "02-prod-without-approval")).findings
    (message,) = [f.message for f in findings if f.location.file.endswith("codepipeline.json")]
    assert f"codepipeline.json:164:21: high PL101 {message} [prod-deploy-without-approval]" in output
    assert "Traceback" not in output and "raise Findings" not in output and "pytest_plugin" not in output


def test_junitxml_has_one_testcase_per_evaluation(pytester: pytest.Pytester, samples: Path) -> None:
    run(pytester, "--pipelint", NO_APPROVAL, CONDITIONS, "--junitxml=out.xml")
    cases = ET.parse(pytester.path / "out.xml").getroot().findall(".//testcase")
    report = api.lint([str(pytester.path / NO_APPROVAL), str(pytester.path / CONDITIONS)])
    assert len(cases) == len(report.evaluations) == (3 + 3) * 19  # 02 and 05 in 3 formats each; 19 rules
    base = f"{pytester.path}/"
    by_case = {(f"{e.ref.file.removeprefix(base).replace('/', '.')}.{e.pipeline}", f"{e.code}-{e.name}"): e
               for e in report.evaluations}  # fmt: skip
    assert set(by_case) == {(c.get("classname"), c.get("name")) for c in cases}
    for case in cases:
        evaluation = by_case[(case.get("classname"), case.get("name"))]
        failure, skipped = case.find("failure"), case.find("skipped")
        outcome = case.find("properties/property[@name='pipelint_outcome']").get("value")
        assert outcome == evaluation.outcome.value
        if evaluation.outcome is Outcome.FAILED and evaluation.code == "PL101":
            assert failure is not None and skipped is None and "high PL101" in failure.text
        elif evaluation.outcome is Outcome.NOT_APPLICABLE:
            assert failure is None and skipped.get("message") == f"not applicable: {evaluation.reason}"
        elif evaluation.outcome is Outcome.UNKNOWN:
            assert failure is None and skipped.get("message") == f"unknown: {evaluation.reason}"
        else:  # passed, and 05's info-level PL501: below the default fail_on, so it passes
            assert failure is None and skipped is None, (case.get("name"), evaluation.outcome)


def test_k_selects_by_rule_or_by_pipeline(pytester: pytest.Pytester, samples: Path) -> None:
    report = api.lint(str(samples))
    by_rule = collected(run(pytester, "--pipelint", "sample_pipelines", "--co", "-q", "-k", "PL101"))
    # one per pipeline: 01-06 in 2 files each, 4 of them also in Terraform, and the 4 CI workflows of 07
    assert len(by_rule) == sum(1 for e in report.evaluations if e.code == "PL101") == 6 * 2 + 4 + 4
    assert all(nodeid.endswith(f"::{PL101}") for nodeid in by_rule)
    pipeline = run(pytester, "--pipelint", "sample_pipelines", "--co", "-q", "-k", "webapp-compliant")
    by_pipeline = collected(pipeline)
    assert len(by_pipeline) == 3 * len(report.rules) and all("/01-compliant-three-" in n for n in by_pipeline)
    first = f"sample_pipelines/01-compliant-three-accounts/cloudformation.yaml::webapp-compliant::{PL101}"
    assert by_pipeline[0] == first


def test_x_stops_at_the_first_failure(pytester: pytest.Pytester, samples: Path) -> None:
    result = run(pytester, "--pipelint", "sample_pipelines", "-x")
    compliant = expected(str(samples / "01-compliant-three-accounts"))
    # all of 01, then the first rule of 02
    result.assert_outcomes(passed=compliant["passed"], skipped=compliant["skipped"], failed=1)
    result.stdout.fnmatch_lines(["*stopping after 1 failures*"])


def test_xdist_gives_the_same_results_as_a_serial_run(pytester: pytest.Pytester, samples: Path) -> None:
    counts = expected(str(samples))
    # failed: the 14 findings at or above high; passed: 296 passed and the 7 info-level PL501 (a warning each:
    # 05 in 3 files and the 4 CI workflows); skipped: 57 not applicable and 6 unknown (05's PL401 and PL402)
    assert counts == {"passed": 296 + 3 + 4, "failed": 14, "skipped": 57 + 2 * 3}
    serial = run(pytester, "--pipelint", "sample_pipelines")
    parallel = run(pytester, "--pipelint", "sample_pipelines", "-n", "2")
    serial.assert_outcomes(**counts, warnings=3 + 4)
    parallel.assert_outcomes(**counts, warnings=3 + 4)
    parallel.stdout.fnmatch_lines(["*2 workers*", "*pipelint: 6 unknown verdicts*"])


def test_unknown_verdicts_are_skipped_and_listed_apart(pytester: pytest.Pytester, samples: Path) -> None:
    unknown = [e for e in api.lint(str(samples / "05-v2-rollback-and-conditions")).evaluations
               if e.outcome is Outcome.UNKNOWN]  # fmt: skip
    assert [e.code for e in unknown] == ["PL401"] * 3 + ["PL402"] * 3  # in JSON, template and Terraform
    result = run(pytester, "--pipelint", CONDITIONS, "-rs")
    # in each of the 3 files: 15 pass, PL501 (info) passes with a warning, PL304 is not applicable, 2 unknown
    result.assert_outcomes(passed=3 * (15 + 1), skipped=3 * (1 + 2), warnings=3)
    result.stdout.fnmatch_lines([
        "*= pipelint: 6 unknown verdicts =*",
        f"{CONDITIONS}/cloudformation.yaml::webapp-v2-rollback::PL401-all-at-once-prod-deploy",
        f"    {unknown[0].reason}",
        "The files do not decide these: lint the files they name as well.",
        "*short test summary info*",
        f"SKIPPED [[]2[]] {CONDITIONS}/cloudformation.yaml: unknown: the deployment strategy of action *",
    ])  # fmt: skip
    assert result.stdout.str().count("::PL40") == 6  # the six are listed, and nothing else is


def test_findings_below_fail_on_pass_with_a_warning(pytester: pytest.Pytester, samples: Path) -> None:
    warned = run(pytester, "--pipelint", CONDITIONS, "-k", "PL501")
    warned.assert_outcomes(passed=3, warnings=3)  # JSON, template and Terraform
    warned.stdout.fnmatch_lines(["*codepipeline.json:193: PipelintWarning: below fail_on (high)*",
                                 "*codepipeline.json:193:29: info PL501 *"])  # fmt: skip
    strict = run(pytester, "--pipelint", CONDITIONS, "-k", "PL501", "--pipelint-fail-on", "info")
    strict.assert_outcomes(failed=3)
    as_error = run(pytester, "--pipelint", CONDITIONS, "-k", "PL501",
                   "-W", "error::checker.pytest_plugin.PipelintWarning")  # fmt: skip
    as_error.assert_outcomes(failed=3)
    assert "Traceback" not in as_error.stdout.str() and "info PL501" in as_error.stdout.str()


def test_an_expired_exemption_is_a_test_in_the_policy_file(pytester: pytest.Pytester, samples: Path) -> None:
    pytester.path.joinpath("policy.yaml").write_text(
        "version: 1\nexemptions:\n"
        "  - {rule: PL101, pipeline: webapp-no-approval, reason: board, owner: ops, expires: 2020-01-01}\n"
    )
    result = run(pytester, "--pipelint", NO_APPROVAL, "--pipelint-policy", "policy.yaml",
                 "--pipelint-fail-on", "medium", "-k", "PL002 or PL101")  # fmt: skip
    result.assert_outcomes(failed=4)  # PL002 is medium; the PL101 findings (in 3 formats) are back
    result.stdout.fnmatch_lines([
        "*_ PL002 exemption-expired in webapp-no-approval _*",
        "policy.yaml:3:5: medium PL002 the exemption from PL101 for pipeline 'webapp-no-approval' *",
        "FAILED policy.yaml::webapp-no-approval::PL002-exemption-expired*",
    ])  # fmt: skip


def test_a_file_that_cannot_be_loaded_is_a_failing_pl000_item(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("infra").mkdir()
    pytester.path.joinpath("infra", "pipeline.yaml").write_text("Resources:\n  Pipeline: [\n")
    pytester.path.joinpath("infra", "pipeline.json").write_text('{"pipeline": ')
    result = run(pytester, "--pipelint", "infra", "-rf")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*_ PL000 infra/pipeline.json _*",
        "infra/pipeline.json:1:14: error PL000 invalid JSON: Expecting value",
        "*_ PL000 infra/pipeline.yaml _*",
        "infra/pipeline.yaml:3:1: error PL000 invalid YAML: *",
        "FAILED infra/pipeline.json::PL000 - *",
        "FAILED infra/pipeline.yaml::PL000 - *",
    ])  # fmt: skip
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_ini_options_name_the_paths_and_the_policy(pytester: pytest.Pytester, samples: Path) -> None:
    pytester.path.joinpath("policy.yaml").write_text("version: 1\nrules:\n  ignore: [PL101]\n")
    pytester.makeini(f"[pytest]\npipelint_paths =\n    {NO_APPROVAL}\npipelint_policy = policy.yaml\n")
    result = run(pytester, "-rs")
    result.assert_outcomes(passed=3 * 14, skipped=3 * (4 + 1))  # PL101 is disabled: no failure left
    disabled = "disabled: the policy does not select this rule"
    result.stdout.fnmatch_lines([f"SKIPPED [[]1[]] {NO_APPROVAL}/codepipeline.json: {disabled}"])
    # --pipelint wins over pipelint_paths, as arguments win over testpaths; the ini's policy still holds
    compliant = run(pytester, "--pipelint", "sample_pipelines/01-compliant-three-accounts")
    compliant.assert_outcomes(passed=3 * 16, skipped=3 * (2 + 1))


def test_a_bad_policy_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("pack.yaml").write_text("version: 1\nrules:\n  select: [PL999]\n")
    result = run(pytester, "--pipelint", str(SAMPLES / "02-prod-without-approval"),
                 "--pipelint-policy", "pack.yaml")  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: pipelint: pack.yaml:3:12: rules.select[[]0[]]: unknown rule code *"])
    assert "'PL999'" in result.stderr.str()
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_the_fixtures_lint_and_run_in_a_users_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(f"""
        import pytest
        from pathlib import Path

        SAMPLE = Path({str(SAMPLES / "01-compliant-three-accounts")!r})

        def test_lint(pipelint_lint):
            report = pipelint_lint(SAMPLE, "strict", select=["PL1"])
            assert report.exit_code == 0 and report.policy_name == "strict"
            assert {{e.code[:3] for e in report.evaluations if e.outcome.value != "disabled"}} == {{"PL1"}}

        def test_run(pipelint_run):
            pytest.importorskip("moto")
            trace = pipelint_run(SAMPLE, scenario=SAMPLE / "scenarios" / "release.yaml")
            assert trace.prod_artifact_matches_staging()
            assert trace.no_prod_action_before_approval()
    """)
    run(pytester).assert_outcomes(passed=2)


def test_without_the_option_nothing_is_collected_or_imported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import sys

        def test_the_plugin_is_loaded_but_idle(pytestconfig):
            assert pytestconfig.pluginmanager.has_plugin("pipelint")
            assert not pytestconfig.pluginmanager.has_plugin("pipelint-lint")
            assert [m for m in sys.modules if m.startswith("checker.")] == ["checker.pytest_plugin"]
    """)
    result = run(pytester, "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["collecting ... collected 1 item"])
