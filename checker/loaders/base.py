"""What a loader gets and gives."""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.model import DeployTarget, LoadProblem, Pipeline, ProblemSeverity
from checker.model.source import Path
from checker.sources.document import Document
from checker.sources.read import MAX_FILE_BYTES


@dataclass(frozen=True, slots=True)
class LoadOptions:
    parameters: dict[str, str] = field(default_factory=dict)  # --param and --params: template parameter values
    max_file_bytes: int = MAX_FILE_BYTES
    var_files: tuple[str, ...] = ()  # --var-file: Terraform variable files, read after the module's own


@dataclass(slots=True)
class LoadResult:
    kind: str
    pipelines: list[Pipeline] = field(default_factory=list)
    targets: list[DeployTarget] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    note: str | None = None
    reads: list[str] = field(default_factory=list)  # other files read through this one (reusable workflows)
    called_only: bool = False  # the file runs only when another calls it: lint it through its callers
    parameters: tuple[str, ...] = ()  # the names --param can set in this file (template parameters)

    def problem(
        self, doc: Document, message: str, line: int | None = None, column: int | None = None,
        severity: ProblemSeverity = ProblemSeverity.ERROR,
    ) -> None:  # fmt: skip
        self.problems.append(LoadProblem(file=doc.file, message=message, line=line, column=column, severity=severity))

    def problems_at(self, doc: Document, issues: list[tuple[Path, str]], severity: ProblemSeverity = ProblemSeverity.ERROR) -> None:
        """Issues found at paths in the document, each once, at its line and column."""
        seen = {(p.line, p.column, p.message) for p in self.problems if p.file == doc.file}
        for path, message in issues:
            span = doc.spans(path)
            key = (span.line if span else None, span.column if span else None, message)
            if key not in seen:
                seen.add(key)
                self.problem(doc, message, key[0], key[1], severity)


def report_reader_findings(doc: Document, result: LoadResult, what: str) -> None:
    """Duplicate keys and unknown tags: AWS rejects such files; say where, and go on with what was read."""
    for dup in doc.duplicates:
        result.problem(
            doc,
            f"duplicate key '{dup.key}' (first on line {dup.first_line}): {what} rejects duplicate keys; "
            "pipelint used the last one",
            dup.line,
            dup.column,
        )
    if doc.extra_documents:
        result.problem(doc, "the file holds more than one YAML document; only the first was read",
                       severity=ProblemSeverity.WARNING)  # fmt: skip
    for tag in doc.unknown_tags:
        result.problem(doc, f"unknown tag {tag.tag}: {what} does not define it; read as if untagged", tag.line, tag.column)
