"""junit report (being written)."""

from __future__ import annotations

from checker.engine.report import Report


def render(report: Report) -> str:
    raise NotImplementedError("junit")
