"""`pipelint lint` output: findings as text for people, and the whole Report as JSON for machines.

Pure functions of the Report (the text form also quotes the source line of each finding).
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from checker import __version__
from checker.engine.overview import PipelineOverview
from checker.engine.report import Report, RuleInfo
from checker.model import Finding, Outcome, Severity
from checker.views.jsonable import place, plain, problem_json
from checker.views.problems import problems_text, quoted
from checker.views import show
from checker.views.style import Style
from checker.views.visible import one_line

REPORT_SCHEMA_VERSION = 1


def text(report: Report, style: Style, *, show_unknown: bool = True) -> str:
    lines: list[str] = []
    if report.problems:
        lines += [problems_text(report.problems, style), ""]
    labels: dict[str, set[str]] = {}
    for item in (*report.evaluations, *report.active):  # a reusable workflow's findings may come from two callers
        labels.setdefault(item.ref.file, set()).add(item.pipeline)
    for finding in report.active:  # where a file holds several pipelines (for_each, two in a template), say which
        lines += finding_lines(finding, style, named=len(labels.get(finding.ref.file, ())) > 1)
    unknown = [e for e in report.evaluations if e.outcome is Outcome.UNKNOWN]
    if unknown and show_unknown:
        lines += ["", style.bold("Unknown: the files do not decide these (pass --param, or scan the missing files):")]
        for evaluation in unknown:
            lines.append(one_line(f"  {evaluation.ref.file}: {evaluation.code} {evaluation.name} in "
                                   f"'{evaluation.pipeline}': {evaluation.reason}"))  # fmt: skip
    if not report.workspace.pipelines:
        lines.append(show.summary(report.workspace))
    lines += ["", summary(report)]
    return "\n".join(lines).lstrip("\n") + "\n"


def how_to_fix(rule: RuleInfo | None) -> str:
    """The rule's remediation, to put after a failure's findings ("" when the rule has none)."""
    if rule is None or not rule.remediation:
        return ""
    return f"\n\nHow to fix ({rule.code} {rule.name}):\n{rule.remediation}\nMore: {rule.help_uri}"


def suppressed_note(findings: Sequence[Finding]) -> str:
    """The line that says how many of a rule's findings are suppressed ("" when none is)."""
    suppressed = sum(1 for f in findings if f.suppressed is not None)
    return f"\n({suppressed} more finding(s) of this rule are suppressed)" if suppressed else ""


def finding_lines(finding: Finding, style: Style, named: bool = False) -> list[str]:
    """One finding as `pipelint lint` prints it (the pytest plugin shows failures with it too); `named`: say
    which pipeline it is about."""
    where = finding.where
    high = finding.severity >= Severity.HIGH
    head = (one_line(f"{where}: ") + f"{style.severity(finding.severity.value, high)} {style.bold(finding.code)} "
            + one_line(finding.message))  # fmt: skip
    notes = [f"[{finding.name}]"]
    if named:
        notes.append(one_line(f"in pipeline '{finding.pipeline}'"))
    if finding.scenario:
        notes.append(one_line(f"when {finding.scenario}"))
    if finding.confidence.value != "high":
        notes.append(f"{finding.confidence.value} confidence")
    lines = [f"{head} {' · '.join(notes)}"]
    if finding.location:
        lines += quoted(finding.location.file, finding.location.line, finding.location.column)
    for related in finding.related:
        at = f"{related.location}: " if related.location else ""
        lines.append(one_line(f"    note: {at}{related.message}"))
    return lines


def summary(report: Report) -> str:
    pipelines = len({(e.ref.file, e.ref.path) for e in report.evaluations})
    active = report.active
    counts = Counter(f.severity for f in active)
    by_severity = ", ".join(f"{counts[s]} {s.value}" for s in reversed(Severity) if counts[s])
    outcomes = Counter(e.outcome for e in report.evaluations)
    parts = [f"{len(active)} finding(s)" + (f" ({by_severity})" if by_severity else "")]
    if report.suppressed:
        kinds = Counter(f.suppressed.kind.value for f in report.suppressed if f.suppressed is not None)
        detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        parts.append(f"{len(report.suppressed)} suppressed ({detail})")
    parts.append(f"{pipelines} pipeline(s) checked")
    parts.append(", ".join(f"{outcomes[o]} {o.value}" for o in Outcome if outcomes[o]) or "no evaluations")
    errors = sum(1 for p in report.problems if p.severity.value == "error")
    if report.problems:
        parts.append(f"{errors} load error(s), {len(report.problems) - errors} warning(s)")
    verdict = {0: "pass", 1: f"fail (findings at or above {report.fail_on.value})", 2: "error"}[report.exit_code]
    return "; ".join(parts) + f". Result: {verdict}."


def as_json(report: Report) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, Iterator) else value for key, value in _document(report).items()}


def json_parts(report: Report) -> list[str]:
    """The JSON report's text (compact, as json.dumps(as_json(report)) writes it), in pieces: the long lists are
    written item by item, so that no structure of the whole report is ever in memory beside its text."""
    dump = functools.partial(json.dumps, separators=(",", ":"), allow_nan=False)
    parts, buffer = ["{"], []
    for index, (key, value) in enumerate(_document(report).items()):
        buffer.append(("," if index else "") + dump(key) + ":")
        if not isinstance(value, Iterator):
            buffer.append(dump(value))
            continue
        buffer.append("[")
        for number, item in enumerate(value):
            buffer.append(("," if number else "") + dump(item))
            if len(buffer) >= 1000:  # a few large pieces rather than many small ones
                parts.append("".join(buffer))
                buffer.clear()
        buffer.append("]")
    parts.append("".join(buffer) + "}\n")
    return parts


def _document(report: Report) -> dict[str, Any]:
    """The JSON report, with its long lists as iterators."""
    return {
        "tool": "pipelint",
        "version": __version__,
        "schema_version": REPORT_SCHEMA_VERSION,
        "policy": report.policy_name,
        "fail_on": report.fail_on.value,
        "exit_code": report.exit_code,
        "summary": {
            "findings": len(report.active),
            "suppressed": len(report.suppressed),
            "by_severity": {s.value: sum(1 for f in report.active if f.severity is s) for s in Severity},
            "evaluations": {o.value: sum(1 for e in report.evaluations if e.outcome is o) for o in Outcome},
        },
        "rules": [{"code": r.code, "name": r.name, "severity": r.severity.value, "default_severity":
                   r.default_severity.value, "summary": r.summary, "help_uri": r.help_uri, "enabled": r.enabled,
                   "options": plain(dict(r.options))} for r in report.rules],  # fmt: skip
        "evaluations": (
            {"code": e.code, "name": e.name, "pipeline": e.pipeline, "file": e.ref.file, "path": e.ref.pointer(),
             "outcome": e.outcome.value, "reason": e.reason, "findings": len(e.findings)}
            for e in report.evaluations
        ),  # fmt: skip
        "findings": (finding_json(f) for f in report.findings),
        "problems": [problem_json(p) for p in report.problems],
        "pipelines": (_overview_json(o) for o in report.overviews),
        "frameworks": [
            {"id": f.id, "name": f.name, "url": f.url, "suggested": f.suggested,
             "controls": [{"id": c.id, "title": c.title, "rules": list(c.rules), "note": c.note} for c in f.controls]}
            for f in report.frameworks
        ],  # fmt: skip
    }


def _overview_json(overview: PipelineOverview) -> dict[str, Any]:
    return {
        "pipeline": overview.pipeline, "file": overview.ref.file, "path": overview.ref.pointer(),
        "location": place(overview.location), "format": overview.format, "pipeline_type": overview.pipeline_type,
        "account": overview.account, "region": overview.region, "scenario": overview.scenario,
        "stages": [{"name": stage.name, "gates": list(stage.gates), "waits": stage.waits, "location": place(stage.location),
                    "steps": [{"name": s.name, "kind": s.kind.value, "provider": s.provider, "run_order": s.run_order,
                               "tier": s.tier, "account": s.account, "region": s.region, "detail": s.detail,
                               "location": place(s.location)} for s in stage.steps]}
                   for stage in overview.stages],
    }  # fmt: skip


def finding_json(finding: Finding) -> dict[str, Any]:
    suppressed = finding.suppressed
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "message": finding.message,
        "pipeline": finding.pipeline,
        "scenario": finding.scenario,
        "location": place(finding.location) or {"file": finding.ref.file},
        "path": finding.ref.pointer(),
        "identity": finding.identity,
        "related": [{"message": r.message, "location": place(r.location)} for r in finding.related],
        "suppressed": None if suppressed is None else {
            "kind": suppressed.kind.value, "reason": suppressed.reason, "owner": suppressed.owner,
            "expires": suppressed.expires, "location": place(suppressed.location)},
    }  # fmt: skip
