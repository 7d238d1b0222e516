"""PL000 problems as text: file:line:col, severity, code, message, and the source line with a caret."""

from __future__ import annotations

from collections.abc import Iterable

from checker.model import LoadProblem, ProblemSeverity
from checker.views.style import Style
from checker.views.visible import one_line


def source_line(file: str, line: int | None) -> str | None:
    if line is None:
        return None
    try:
        with open(file, encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, 1):
                if number == line:
                    return text.rstrip("\r\n")
    except OSError:
        return None
    return None


def quoted(file: str, line: int | None, column: int | None) -> list[str]:
    """The source line and a caret under the column, indented; nothing for a line too long to show."""
    source = source_line(file, line)
    if source is None or len(source) >= 400:
        return []
    shown = one_line(source.expandtabs(1))  # a tab as one space keeps the caret under its column
    if len(shown) != len(source):  # escapes would move the caret: show the line without one
        return [f"    {shown}"]
    return [f"    {shown}", "    " + " " * max((column or 1) - 1, 0) + "^"]


def problems_text(problems: Iterable[LoadProblem], style: Style) -> str:
    lines = []
    for problem in problems:
        where = problem.where
        error = problem.severity is ProblemSeverity.ERROR
        lines.append(one_line(f"{where}: ") + f"{style.severity(problem.severity.value, error)} {problem.code} "
                     + one_line(problem.message))  # fmt: skip
        lines += quoted(problem.file, problem.line, problem.column)
    return "\n".join(lines)
