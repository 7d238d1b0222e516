"""A Report as flat records (one dict per finding or per evaluation) and as pandas DataFrames, for notebooks and
users' own analysis. Flat on purpose: every value is a str, int, bool or None, so a DataFrame gets plain columns."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checker.engine.report import Report

FINDING_COLUMNS = ("code", "name", "severity", "confidence", "pipeline", "file", "line", "column", "message",
                   "scenario", "suppressed", "identity")  # fmt: skip
# `path`: where the pipeline is in its file (a file may define two pipelines of one name)
EVALUATION_COLUMNS = ("code", "name", "severity", "pipeline", "file", "path", "outcome", "reason", "findings")
COLUMNS = {"findings": FINDING_COLUMNS, "evaluations": EVALUATION_COLUMNS}  # the kinds of record, and their columns


def records(report: Report, kind: str = "findings") -> list[dict[str, Any]]:
    if kind == "findings":
        return [{
            "code": f.code, "name": f.name, "severity": f.severity.value, "confidence": f.confidence.value,
            "pipeline": f.pipeline, "file": f.location.file if f.location else f.ref.file,
            "line": f.location.line if f.location else None, "column": f.location.column if f.location else None,
            "message": f.message, "scenario": f.scenario,
            "suppressed": f.suppressed.kind.value if f.suppressed else None, "identity": f.identity,
        } for f in report.findings]  # fmt: skip
    if kind == "evaluations":
        severity = {rule.code: rule.severity.value for rule in report.rules}
        return [{
            "code": e.code, "name": e.name, "severity": severity.get(e.code), "pipeline": e.pipeline,
            "file": e.ref.file, "path": e.ref.pointer(), "outcome": e.outcome.value, "reason": e.reason, "findings": len(e.findings),
        } for e in report.evaluations]  # fmt: skip
    raise ValueError(f"kind must be one of {', '.join(COLUMNS)}, not {kind!r}")


def dataframe(rows: list[dict[str, Any]], columns: Iterable[str]) -> Any:
    """A pandas DataFrame of `rows` with `columns` in order (also when there are no rows)."""
    try:
        import pandas
    except ImportError:
        raise ImportError("DataFrames need pandas: pip install 'pipelint[notebooks]'") from None
    return pandas.DataFrame(rows, columns=list(columns))
