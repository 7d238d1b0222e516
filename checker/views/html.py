"""The self-contained HTML compliance report: one file, inline styles and SVG, nothing fetched.

It says what the Markdown report says and adds what an auditor asks for: the evidence behind every pass, the
findings by framework control, every pipeline drawn, suppressions with their owners, and the rules that ran.
A Content-Security-Policy forbids every fetch, so a reference that slipped in fails loudly instead of calling
out. No timestamps: the same Report gives the same bytes.

The verdict is pass, fail at or above `fail_on`, or error, and "nothing checked" when no pipeline was found or
every rule is disabled. It names no exit code: --exit-zero and --write-baseline exit 0 whatever it says.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter

from checker import __version__
from checker.engine.report import Report
from checker.model import Outcome, ProblemSeverity, Severity
from checker.engine.overview import PipelineOverview
from checker.views.diagram import natural_width, svg
from checker.views.html_parts import (
    anchor, badge, esc, evaluation_detail, frameworks_section, matrix_section, outcome_counts, outcome_css,
    pipeline_link, problems_section, rule_link, rules_section, severity, suppressed_section,
)  # fmt: skip
from checker.views.matrix import Row, Verdict, rows, unchecked, verdict

# The page works without it; it opens every <details> before printing, so paper shows all the evidence.
SCRIPT = ('addEventListener("beforeprint",function(){'
          'document.querySelectorAll("details").forEach(function(d){d.open=true})});')  # fmt: skip
SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
CSP = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{SCRIPT_HASH}'"

CSS = """
:root{--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--link:#0550ae}
*{box-sizing:border-box}
body{margin:0;background:#eef1f4;color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
main{max-width:1320px;margin:0 auto;background:#fff;padding:28px 40px 48px;min-height:100vh}
a{color:var(--link)} code{font:12.5px/1.4 ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;
background:var(--soft);padding:0 4px;border-radius:4px;overflow-wrap:anywhere}
h1{font-size:26px;margin:0 0 4px} h2{font-size:20px;margin:40px 0 12px;padding-bottom:6px;
border-bottom:2px solid var(--line)} h3{font-size:16px;margin:24px 0 8px}
p{margin:4px 0} small,.muted{color:var(--muted)} .muted{margin:4px 0 10px}
/* a name of thousands of characters without a space wraps instead of pushing the page's columns off it;
column headings keep whole words, so no column gets narrower than its heading */
h1,h2,h3,th,td,.facts,.finding,summary{overflow-wrap:anywhere} thead th{overflow-wrap:normal}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.verdict{display:flex;gap:24px;align-items:center;margin:18px 0;padding:16px 20px;border-radius:10px;
border:1px solid var(--line);background:var(--soft)}
.verdict .big{font-size:22px;font-weight:700;padding:6px 16px;border-radius:8px;color:#fff;white-space:nowrap}
.v-pass{background:#1a7f37} .v-fail{background:#b42318} .v-error{background:#6e2f00}
.v-none{background:#57606a}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin:12px 0 0}
.stat{border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.stat b{display:block;font-size:22px} .stat span{color:var(--muted);font-size:12.5px}
nav ol{columns:3;margin:8px 0;padding-left:20px}
table{border-collapse:collapse;width:100%;margin:8px 0 16px}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
thead th{background:var(--soft);font-size:12.5px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap;
border:1px solid transparent}
.o-none{background:#eef0f2;color:#4b535c;border-color:#d0d7de}
.sev{display:inline-block;padding:0 6px;border-radius:4px;font-size:11.5px;font-weight:700;text-transform:uppercase;
letter-spacing:.03em;border:1px solid}
.s-critical{background:#82071e;color:#fff} .s-high{color:#9b0c23;border-color:#ffaba8;background:#fff5f5}
.s-medium{color:#7a4500;border-color:#e8c44f;background:#fffbeb} .s-low{color:#0a4a9c;border-color:#9ccdf5}
.s-info,.p-warning{color:#4b535c;border-color:#d0d7de} .p-error{color:#9b0c23;border-color:#ffaba8}
.pipeline{border-top:1px solid var(--line);padding-top:8px;margin-top:28px}
.pipeline h3{display:flex;gap:10px;align-items:center;font-size:18px}
.facts{display:flex;flex-wrap:wrap;gap:4px 20px;margin:0 0 10px;color:var(--muted);font-size:13px}
.facts b{color:var(--fg);font-weight:600}
.diagram,.scroll{overflow-x:auto;margin:8px 0 12px} .diagram{border:1px solid var(--line);border-radius:8px}
.fit svg{display:block;max-width:100%;height:auto} h2+.pipeline{border-top:0;margin-top:0;padding-top:0}
.evals td:nth-child(1){width:190px} .evals td:nth-child(2){width:80px} .evals td:nth-child(3){width:140px}
tr.attn>td{background:#fffafa} .lbl{font-weight:600}
.finding{border-left:3px solid #cf222e;padding:2px 10px;margin:6px 0;background:#fff}
.finding.quiet{border-left-color:#8c959f} .finding .msg{font-weight:600} .finding .meta{font-size:12.5px}
.notes{margin:2px 0;padding-left:18px;font-size:12.5px;color:var(--muted)}
.fix{margin:6px 0;padding:6px 10px;background:#f0f7ff;border-radius:6px;font-size:13px}
.fix p{display:inline}
.tag{font-size:11px;font-weight:600;color:#6b4200;background:#fff4ce;border:1px solid #e8c44f;border-radius:10px;
padding:1px 8px;vertical-align:middle}
details.control{border:1px solid var(--line);border-radius:8px;margin:6px 0;padding:0 12px}
details.control[open]{padding-bottom:8px}
details.control>summary{cursor:pointer;padding:8px 0;font-weight:600}
details.control>summary::after{content:"";display:block;clear:both}
.cid{display:inline-block;min-width:92px;font-family:ui-monospace,Menlo,Consolas,monospace}
.counts{float:right;font-weight:400} .note{font-style:italic;color:var(--muted)}
.ctl{table-layout:fixed} .ctl .c1{width:260px} .ctl .c2{width:130px}
.ev{list-style:none;margin:0;padding:0;font-size:13px} .ev li{margin:1px 0}
.fmsg{color:#9b0c23} .nowrap{white-space:nowrap}
.ev li{padding-left:24px;text-indent:-24px} [class^="e-"]::before{display:inline-block;width:18px;text-indent:0;
text-align:center;border-radius:4px;font-weight:700;border:1px solid;margin-right:6px}
.matrix{width:auto} .matrix th.code{font-size:11px;padding:6px 4px;text-align:center;text-transform:none}
.matrix th.pl{font-weight:600;min-width:220px} .matrix th.pl small{display:block;font-weight:400}
.matrix td.cell{text-align:center;font-weight:700;padding:6px 4px;min-width:42px;border:1px solid #fff}
.key [class^="e-"]{margin-left:10px}
footer{margin-top:48px;color:var(--muted);font-size:12.5px}
@media print{body{background:#fff;font-size:11px} main{max-width:none;padding:0} nav{display:none}
.diagram,.scroll{overflow:visible;border:0} .fit{min-width:0!important}
.pipeline,details.control,tr{break-inside:avoid} h2{break-after:avoid} a{color:inherit;text-decoration:none}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""

SECTIONS = (("summary", "Summary"), ("controls", "Findings by framework control"), ("matrix", "Control matrix"),
            ("pipelines", "Pipelines"), ("suppressed", "Suppressed and exempted findings"),
            ("problems", "Load problems and run findings (PL000–PL002)"), ("rules", "Appendix: the rules that ran"))  # fmt: skip


def render(report: Report) -> str:
    table = rows(report)
    nothing = unchecked(report)
    empty = f'<p class="muted">Nothing checked: {esc(nothing)}.</p>' if nothing else ""  # not empty tables
    body = [_header(report, table), _nav(),
            _section("summary", _summary(report, table)),
            _section("controls", empty or _controls_intro() + frameworks_section(report, table)),
            _section("matrix", empty or matrix_section(report, table)),
            _section("pipelines", _pipelines(report, table)),
            _section("suppressed", suppressed_section(report)),
            _section("problems", problems_section(report)),
            _section("rules", rules_section(report))]  # fmt: skip
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>pipelint compliance report — {esc(report.policy_name)}</title><style>{CSS}{outcome_css()}</style>"
        "</head>\n"
        f"<body><main>{''.join(body)}<footer>Generated by pipelint {esc(__version__)}. Framework mappings are "
        "suggestions, not an auditor's opinion.</footer></main><script>" + SCRIPT + "</script></body></html>\n"
    )


def _section(ident: str, content: str) -> str:
    return f'<section id="{ident}"><h2>{dict(SECTIONS)[ident]}</h2>{content}</section>\n'


def _nav() -> str:
    items = "".join(f'<li><a href="#{ident}">{title}</a></li>' for ident, title in SECTIONS)
    return f'<nav aria-label="Contents"><ol>{items}</ol></nav>'


def _verdict(report: Report) -> tuple[str, str, str]:
    """The verdict's class, its word and why."""
    kind = verdict(report)
    if kind is Verdict.ERROR:
        return kind.value, "ERROR", "an input could not be loaded or a rule failed"
    if kind is Verdict.FAIL:
        return kind.value, "FAIL", f"{len(report.blocking)} finding(s) at or above {report.fail_on.value}"
    if kind is Verdict.NOTHING_CHECKED:
        return kind.value, "NOTHING CHECKED", unchecked(report) or ""
    return kind.value, "PASS", f"no active finding at or above {report.fail_on.value}"


def _header(report: Report, table: list[Row]) -> str:
    kind, word, why = _verdict(report)
    active = report.active
    by_severity = Counter(f.severity for f in active)
    severities = ", ".join(f"{by_severity[s]} {s.value}" for s in reversed(Severity) if by_severity[s]) or "none"
    errors = sum(1 for p in report.problems if p.severity is ProblemSeverity.ERROR)
    checked = "pipelines found" if kind == "none" else "pipelines checked"
    stats = [(len(table), checked), (sum(1 for r in report.rules if r.enabled and r.per_pipeline), "rules enabled"),
             (len(active), f"findings ({severities})"), (len(report.suppressed), "suppressed or exempted"),
             (len(report.problems), f"load problems ({errors} error{'' if errors == 1 else 's'})")]  # fmt: skip
    cards = "".join(f'<div class="stat"><b>{n}</b><span>{esc(label)}</span></div>' for n, label in stats)
    return (
        f"<header><h1>Deployment pipeline compliance report</h1><p class=\"muted\">pipelint {esc(__version__)} · "
        f"policy <b>{esc(report.policy_name)}</b> · fails on <b>{esc(report.fail_on.value)}</b> and above</p>"
        f'<div class="verdict"><span class="big v-{kind}">{word}</span><div><b>{esc(why)}</b>'
        "<br>Evaluations (rule × pipeline): "
        f"{outcome_counts(e.outcome for e in report.evaluations) or 'none'}</div></div>"
        f'<div class="stats">{cards}</div></header>'
    )


def _summary(report: Report, table: list[Row]) -> str:
    if not table:
        return '<p class="muted">No pipeline was found in the inputs.</p>'
    body = []
    for index, row in enumerate(table):
        findings = [f for f in row.findings if f.suppressed is None]
        worst = max((f.severity for f in findings), default=None)
        found = f"{len(findings)} " + (severity(worst) if worst else "") if findings else "—"
        body.append(f"<tr><td><b>{pipeline_link(index, row)}</b><br><small>{esc(row.file)}</small></td>"
                    f"<td>{badge(row.outcome(row.cells))}</td><td>{found}</td>"
                    f"<td>{outcome_counts(e.outcome for e in row.cells.values())}</td></tr>")  # fmt: skip
    return ("<table><thead><tr><th>Pipeline</th><th>Result</th><th>Active findings</th><th>Rule outcomes</th>"
            f'</tr></thead><tbody>{"".join(body)}</tbody></table>')


def _controls_intro() -> str:
    return ('<p class="muted">Each control holds for a pipeline as well as its weakest rule: one failed rule fails '
            "it, an unknown one leaves it open. The mappings from controls to rules are suggestions for an "
            "auditor to confirm, not an audit opinion. Passed rules show the evidence the files gave.</p>")


def _pipelines(report: Report, table: list[Row]) -> str:
    drawn = {overview.key: overview for overview in report.overviews}
    parts = []
    for index, row in enumerate(table):
        overview = drawn.get(row.key)
        facts = [("file", str(overview.location) if overview and overview.location else row.file)]
        if overview is not None:
            facts += [("format", overview.format)] + ([("type", overview.pipeline_type)] if overview.pipeline_type else [])
            if not overview.is_ci:  # a CI workflow has no account or region of its own
                facts += [("account", overview.account or "not set"), ("region", overview.region or "not set")]
            facts += [("scenario drawn", overview.scenario)] if overview.scenario else []
        shown = "".join(f"<span>{name} <b>{esc(value)}</b></span>" for name, value in facts)
        picture = _diagram(overview, index) if overview else ""
        parts.append(f'<section class="pipeline" id="{anchor(index)}"><h3>#{index + 1} {esc(row.pipeline)} '
                     f'{badge(row.outcome(row.cells))}</h3><div class="facts">{shown}</div>{picture}'
                     f"{_evaluations(report, row)}</section>")  # fmt: skip
    return "".join(parts) or '<p class="muted">No pipeline was found in the inputs.</p>'


def _diagram(overview: PipelineOverview, index: int) -> str:
    """Shrunk to the page's width, but not below 70% (text stays readable): wider pipelines scroll."""
    least = round(natural_width(overview) * 0.7)
    return f'<div class="diagram"><div class="fit" style="min-width:{least}px">{svg(overview, ident=f"d{index}")}' \
           "</div></div>"  # fmt: skip


def _evaluations(report: Report, row: Row) -> str:
    body = []
    for rule in report.rules:
        evaluation = row.cells.get(rule.code)
        if evaluation is None:
            continue
        attention = evaluation.outcome in (Outcome.FAILED, Outcome.ERROR)
        body.append(f'<tr{" class=attn" if attention else ""}><td>{rule_link(rule, rule.code)} '
                    f"<small>{esc(rule.name)}</small></td><td>{severity(rule.severity)}</td>"
                    f"<td>{badge(evaluation.outcome)}</td><td>{evaluation_detail(report, evaluation)}</td></tr>")
    return ('<table class="evals"><thead><tr><th>Rule</th><th>Severity</th><th>Outcome</th>'
            f'<th>Evidence, reason or findings</th></tr></thead><tbody>{"".join(body)}</tbody></table>')
