"""The report formats of `pipelint lint`: each a pure function from a Report to text.

Modules are imported only for the format asked for, so that a text run does not load the HTML reporter.
"""

from __future__ import annotations

import importlib
import json
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


def render(report: Report, fmt: str, *, style: Style | None = None, show_unknown: bool = True) -> str:
    """The report in one format. `style` and `show_unknown` matter to the text format only."""
    if fmt == "text":
        from checker.views import lint

        return lint.text(report, style or Style(False), show_unknown=show_unknown)
    if fmt == "json":
        from checker.views import lint

        # compact: with an indent, the json module falls back to its pure-Python encoder (4x slower)
        return json.dumps(lint.as_json(report), separators=(",", ":"), allow_nan=False) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f"checker.views.{fmt}")
    return module.render(report)
