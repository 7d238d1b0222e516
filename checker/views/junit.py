"""JUnit XML for CI test dashboards: a test suite per pipeline, a test case per rule × pipeline.

Outcomes map onto what every JUnit consumer understands: failed → <failure>, a rule that crashed (PL001)
→ <error>, not applicable and disabled → <skipped>. Unknown is skipped too, but with an `outcome` property
and an "unknown:" message, so that nobody takes it for "does not apply". Exempted and passed are passing
cases that say why in <system-out>. Inputs that could not be loaded (PL000), expired exemptions (PL002) and
another tool's checks of whole files (cfn-lint's, `lint --cfn-lint`: a case per rule and file, as cfn-lint's
own JUnit has a case per rule) get their own suite, "pipelint: inputs".

A case fails as the exit code does: only for an active finding at or above `report.fail_on` (--fail-on). A
rule that failed with findings below it (an info-level PL501 under the default `high`, say) is a passing case
with the properties `outcome=failed` and `below_fail_on=<fail_on>` and its findings in <system-out>, so that
the dashboard is not red while pipelint exits 0. The same holds for an expired exemption (PL002).

Class names are dotted like Java's: folder, file and pipeline, each part kept as it is (Unicode letters and
digits too) but for `.`, which becomes `_`. A part that loses any other character gets a short hash of its
full text, so that `a🚀.json` and `a🛸.json` stay two classes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from checker.engine.report import Report, RuleInfo
from checker.model import Evaluation, Finding, LoadProblem, Outcome, ProblemSeverity, Severity
from checker.views.lint import how_to_fix, suppressed_note
from checker.views.matrix import LABEL, Row, rows

INPUTS = "pipelint: inputs"
COUNTED = ("failure", "error", "skipped")
# XML 1.0 allows tab, line feed, carriage return and these ranges; anything else cannot be written at all
FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(report: Report) -> str:
    root = ET.Element("testsuites", name="pipelint")
    suites = [_pipeline_suite(report, row) for row in rows(report)]
    inputs = _inputs_suite(report)
    root.extend(suites + ([inputs] if inputs is not None else []))
    _set_counts(root, [case for suite in root for case in suite.iter("testcase")])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def clean(text: object) -> str:
    """Text XML 1.0 can carry: control characters (an ANSI escape in a message, say) are dropped."""
    return FORBIDDEN.sub("", str(text))


def _element(tag: str, text: str | None = None, **attributes: object) -> ET.Element:
    element = ET.Element(tag, {key: clean(value) for key, value in attributes.items() if value is not None})
    if text:
        element.text = clean(text)
    return element


def _set_counts(element: ET.Element, cases: list[ET.Element]) -> None:
    element.set("tests", str(len(cases)))
    for tag, attribute in zip(COUNTED, ("failures", "errors", "skipped"), strict=True):
        element.set(attribute, str(sum(1 for case in cases if case.find(tag) is not None)))


# --- one suite per pipeline --------------------------------------------------------------------------------


def _pipeline_suite(report: Report, row: Row) -> ET.Element:
    suite = _element("testsuite", name=f"{row.file} :: {row.pipeline}")
    suite.extend(_case(report, evaluation) for evaluation in row.cells.values())
    _set_counts(suite, list(suite))
    return suite


def _case(report: Report, evaluation: Evaluation) -> ET.Element:
    case = _element("testcase", classname=_classname(evaluation.ref.file, evaluation.pipeline),
                    name=f"{evaluation.code} {evaluation.name}", file=evaluation.ref.file,
                    line=_line(report, evaluation))  # fmt: skip
    outcome = evaluation.outcome
    if outcome in (Outcome.UNKNOWN, Outcome.EXEMPTED):
        case.append(_properties(outcome=outcome.value))
    if outcome is Outcome.FAILED and _below_fail_on(report, evaluation.findings):
        case.extend(_passed_below(report, _failed(evaluation, report.rule(evaluation.code))[1]))
    elif outcome is Outcome.FAILED:
        message, text, worst = _failed(evaluation, report.rule(evaluation.code))
        case.append(_element("failure", text, message=message, type=worst.value))
    elif outcome is Outcome.ERROR:
        code = evaluation.findings[0].code if evaluation.findings else "error"
        text = _findings_text(evaluation.findings)
        case.append(_element("error", text, message=evaluation.reason, type=code))
    elif outcome is Outcome.UNKNOWN:
        case.append(_element("skipped", message=f"unknown: {evaluation.reason}"))
    elif outcome in (Outcome.NOT_APPLICABLE, Outcome.DISABLED):
        case.append(_element("skipped", message=evaluation.reason or LABEL[outcome]))
    elif outcome is Outcome.EXEMPTED:
        case.append(_element("system-out", _exempted_text(evaluation.findings)))
    elif evaluation.reason:  # passed: the evidence, for auditors
        case.append(_element("system-out", f"passed: {evaluation.reason}"))
    return case


def _classname(file: str, pipeline: str) -> str:
    """Dotted like a Java class, so dashboards group by folder, file and pipeline."""
    parts = [p for p in re.split(r"[/\\]", file) if p not in ("", ".", "..")] + [pipeline]
    return ".".join(_class_part(part) for part in parts)


def _class_part(part: str) -> str:
    """Letters and digits of any script, '-' and '_'; '.' would split the part, so it becomes '_'. When more
    is lost (an emoji, a space, a leading '_'), a hash of the whole part keeps two parts that differ apart."""
    composed = unicodedata.normalize("NFC", part)  # a decomposed 'ü' is one letter, not 'u' and a lost accent
    kept = re.sub(r"[^\w-]+", "_", composed).strip("_") or "_"
    if kept == composed.replace(".", "_"):
        return kept
    return f"{kept}_{hashlib.sha256(composed.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def _line(report: Report, evaluation: Evaluation) -> int | None:
    """The first active finding's line when it is in the pipeline's file, else the pipeline's own line."""
    for finding in _active(evaluation.findings):
        if finding.location is not None and finding.location.file == evaluation.ref.file:
            return finding.location.line
    where = report.workspace.locate(evaluation.ref)
    return where.line if where is not None else None


def _properties(**values: str) -> ET.Element:
    properties = _element("properties")
    properties.extend(_element("property", name=name, value=value) for name, value in values.items())
    return properties


def _below_fail_on(report: Report, findings: Iterable[Finding]) -> bool:
    """Whether the run passes despite these findings: some are active, none at or above `fail_on`."""
    active = _active(findings)
    return bool(active) and not report.blocks(active)


def _passed_below(report: Report, text: str) -> list[ET.Element]:
    """What a passing case with findings below `fail_on` holds: properties that say so, and the findings."""
    fail_on = report.fail_on.value
    said = f"failed below fail_on ({fail_on}), so the run does not fail on it:\n{text}"
    return [_properties(outcome=Outcome.FAILED.value, below_fail_on=fail_on), _element("system-out", said)]


def _failed(evaluation: Evaluation, rule: RuleInfo | None) -> tuple[str, str, Severity]:
    """A failed evaluation's message, its findings and how to fix them, and its worst severity."""
    active = _active(evaluation.findings) or list(evaluation.findings)
    worst = max((f.severity for f in active), default=rule.severity if rule else Severity.HIGH)
    message = active[0].message
    if len(active) > 1:
        message = f"{len(active)} findings; the first: {message}"
    text = _findings_text(active) + suppressed_note(evaluation.findings) + how_to_fix(rule)
    return message, text, worst


def _active(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.suppressed is None]


def _findings_text(findings: Iterable[Finding]) -> str:
    """One block per finding, as the text format has it: where, severity, code, message, then its notes."""
    lines = []
    for finding in findings:
        lines.append(f"{finding.where}: {finding.severity.value} {finding.code} "
                     f"{finding.message}")  # fmt: skip
        if finding.scenario:
            lines.append(f"    when {finding.scenario}")
        if finding.confidence.value != "high":
            lines.append(f"    {finding.confidence.value} confidence")
        for related in finding.related:
            at = f"{related.location}: " if related.location else ""
            lines.append(f"    note: {at}{related.message}")
    return "\n".join(lines)


def _exempted_text(findings: Iterable[Finding]) -> str:
    lines = ["exempted: the rule fails here, but every finding is suppressed:"]
    for finding in findings:
        suppression = finding.suppressed
        if suppression is None:
            continue
        facts = [f"owner {suppression.owner}"] if suppression.owner else []
        facts += [f"expires {suppression.expires}"] if suppression.expires else []
        facts += [f"written at {suppression.location}"] if suppression.location else []
        lines.append(f"{finding.where}: {finding.code} {finding.message}")
        lines.append(f"    suppressed ({suppression.kind.value}): {suppression.reason}"
                     + (f" ({', '.join(facts)})" if facts else ""))  # fmt: skip
    return "\n".join(lines)


# --- inputs: load problems and expired exemptions ----------------------------------------------------------


def _inputs_suite(report: Report) -> ET.Element | None:
    by_file: dict[str, list[LoadProblem]] = {}
    for problem in report.problems:
        by_file.setdefault(problem.file, []).append(problem)
    expired = [f for f in report.findings if f.code == "PL002"]
    checked = _file_checks(report)
    if not by_file and not expired and not checked:
        return None
    suite = _element("testsuite", name=INPUTS)
    suite.extend(_problem_case(file, problems) for file, problems in by_file.items())
    suite.extend(_expired_case(report, finding) for finding in expired)
    suite.extend(_file_check_case(report, findings) for findings in checked)
    _set_counts(suite, list(suite))
    return suite


def _problem_case(file: str, problems: list[LoadProblem]) -> ET.Element:
    """A file with a load error is an error case; one with warnings only passes, with them in its output."""
    line = next((p.line for p in problems if p.line is not None), None)
    case = _element("testcase", classname="pipelint.inputs", name=f"PL000 {file}", file=file, line=line)
    text = "\n".join(f"{p.where}: {p.severity.value} {p.code} {p.message}" for p in problems)
    errors = [p for p in problems if p.severity is ProblemSeverity.ERROR]
    if errors:
        case.append(_element("error", text, message=errors[0].message, type=errors[0].code))
    else:
        case.append(_element("system-out", text))
    return case


def _expired_case(report: Report, finding: Finding) -> ET.Element:
    line = finding.location.line if finding.location is not None else None
    case = _element("testcase", classname="pipelint.inputs", name=f"{finding.code} {finding.name}: "
                    f"{finding.pipeline}", file=finding.ref.file, line=line)  # fmt: skip
    if _below_fail_on(report, [finding]):
        case.extend(_passed_below(report, _findings_text([finding])))
    else:
        case.append(_element("failure", _findings_text([finding]), message=finding.message,
                             type=finding.severity.value))  # fmt: skip
    return case


def _file_checks(report: Report) -> list[list[Finding]]:
    """The findings of no rule × pipeline evaluation (cfn-lint's), PL002 aside, grouped by rule and file."""
    evaluated = {id(f) for e in report.evaluations for f in e.findings}
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in report.findings:
        if finding.code != "PL002" and id(finding) not in evaluated:
            groups.setdefault((finding.code, finding.ref.file), []).append(finding)
    return list(groups.values())


def _file_check_case(report: Report, findings: list[Finding]) -> ET.Element:
    first = findings[0]
    active = _active(findings)
    line = next((f.location.line for f in active or findings if f.location is not None), None)
    case = _element("testcase", classname="pipelint.inputs", name=f"{first.code} {first.name}: {first.ref.file}",
                    file=first.ref.file, line=line)  # fmt: skip
    if not active:
        case.append(_element("system-out", _exempted_text(findings)))
    elif _below_fail_on(report, active):
        case.extend(_passed_below(report, _findings_text(active) + suppressed_note(findings)))
    else:
        message = active[0].message if len(active) == 1 else f"{len(active)} findings; the first: {active[0].message}"
        text = _findings_text(active) + suppressed_note(findings) + how_to_fix(report.rule(first.code))
        case.append(_element("failure", text, message=message, type=max(f.severity for f in active).value))
    return case
