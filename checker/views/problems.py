"""PL000 problems as text: file:line:col, severity, code, message, and the source line with a caret."""

from __future__ import annotations

from checker.model import LoadProblem, ProblemSeverity, Workspace
from checker.views.style import Style


def _source_line(problem: LoadProblem) -> str | None:
    if problem.line is None:
        return None
    try:
        with open(problem.file, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if number == problem.line:
                    return line.rstrip("\r\n")
    except OSError:
        return None
    return None


def problems_text(workspace: Workspace, style: Style) -> str:
    lines = []
    for problem in workspace.problems:
        where = problem.file if problem.line is None else f"{problem.file}:{problem.line}:{problem.column or 1}"
        error = problem.severity is ProblemSeverity.ERROR
        lines.append(f"{where}: {style.severity(problem.severity.value, error)} {problem.code} {problem.message}")
        source = _source_line(problem)
        if source is not None and len(source) < 400:
            lines.append(f"    {source}")
            lines.append("    " + " " * max((problem.column or 1) - 1, 0) + "^")
    return "\n".join(lines)
