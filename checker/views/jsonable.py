"""Model values as plain JSON: Unknown as {"unknown": reason, "text": ...}, enums as their value."""

from __future__ import annotations

import dataclasses
import math
from enum import Enum
from typing import Any

from checker.model import LoadProblem, Location, Unknown


def plain(value: Any) -> Any:
    if isinstance(value, Unknown):
        return {"unknown": value.reason, **({"text": value.text} if value.text is not None else {})}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "source"}
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN or Infinity
    return value


def place(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"file": location.file, "line": location.line, "column": location.column,
            "end_line": location.end_line, "end_column": location.end_column}  # fmt: skip


def problem_json(problem: LoadProblem) -> dict[str, Any]:
    return plain({"code": problem.code, "severity": problem.severity, "file": problem.file, "line": problem.line,
                  "column": problem.column, "message": problem.message})  # fmt: skip
