"""The report formats of `pipelint lint`: each a pure function from a Report to text.

Modules are imported only for the format asked for, so that a text run does not load the HTML reporter.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from checker.views.style import Style

if TYPE_CHECKING:
    from checker.engine.report import Report

FORMATS = {
    "text": "for people: file:line:col, severity, code, message and the source line",
    "json": "the whole report: rules, evaluations, findings, pipelines (checker/schemas/report-v1.schema.json)",
    "sarif": "SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps)",
    "junit": "JUnit XML: one test case per rule x pipeline, for CI test dashboards",
    "markdown": "a GitHub-flavoured report: summary, control matrix, findings, a Mermaid diagram per pipeline",
    "html": "a self-contained compliance report with inline SVG diagrams and evidence per control",
}


def render_parts(report: Report, fmt: str, *, style: Style | None = None, show_unknown: bool = True) -> list[str]:
    """`render`'s text in pieces to write one after the other: a JSON report of a large estate is never in
    memory as one structure, nor twice as text."""
    if fmt == "json":
        from checker.views import lint

        # compact: with an indent, the json module falls back to its pure-Python encoder (4x slower)
        return lint.json_parts(report)
    return [render(report, fmt, style=style, show_unknown=show_unknown)]


def render(report: Report, fmt: str, *, style: Style | None = None, show_unknown: bool = True) -> str:
    """The report in one format. `style` and `show_unknown` matter to the text format only."""
    if fmt == "text":
        from checker.views import lint

        return lint.text(report, style or Style(False), show_unknown=show_unknown)
    if fmt == "json":
        return "".join(render_parts(report, fmt))
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f"checker.views.{fmt}")
    return module.render(report)
