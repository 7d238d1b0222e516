"""The Report: everything a reporter needs, and nothing it must work out again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.engine.overview import PipelineOverview
from checker.model import Evaluation, Finding, LoadProblem, ProblemSeverity, Severity, Workspace
from checker.policy.model import Framework

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleInfo:
    """A rule as this run used it: the policy's severity and options, and whether it ran."""

    code: str
    name: str
    severity: Severity  # after the policy's changes
    default_severity: Severity
    summary: str
    docs: str  # Markdown: what, why, example, use instead
    help_uri: str
    why: str = ""  # the docs' "Why is this bad?" section
    remediation: str = ""  # the docs' "Use instead" section
    enabled: bool
    options: Mapping[str, object] = field(default_factory=dict)
    # False for another tool's checks of whole files (cfn-lint's, `lint --cfn-lint`): their findings belong to no
    # rule × pipeline evaluation, so pipeline × rule tables have no column for them
    per_pipeline: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    workspace: Workspace
    policy_name: str
    rules: tuple[RuleInfo, ...]
    evaluations: tuple[Evaluation, ...]
    findings: tuple[Finding, ...]  # suppressed ones included (marked), PL001 and PL002 too, in file order
    problems: tuple[LoadProblem, ...]  # PL000: what could not be loaded, and suppressions that are not valid
    fail_on: Severity = Severity.HIGH
    overviews: tuple[PipelineOverview, ...] = ()  # one per pipeline, in evaluation order: what diagrams draw
    frameworks: tuple[Framework, ...] = ()  # the policy's compliance frameworks: controls and their rules

    def rule(self, code: str) -> RuleInfo | None:
        return next((r for r in self.rules if r.code == code), None)

    @property
    def active(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.suppressed is None)

    @property
    def suppressed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.suppressed is not None)

    @property
    def blocking(self) -> tuple[Finding, ...]:
        """Active findings at or above `fail_on`: the ones that fail the run."""
        return tuple(f for f in self.active if f.severity >= self.fail_on)

    def blocks(self, findings: Iterable[Finding]) -> bool:
        """Whether these findings fail the run: one of them is active and at or above `fail_on`."""
        return any(f.suppressed is None and f.severity >= self.fail_on for f in findings)

    @property
    def load_errors(self) -> bool:
        return any(p.severity is ProblemSeverity.ERROR for p in self.problems)

    def to_records(self, kind: str = "findings") -> list[dict[str, Any]]:
        """One flat dict per finding (suppressed ones included, marked), or per evaluation (`kind="evaluations"`:
        one per rule × pipeline, with its outcome)."""
        from checker.engine.records import records

        return records(self, kind)

    def to_dataframe(self, kind: str = "findings") -> Any:
        """`to_records(kind)` as a pandas DataFrame (needs pandas: the notebooks extra)."""
        from checker.engine.records import COLUMNS, dataframe

        return dataframe(self.to_records(kind), COLUMNS[kind])

    @property
    def exit_code(self) -> int:
        """2: an input could not be loaded or a rule failed; 1: findings at or above `fail_on`; else 0."""
        if self.load_errors or any(f.code == "PL001" for f in self.findings):
            return EXIT_ERROR
        if self.blocking:
            return EXIT_FINDINGS
        return EXIT_OK
