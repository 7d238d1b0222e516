"""Pieces of the HTML report: badges, findings, and the sections an auditor reads after the summary.

Every value from a template or a policy passes through `esc` exactly once, where it is written into markup.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from html import escape

from checker.engine.report import Report, RuleInfo
from checker.model import Evaluation, Finding, Location, Outcome, Severity, SourceRef
from checker.views.matrix import LABEL, WORST_FIRST, ControlRow, Row, columns, controls
from checker.views.visible import visible

# plain glyphs rather than emoji: they print, and they exist in every font
GLYPH = {Outcome.PASSED: "✓", Outcome.FAILED: "✗", Outcome.UNKNOWN: "?", Outcome.NOT_APPLICABLE: "–",
         Outcome.EXEMPTED: "⊘", Outcome.ERROR: "!", Outcome.DISABLED: "·"}  # fmt: skip
# background, text, border: text on background keeps a contrast of at least 4.5:1
COLOURS = {Outcome.PASSED: ("#dafbe1", "#0f5323", "#8fd6a3"), Outcome.FAILED: ("#ffebe9", "#9b0c23", "#ffaba8"),
           Outcome.UNKNOWN: ("#fff4ce", "#6b4200", "#e8c44f"), Outcome.NOT_APPLICABLE: ("#eef0f2", "#4b535c", "#d0d7de"),
           Outcome.EXEMPTED: ("#ddf4ff", "#0a4a9c", "#9ccdf5"), Outcome.ERROR: ("#82071e", "#fff", "#82071e"),
           Outcome.DISABLED: ("#fff", "#57606a", "#d0d7de")}  # fmt: skip
SAYS = {Outcome.PASSED: "Evidence", Outcome.UNKNOWN: "Why unknown", Outcome.NOT_APPLICABLE: "Why not applicable",
        Outcome.DISABLED: "Why not run", Outcome.EXEMPTED: "Exempted", Outcome.ERROR: "The rule failed"}  # fmt: skip


def outcome_css() -> str:
    """Colours per outcome: `.o-*` for badges and matrix cells, `.e-*` for an evidence line's glyph."""
    rules = []
    for outcome, (background, text, border) in COLOURS.items():
        colours = f"background:{background};color:{text};border-color:{border}"
        rules.append(f".o-{outcome.value}{{{colours}}} .e-{outcome.value}::before{{content:\"{GLYPH[outcome]}\";"
                     f"{colours}}}")  # fmt: skip
    return "\n".join(rules)


def esc(value: object) -> str:
    """Text and attribute values alike; control characters and bidi overrides show as their escapes."""
    return escape(visible(str(value)), quote=True)


def badge(outcome: Outcome | None) -> str:
    if outcome is None:
        return '<span class="badge o-none">not evaluated</span>'
    return f'<span class="badge o-{outcome.value}">{GLYPH[outcome]} {LABEL[outcome]}</span>'


def glyph(outcome: Outcome | None, tip: str) -> str:
    """A matrix cell: the glyph, its meaning spelt out for screen readers, the reason as a tooltip."""
    if outcome is None:
        return '<td class="cell"></td>'
    return (f'<td class="cell o-{outcome.value}" title="{esc(tip)}"><span aria-hidden="true">{GLYPH[outcome]}'
            f'</span><span class="sr">{LABEL[outcome]}</span></td>')  # fmt: skip


def severity(value: Severity) -> str:
    return f'<span class="sev s-{value.value}">{value.value}</span>'


def where(location: Location | None, ref: SourceRef | None = None) -> str:
    if location is not None:
        return f"<code>{esc(location)}</code>"
    return f"<code>{esc(ref)}</code>" if ref is not None else ""


def rule_link(rule: RuleInfo | None, code: str) -> str:
    if rule is None or not rule.help_uri:
        return f"<b>{esc(code)}</b>"
    return f'<a href="{esc(rule.help_uri)}"><b>{esc(code)}</b></a>'


_CODE = re.compile(r"`([^`]+)`")


def md(text: str) -> str:
    """The little Markdown rule docs use in their prose: paragraphs and `code` spans."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join("<p>" + _CODE.sub(r"<code>\1</code>", esc(p)) + "</p>" for p in paragraphs)


def evaluation_detail(report: Report, evaluation: Evaluation) -> str:
    """What an auditor needs beside an outcome: the evidence, the reason, or the findings and the fix."""
    parts = []
    if evaluation.reason:
        label = SAYS.get(evaluation.outcome, "Note")
        parts.append(f'<p class="why"><span class="lbl">{label}:</span> {esc(evaluation.reason)}</p>')
    parts += [finding(f) for f in evaluation.findings]
    rule = report.rule(evaluation.code)
    if evaluation.findings and rule is not None and rule.remediation:
        parts.append(f'<div class="fix"><span class="lbl">How to fix:</span> {md(rule.remediation)}</div>')
    return "".join(parts)


def finding(f: Finding) -> str:
    meta = [where(f.location, f.ref), severity(f.severity)]
    meta += [f"when {esc(f.scenario)}"] if f.scenario else []
    meta += [f"{f.confidence.value} confidence"] if f.confidence.value != "high" else []
    notes = "".join(f"<li>note: {where(r.location, r.ref)} {esc(r.message)}</li>" for r in f.related)
    quiet = f' <span class="badge o-exempted">suppressed ({esc(f.suppressed.kind.value)})</span> ' \
            f"{esc(f.suppressed.reason)}" if f.suppressed else ""  # fmt: skip
    return (f'<div class="finding{" quiet" if f.suppressed else ""}"><p class="msg">{esc(f.message)}{quiet}</p>'
            f'<p class="meta">{" · ".join(meta)}</p>{f"<ul class=notes>{notes}</ul>" if notes else ""}</div>')


def outcome_counts(outcomes: Iterable[Outcome | None]) -> str:
    """"2 failed · 10 passed": worst first, so the headline is what needs attention."""
    counted = Counter(o for o in outcomes if o is not None)
    return " ".join(f'<span class="badge o-{o.value}">{counted[o]} {LABEL[o]}</span>'
                    for o in WORST_FIRST if counted[o])  # fmt: skip


# ---- findings by framework control ---------------------------------------------------------------------------


def frameworks_section(report: Report, table: list[Row]) -> str:
    if not report.frameworks:
        return '<p class="muted">The policy names no compliance framework.</p>'
    by_framework: dict[str, list[ControlRow]] = {}
    for control_row in controls(report, table):
        by_framework.setdefault(control_row.framework.id, []).append(control_row)
    parts = []
    for index, framework in enumerate(report.frameworks):
        tag = '<span class="tag">suggested mapping</span>' if framework.suggested else ""
        link = f' · <a href="{esc(framework.url)}">the framework</a>' if framework.url else ""
        parts.append(f'<section class="framework" id="fw{index}"><h3>{esc(framework.name)} {tag}</h3>'
                     f'<p class="muted">{len(framework.controls)} controls{link}</p>')  # fmt: skip
        parts += [_control(report, table, c) for c in by_framework.get(framework.id, [])]
        parts.append("</section>")
    return "".join(parts)


def _control(report: Report, table: list[Row], control_row: ControlRow) -> str:
    control = control_row.control
    worst = next((o for o in WORST_FIRST if o in control_row.outcomes), None)
    attention = worst in (Outcome.ERROR, Outcome.FAILED, Outcome.UNKNOWN)
    head = (f'<summary><span class="cid">{esc(control.id)}</span> {esc(control.title)} '
            f'<span class="counts">{outcome_counts(control_row.outcomes)}</span></summary>')  # fmt: skip
    note = f'<p class="note">{esc(control.note)}</p>' if control.note else ""
    if not control.rules:
        body = '<p class="muted">No rule gives evidence for this control: it needs evidence from outside the pipeline.</p>'
    else:
        codes = ", ".join(rule_link(report.rule(c), c) for c in control.rules)
        body = (f'<p class="muted">Rules: {codes}</p><table class="ctl"><colgroup><col class="c1"><col class="c2">'
                f'<col></colgroup><thead><tr><th>Pipeline</th>'
                f"<th>Outcome</th><th>Evidence and findings</th></tr></thead><tbody>"
                f"{_control_rows(table, control.rules, control_row.outcomes)}</tbody></table>")
    return f'<details class="control"{" open" if attention else ""}>{head}{note}{body}</details>'


def _control_rows(table: list[Row], codes: tuple[str, ...], outcomes: tuple[Outcome | None, ...]) -> str:
    """A row per outcome and evidence, naming every pipeline that gave it (the same pipeline in two formats, or
    pipelines made from one template, say the same); the pipelines it does not apply to in one line, as their
    reasons are in their own sections. On an estate, a row per pipeline and control would bury what matters."""
    groups: dict[tuple[Outcome, str], list[str]] = {}
    elsewhere = []
    for index, (row, outcome) in enumerate(zip(table, outcomes, strict=True)):
        if outcome in (None, Outcome.NOT_APPLICABLE, Outcome.DISABLED):
            elsewhere.append(pipeline_link(index, row))
        else:
            assert outcome is not None
            groups.setdefault((outcome, _evidence(row, codes)), []).append(pipeline_link(index, row))
    ordered = sorted(groups.items(), key=lambda item: WORST_FIRST.index(item[0][0]))  # stable: table order within
    rows = [f'<tr><td>{"<br>".join(links)}</td><td>{badge(outcome)}</td><td><ul class="ev">{evidence}</ul></td></tr>'
            for (outcome, evidence), links in ordered]  # fmt: skip
    if elsewhere:
        rows.append(f'<tr><td colspan="2">{badge(Outcome.NOT_APPLICABLE)}</td><td>{len(elsewhere)} pipeline(s): '
                    f'{", ".join(elsewhere)}</td></tr>')  # fmt: skip
    return "".join(rows)


def _evidence(row: Row, codes: tuple[str, ...]) -> str:
    items = []
    for code in codes:
        evaluation = row.cells.get(code)
        if evaluation is None or evaluation.outcome is Outcome.DISABLED:
            continue
        lines = [esc(evaluation.reason)] if evaluation.reason else []
        lines += [f'<span class="fmsg">{esc(f.message)} {where(f.location, f.ref)}</span>'
                  for f in evaluation.findings if f.suppressed is None]  # fmt: skip
        items.append(f'<li class="e-{evaluation.outcome.value}"><b>{esc(code)}</b> {"<br>".join(lines)}</li>')
    return "".join(items)


def anchor(index: int) -> str:
    """A pipeline's section, by its place in the table: names repeat across formats and files."""
    return f"p{index}"


def pipeline_link(index: int, row: Row) -> str:
    """"#3 name": the number tells apart pipelines of one name (the same pipeline in two formats, say)."""
    return f'<a href="#{anchor(index)}">#{index + 1} {esc(row.pipeline)}</a>'


# ---- the matrix, suppressions, load problems, the rules --------------------------------------------------------


def matrix_section(report: Report, table: list[Row]) -> str:
    rules = columns(report)
    head = "".join(f'<th class="code" title="{esc(r.name)}">{esc(r.code)}</th>' for r in rules)
    body = []
    for index, row in enumerate(table):
        cells = []
        for rule in rules:
            evaluation = row.cells.get(rule.code)
            outcome = evaluation.outcome if evaluation else None
            tip = f"{rule.code} {LABEL[outcome]}: {evaluation.reason}" if evaluation and outcome else ""
            cells.append(glyph(outcome, tip.rstrip(": ")))
        body.append(f'<tr><th class="pl">{pipeline_link(index, row)}<small>{esc(row.file)}</small></th>'
                    f'{"".join(cells)}</tr>')
    key = " ".join(f'<span class="e-{o.value}"></span> {LABEL[o]}' for o in WORST_FIRST)
    return (f'<p class="muted key">{key}</p><div class="scroll"><table class="matrix"><thead><tr><th>Pipeline</th>'
            f'{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def suppressed_section(report: Report) -> str:
    if not report.suppressed:
        return '<p class="muted">No finding is suppressed or exempted.</p>'
    rows = []
    for f in report.suppressed:
        s = f.suppressed
        assert s is not None
        rows.append(f"<tr><td>{esc(f.code)}<br><small>{esc(f.name)}</small></td><td>{esc(f.pipeline)}</td>"
                    f"<td>{esc(f.message)}<br>{where(f.location, f.ref)}</td><td>{esc(s.kind.value)}</td>"
                    f"<td>{esc(s.reason)}</td><td>{esc(s.owner or '—')}</td><td class=nowrap>{esc(s.expires or '—')}</td>"
                    f"<td>{where(s.location) or '—'}</td></tr>")  # fmt: skip
    return ("<table><thead><tr><th>Rule</th><th>Pipeline</th><th>Finding</th><th>Kind</th><th>Reason</th>"
            f'<th>Owner</th><th>Expires</th><th>Written at</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def problems_section(report: Report) -> str:
    """PL000 load problems, and findings that belong to no rule's evaluation (an expired exemption, PL002)."""
    parts = [_loaded(report)]
    evaluated = {id(f) for e in report.evaluations for f in e.findings}
    loose = [f for f in report.findings if id(f) not in evaluated]
    # another tool's checks of whole files (cfn-lint's, with --cfn-lint) are not about the run: a table of their own
    files = [f for f in loose if _about_files(report, f)]
    run = [f for f in loose if not _about_files(report, f)]
    for title, chosen in (("Findings about the run itself", run), ("Findings about whole files (cfn-lint)", files)):
        if chosen:
            parts.append(f"<h3>{title}</h3>{_loose_table(chosen)}")
    return "".join(parts)


def _about_files(report: Report, finding: Finding) -> bool:
    rule = report.rule(finding.code)
    return rule is not None and not rule.per_pipeline


def _loose_table(findings: list[Finding]) -> str:
    rows = "".join(f"<tr><td>{where(f.location, f.ref)}</td><td>{severity(f.severity)}</td><td>{esc(f.code)}"
                   f"<br><small>{esc(f.name)}</small></td><td>{esc(f.message)}</td></tr>" for f in findings)
    return ("<table><thead><tr><th>Where</th><th>Severity</th><th>Code</th><th>Finding</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")  # fmt: skip


def _loaded(report: Report) -> str:
    if not report.problems:
        return '<p class="muted">Every input was loaded.</p>'
    rows = []
    for p in report.problems:
        at = p.file if p.line is None else f"{p.file}:{p.line}:{p.column or 1}"
        rows.append(f'<tr><td><code>{esc(at)}</code></td><td><span class="sev p-{p.severity.value}">'
                    f"{esc(p.severity.value)}</span></td><td>{esc(p.code)}</td><td>{esc(p.message)}</td></tr>")
    return ("<table><thead><tr><th>Where</th><th>Severity</th><th>Code</th><th>Problem</th></tr></thead>"
            f'<tbody>{"".join(rows)}</tbody></table>')


def rules_section(report: Report) -> str:
    rows = []
    for rule in report.rules:
        changed = f" <small>(default {rule.default_severity.value})</small>" if rule.severity != rule.default_severity \
            else ""  # fmt: skip
        ran = "" if rule.enabled else ' <span class="badge o-disabled">· disabled</span>'
        options = ", ".join(f"{k}={v}" for k, v in rule.options.items())
        rows.append(f'<tr id="rule-{esc(rule.code)}"><td>{rule_link(rule, rule.code)}{ran}</td>'
                    f"<td>{esc(rule.name)}</td><td>{severity(rule.severity)}{changed}</td>"
                    f"<td>{esc(rule.summary)}{f'<br><small>options: {esc(options)}</small>' if options else ''}"
                    "</td></tr>")  # fmt: skip
    return ("<table><thead><tr><th>Rule</th><th>Name</th><th>Severity</th><th>What it checks</th></tr></thead>"
            f'<tbody>{"".join(rows)}</tbody></table>')
