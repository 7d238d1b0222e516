"""The Markdown report, for a pull-request comment or a job summary on GitHub.

Summary, control matrix (pipelines × rules), findings with their remediation, unknowns, suppressions, load
problems, framework controls, and per pipeline a Mermaid diagram and the evidence of what passed, collapsed.

Text from the scanned files goes through `checker.views.markdown_text`: escaped, on one line, and names
shortened. GitHub refuses a comment over 65,536 characters: a longer report leaves out the evidence, then
the diagrams, then whole sections at its end, and says so at the top. The output holds no time and no path
that the Report does not hold, so the same run renders the same text.

The verdict is pass, fail at or above `fail_on`, or error, and "nothing checked" when no pipeline was found or
every rule is disabled: a run that judged nothing has not passed. It names no exit code, which --exit-zero and
--write-baseline change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import IntEnum

from checker.engine.overview import PipelineOverview
from checker.engine.report import Report, RuleInfo
from checker.model import Evaluation, Finding, LoadProblem, Location, Outcome, ProblemSeverity, Severity
from checker.policy.model import Framework
from checker.views import matrix
from checker.views.markdown_text import code, details, html, link, prose, short, short_path, text
from checker.views.matrix import LABEL, SYMBOL, ControlRow, Row, Verdict
from checker.views.mermaid import flowchart

COMMENT_LIMIT = 65_536  # GitHub's maximum for an issue or pull-request comment body
JOB_SUMMARY_LIMIT = 1_048_576  # GitHub's maximum for one step's job summary
DEFAULT_LIMIT = 60_000  # fits a comment, with room for the header a bot puts above it

SEVERITY_ICON = {Severity.CRITICAL: "🔴", Severity.HIGH: "🟠", Severity.MEDIUM: "🟡", Severity.LOW: "🔵",
                 Severity.INFO: "⚪"}  # fmt: skip
# the order of legends and counts; disabled rules have no column
SHOWN = [Outcome.PASSED, Outcome.FAILED, Outcome.UNKNOWN, Outcome.NOT_APPLICABLE, Outcome.EXEMPTED, Outcome.ERROR]
MAX_NAMES = 5  # failing pipelines named per control; the rest are counted


class Detail(IntEnum):
    """How much the report holds; it steps down until the text fits the limit."""

    OUTLINE = 0  # no diagrams, no evidence
    DIAGRAMS = 1  # diagrams, no evidence
    FULL = 2


def render(report: Report, *, limit: int | None = DEFAULT_LIMIT) -> str:
    """The report as GitHub-flavoured Markdown, at most `limit` characters (None: no limit)."""
    for detail in (Detail.FULL, Detail.DIAGRAMS, Detail.OUTLINE):
        blocks = _blocks(report, detail)
        document = _join(_noted(blocks, _note(detail, [], limit)))
        if limit is None or len(document) <= limit:
            return document
    return _cut(blocks, limit)


Block = tuple[str, str]  # the section it belongs to, and Markdown that stands alone


def _blocks(report: Report, detail: Detail) -> list[Block]:
    rows = matrix.rows(report)
    controls = [] if matrix.unchecked(report) else matrix.controls(report, rows)  # no table of empty cells
    sections = [("Summary", [_summary(report, rows)]), ("Control matrix", [_matrix(report, rows)]),
                ("Findings", _findings(report, rows)), ("Load problems", _problems(report.problems)),
                ("Unknown", _unknown(rows)), ("Suppressed", _suppressed(report)),
                ("Framework controls", _frameworks(controls, rows))]  # fmt: skip
    if detail > Detail.OUTLINE:
        sections.append(("Pipelines", _pipelines(report, rows, detail)))
    return [(name, block) for name, blocks in sections for block in blocks if block]


def _join(blocks: Iterable[Block]) -> str:
    return "\n\n".join(block.strip("\n") for _, block in blocks) + "\n"


def _noted(blocks: list[Block], note: str) -> list[Block]:
    """The note on what is left out goes right under the summary, where a reader starts."""
    return blocks[:1] + [("Summary", note)] + blocks[1:] if note else blocks


def _note(detail: Detail, dropped: list[str], limit: int | None) -> str:
    left_out = {Detail.FULL: [], Detail.DIAGRAMS: ["the evidence of passed rules"],
                Detail.OUTLINE: ["the evidence of passed rules", "the diagrams"]}[detail] + dropped  # fmt: skip
    if not left_out:
        return ""
    return (f"> ✂️ Shortened to stay under {limit:,} characters, leaving out {', '.join(left_out)}. "
            "`--format html` or `--format json` holds everything.")  # fmt: skip


def _cut(blocks: list[Block], limit: int) -> str:
    """The first blocks that fit, whole (a table or a <details> cut in the middle would swallow the rest); the
    summary and the load problems always stay, since without them a reader trusts an incomplete result."""
    worst = len(_note(Detail.OUTLINE, [f"the rest of {name}" for name, _ in blocks], limit))
    kept = {index for index, (name, _) in enumerate(blocks) if index == 0 or name == "Load problems"}
    for index in range(1, len(blocks)):
        if index in kept:
            continue
        if len(_join(blocks[i] for i in sorted(kept | {index}))) + worst + 2 > limit:
            break
        kept.add(index)
    whole = {blocks[i][0] for i in kept}
    dropped = dict.fromkeys(name for i, (name, _) in enumerate(blocks) if i not in kept)
    names = [f"the rest of {name}" if name in whole else name for name in dropped]
    return _join(_noted([blocks[i] for i in sorted(kept)], _note(Detail.OUTLINE, names, limit)))


# --- sections


def _summary(report: Report, rows: list[Row]) -> str:
    active = report.active
    by_severity = Counter(f.severity for f in active)
    severities = " · ".join(f"{SEVERITY_ICON[s]} {by_severity[s]} {s.value}" for s in reversed(Severity)
                            if by_severity[s])  # fmt: skip
    outcomes = matrix.counts(report)
    evaluations = " · ".join(f"{SYMBOL[o]} {outcomes[o]} {LABEL[o]}" for o in SHOWN if outcomes[o])
    rules = len(matrix.columns(report))
    pipelines = f"{len(rows)} found, {rules} rules enabled" if matrix.unchecked(report) else \
        f"{len(rows)} checked against {rules} rules"  # fmt: skip
    lines = ["# pipelint report", "", _verdict(report), "",
             f"- **Policy**: {text(short(report.policy_name))}, failing on {report.fail_on.value} and above",
             f"- **Pipelines**: {pipelines}",
             f"- **Findings**: {len(active)}" + (f" ({severities})" if severities else ""),
             f"- **Suppressed**: {len(report.suppressed)}",
             f"- **Evaluations**: {evaluations or 'none'}"]  # fmt: skip
    if report.problems:
        errors = sum(p.severity is ProblemSeverity.ERROR for p in report.problems)
        lines.append(f"- **Load problems**: {errors} error(s), {len(report.problems) - errors} warning(s), "
                     "see [Load problems](#load-problems)")  # fmt: skip
    return "\n".join(lines)


def _verdict(report: Report) -> str:
    kind = matrix.verdict(report)
    if kind is Verdict.ERROR:
        why = "a file could not be loaded" if report.load_errors else "a rule failed (PL001)"
        return f"**💥 Error**: {why}; the results below are incomplete."
    if kind is Verdict.FAIL:
        return f"**❌ Fail**: {len(report.blocking)} finding(s) at or above **{report.fail_on.value}**."
    if kind is Verdict.NOTHING_CHECKED:
        return f"**⚪ Nothing checked**: {matrix.unchecked(report)}."
    return f"**✅ Pass**: no finding at or above **{report.fail_on.value}**."


def _matrix(report: Report, rows: list[Row]) -> str:
    columns = matrix.columns(report)
    if matrix.unchecked(report):  # the verdict says why; a table without rows or columns says nothing
        return ""
    legend = " · ".join(f"{SYMBOL[o]} {LABEL[o]}" for o in SHOWN) + " · blank: not evaluated"
    header = "| Pipeline | " + " | ".join(link(r.code, r.help_uri, r.name) for r in columns) + " |"
    rule = "|:--|" + ":-:|" * len(columns)
    body = [f"| {text(short(row.pipeline))}<br><sub>{text(short_path(row.file))}</sub> | "
            + " | ".join(_cell(row.cells.get(r.code)) for r in columns) + " |" for row in rows]  # fmt: skip
    return "\n".join(["## Control matrix", "", legend, "", header, rule, *body])


def _cell(evaluation: Evaluation | None) -> str:
    return SYMBOL[evaluation.outcome] if evaluation is not None else " "


def _findings(report: Report, rows: list[Row]) -> list[str]:
    active = set(report.active)
    if not active:
        return []
    found = [(row, [f for f in row.findings if f in active]) for row in rows]
    # the most severe first, so that a report shortened to fit keeps them
    found.sort(key=lambda pair: -max((f.severity.rank for f in pair[1]), default=-1))
    blocks = ["## Findings\n\nPipelines with the most severe findings first."]
    blocks += [_pipeline_findings(report, f"### {text(short(row.pipeline))}", row.file, findings)
               for row, findings in found if findings]  # fmt: skip
    placed = {f for row in rows for f in row.findings}
    others = [f for f in report.active if f not in placed]  # expired exemptions (PL002): about the policy
    if others:
        blocks.append(_pipeline_findings(report, "### Other findings", None, others))
    return blocks


def _pipeline_findings(report: Report, heading: str, file: str | None, findings: list[Finding]) -> str:
    parts = [heading]
    if file is not None:
        parts.append(f"File {code(short_path(file))} · {len(findings)} finding(s)")
    by_rule: dict[str, list[Finding]] = {}
    for finding in sorted(findings, key=lambda f: -f.severity.rank):  # stable: rule order within a severity
        by_rule.setdefault(finding.code, []).append(finding)
    for rule_code, group in by_rule.items():  # the remediation once per rule, after its findings
        parts.append("\n".join(_finding(report.rule(rule_code), f, file) for f in group))
        parts.append(_remedy(report.rule(rule_code)))
    return "\n\n".join(p for p in parts if p)


def _finding(rule: RuleInfo | None, finding: Finding, home: str | None) -> str:
    where = _where(finding.location, finding.ref.file, home)
    name = link(finding.code, rule.help_uri) if rule else finding.code
    severity = f"{SEVERITY_ICON[finding.severity]} **{finding.severity.value}**"
    head = f"- {severity} · {name} {text(finding.name)} · {where}"
    if finding.confidence.value != "high":
        head += f" · {finding.confidence.value} confidence"
    lines = [head, f"  {prose(finding.message)}"]
    if finding.scenario:
        lines.append(f"  *when* {prose(finding.scenario)}")
    lines += [f"  ↳ {_where(r.location, None, home) + ' ' if r.location else ''}{prose(r.message)}"
              for r in finding.related]  # fmt: skip
    return "<br>\n".join(lines)


def _where(location: Location | None, file: str | None, home: str | None) -> str:
    """file:line:col; in the pipeline's own file (named above) its base name is enough."""
    place = str(location) if location else file or ""
    if home and place.startswith(home + ":"):
        place = home.rsplit("/", 1)[-1] + place[len(home):]
    return code(short_path(place))


def _remedy(rule: RuleInfo | None) -> str:
    if rule is None or not rule.remediation.strip():
        return ""
    docs = link("Rule documentation", rule.help_uri)
    return details(f"How to fix {html(rule.code)} {html(rule.name)}", f"{rule.remediation.strip()}\n\n{docs}")


def _unknown(rows: list[Row]) -> list[str]:
    blocks = []
    for row in rows:
        open_ = [e for e in row.cells.values() if e.outcome is Outcome.UNKNOWN]
        if open_:
            items = "\n".join(f"- {codes}: {prose(reason)}" for reason, codes in _by_reason(open_).items())
            blocks.append(f"**{text(short(row.pipeline))}** · {code(short_path(row.file))}\n\n{items}")
    if not blocks:
        return []
    intro = ("## Unknown\n\nThe files leave these open, so the rule could not decide. Pass the missing values "
             "(`--param NAME=VALUE`) or scan the files they name.")  # fmt: skip
    return [intro, *blocks]


def _by_reason(evaluations: Iterable[Evaluation]) -> dict[str, str]:
    """Reason → the rules that give it: many rules are unknown for the same missing fact."""
    grouped: dict[str, list[Evaluation]] = {}
    for evaluation in evaluations:
        grouped.setdefault(evaluation.reason or "no reason given", []).append(evaluation)
    return {reason: _codes(group) for reason, group in grouped.items()}


def _codes(evaluations: list[Evaluation]) -> str:
    """Rule codes, with their names while the list stays short enough to read."""
    if len(evaluations) > 3:
        return ", ".join(f"**{e.code}**" for e in evaluations)
    return ", ".join(f"**{e.code}** {text(e.name)}" for e in evaluations)


def _suppressed(report: Report) -> list[str]:
    if not report.suppressed:
        return []
    items = []
    for finding in report.suppressed:
        how = finding.suppressed
        assert how is not None  # report.suppressed holds only suppressed findings
        by = f" by {text(short(how.owner))}" if how.owner else ""
        until = f" until {text(short(how.expires))}" if how.expires else ""
        at = f" ({code(short_path(how.location))})" if how.location else ""
        where = code(short_path(finding.location or finding.ref.file))
        items.append(f"- 🛡️ **{finding.code}** {text(finding.name)} · {where} · "
                     f"{text(short(finding.pipeline))}: {prose(finding.message)}<br>\n"
                     f"  {how.kind.value}{by}{until}{at}: {prose(how.reason)}")  # fmt: skip
    return ["## Suppressed\n\n" + "\n".join(items)]


def _problems(problems: Iterable[LoadProblem]) -> list[str]:
    items = []
    for problem in sorted(problems, key=lambda p: p.severity is not ProblemSeverity.ERROR):  # errors first
        where = problem.where
        icon = "⛔" if problem.severity is ProblemSeverity.ERROR else "⚠️"
        severity = f"{icon} **{problem.severity.value}**"
        items.append(f"- {severity} {problem.code} {code(short_path(where))}: {prose(problem.message)}")
    return ["## Load problems\n\n" + "\n".join(items)] if items else []


def _frameworks(controls: list[ControlRow], rows: list[Row]) -> list[str]:
    if not controls:
        return []
    intro = ("## Framework controls\n\nSuggested mappings from rules to controls, not an auditor's opinion. A "
             "control takes the worst outcome of its rules in each pipeline.")  # fmt: skip
    by_framework: dict[str, list[ControlRow]] = {}
    for control in controls:
        by_framework.setdefault(control.framework.id, []).append(control)
    return [intro] + [_framework(group[0].framework, group, rows) for group in by_framework.values()]


def _framework(framework: Framework, controls: list[ControlRow], rows: list[Row]) -> str:
    seen = {o for c in controls for o in c.outcomes if o is not None}
    shown = [o for o in SHOWN if o in seen]
    failing = sum(1 for c in controls if {Outcome.FAILED, Outcome.ERROR} & set(c.outcomes))
    mapping = "suggested mapping" if framework.suggested else "mapping"
    summary = f"<b>{html(framework.name)}</b> · {len(controls)} control(s) · {failing} failing · {mapping}"
    header = "| Control | Rules | " + "".join(f"{SYMBOL[o]} | " for o in shown) + "Failing pipelines |"
    rule = "|:--|:--|" + "--:|" * len(shown) + ":--|"
    body = [_control_row(c, shown, rows) for c in controls]
    reference = link("Framework reference", framework.url) + "\n\n" if framework.url else ""
    return details(summary, reference + "\n".join([header, rule, *body]))


def _control_row(control: ControlRow, shown: list[Outcome], rows: list[Row]) -> str:
    note = f"<br><sub>{text(control.control.note)}</sub>" if control.control.note else ""
    title = f"**{text(control.control.id)}** {text(control.control.title)}{note}"
    rules = " ".join(text(c) for c in control.control.rules) or "none: no rule gives evidence"
    counts = Counter(control.outcomes)
    cells = "".join(f"{counts[o] or ''} | " for o in shown)
    bad = [row.pipeline for row, o in zip(rows, control.outcomes) if o in (Outcome.FAILED, Outcome.ERROR)]
    return f"| {title} | {rules} | {cells}{_names(bad)} |"


def _names(pipelines: list[str]) -> str:
    """`web ×2, api`: the same pipeline in two formats or files counts twice under one name."""
    counted = Counter(pipelines)
    names = [text(short(n)) + (f" ×{k}" if k > 1 else "") for n, k in counted.items()]
    more = f", and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else ""
    return ", ".join(names[:MAX_NAMES]) + more


def _pipelines(report: Report, rows: list[Row], detail: Detail) -> list[str]:
    if not report.overviews:
        return []
    intro = ("## Pipelines\n\nStages run left to right; steps stacked in a stage run in parallel. Deploys are "
             "coloured by environment: prod red, staging amber, test cyan, dev green, unknown grey. Approvals are "
             "purple hexagons; ⛔ marks a stage's conditions.")  # fmt: skip
    cells = {row.key: row for row in rows}
    return [intro] + [_pipeline(o, cells.get(o.key), detail) for o in report.overviews]


def _pipeline(overview: PipelineOverview, row: Row | None, detail: Detail) -> str:
    outcomes = Counter(e.outcome for e in row.cells.values()) if row else Counter()
    tally = " · ".join(f"{SYMBOL[o]} {outcomes[o]}" for o in SHOWN if outcomes[o])
    summary = (f"<b>{html(short(overview.pipeline))}</b> · {html(short_path(overview.ref.file))} · "
               f"{len(overview.stages)} stage(s)"
               + (f" · {tally}" if tally else ""))  # fmt: skip
    facts = [overview.format, overview.pipeline_type]
    if not overview.is_ci:  # a CI workflow has no account or region of its own
        facts += [f"account {overview.account or 'unknown'}", f"region {overview.region or 'unknown'}"]
    if overview.scenario:
        facts.append(f"drawn for {overview.scenario}")
    parts = [" · ".join(prose(f) for f in facts if f), f"```mermaid\n{flowchart(overview)}```"]
    if detail >= Detail.FULL and row is not None:
        parts.append(_evidence(row))
    return details(summary, "\n\n".join(p for p in parts if p))


def _evidence(row: Row) -> str:
    """Why each rule passed or did not apply: what an auditor asks for, grouped where the reason is the same."""
    items = []
    for outcome in (Outcome.PASSED, Outcome.NOT_APPLICABLE):
        chosen = [e for e in row.cells.values() if e.outcome is outcome]
        items += [f"- {SYMBOL[outcome]} {codes}: {prose(reason)}"
                  for reason, codes in _by_reason(chosen).items()]  # fmt: skip
    return "**Evidence**\n\n" + "\n".join(items) if items else ""
