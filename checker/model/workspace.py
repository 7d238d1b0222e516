"""The workspace: everything one run loaded, from all its files, and what could not be loaded."""

from __future__ import annotations

from dataclasses import field
from enum import Enum
from typing import Protocol

from checker.model.pipeline import Pipeline
from checker.model.source import Location, SourceRef
from checker.model.targets import DeployTarget
from checker.model.record import record


class ProblemSeverity(Enum):
    ERROR = "error"  # the file, or part of it, could not be loaded: exit code 2
    WARNING = "warning"  # loaded, but something in it is suspect (and AWS would likely reject it)


COMMAND_LINE = "(command line)"  # the "file" of a problem with what the user typed (an unused --param)


@record(kw_only=True)
class LoadProblem:
    """A PL000 finding: an input that could not be (fully) loaded."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    severity: ProblemSeverity = ProblemSeverity.ERROR
    code: str = "PL000"

    @property
    def location(self) -> Location | None:
        return None if self.line is None else Location(self.file, self.line, self.column or 1)

    @property
    def where(self) -> str:
        """file:line:col, or the file alone when the problem has no line."""
        return str(self.location) if self.location else self.file

    def __str__(self) -> str:
        return f"{self.where}: {self.code} {self.message}"


@record(kw_only=True)
class FileSummary:
    """One scanned file: what it was recognised as and what came out of it."""

    file: str
    kind: str | None  # the format recognised, or None when the file is not a pipeline definition
    pipelines: int = 0
    targets: int = 0
    note: str | None = None


class Locator(Protocol):
    def locate(self, ref: SourceRef) -> Location | None: ...


@record(kw_only=True)
class Workspace:
    pipelines: tuple[Pipeline, ...] = ()
    targets: tuple[DeployTarget, ...] = ()
    problems: tuple[LoadProblem, ...] = ()
    files: tuple[FileSummary, ...] = ()
    locator: Locator | None = field(default=None, compare=False, repr=False)

    def locate(self, ref: SourceRef) -> Location | None:
        """Line and column of a model node in its file."""
        return self.locator.locate(ref) if self.locator is not None else None

    @property
    def has_errors(self) -> bool:
        return any(p.severity is ProblemSeverity.ERROR for p in self.problems)
