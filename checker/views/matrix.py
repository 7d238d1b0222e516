"""What the Markdown and HTML reports tabulate: pipelines × rules, and framework controls × pipelines.

A control holds for a pipeline as well as its weakest rule: one failed rule fails the control, an unknown one
leaves it unknown, and so on down to "not applicable" when none of its rules applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from checker.engine.report import EXIT_ERROR, EXIT_FINDINGS, Report, RuleInfo
from checker.model import Evaluation, Finding, Outcome
from checker.policy.model import Control, Framework

# worst first: the order in which a control takes its rules' outcomes
WORST_FIRST = (Outcome.ERROR, Outcome.FAILED, Outcome.UNKNOWN, Outcome.EXEMPTED, Outcome.PASSED,
               Outcome.NOT_APPLICABLE, Outcome.DISABLED)  # fmt: skip
SYMBOL = {Outcome.PASSED: "✅", Outcome.FAILED: "❌", Outcome.UNKNOWN: "❔", Outcome.NOT_APPLICABLE: "➖",
          Outcome.EXEMPTED: "🛡️", Outcome.ERROR: "💥", Outcome.DISABLED: "⏸️"}  # fmt: skip
LABEL = {Outcome.PASSED: "passed", Outcome.FAILED: "failed", Outcome.UNKNOWN: "unknown",
         Outcome.NOT_APPLICABLE: "not applicable", Outcome.EXEMPTED: "exempted", Outcome.ERROR: "error",
         Outcome.DISABLED: "disabled"}  # fmt: skip

PipelineKey = tuple[str, str]  # file, JSON pointer of the pipeline


@dataclass(frozen=True, slots=True)
class Row:
    """One pipeline: its evaluations by rule code."""

    key: PipelineKey
    pipeline: str
    file: str
    cells: dict[str, Evaluation]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for e in self.cells.values() for f in e.findings)

    def outcome(self, codes: Iterable[str]) -> Outcome | None:
        """The worst outcome among these rules; None when none of them was evaluated here."""
        outcomes = {self.cells[c].outcome for c in codes if c in self.cells}
        return next((o for o in WORST_FIRST if o in outcomes), None)


@dataclass(frozen=True, slots=True)
class ControlRow:
    framework: Framework
    control: Control
    outcomes: tuple[Outcome | None, ...]  # one per pipeline row, in row order


def rows(report: Report) -> list[Row]:
    """One row per pipeline, in the order the report evaluated them."""
    found: dict[PipelineKey, Row] = {}
    for evaluation in report.evaluations:
        key = (evaluation.ref.file, evaluation.ref.pointer())
        row = found.get(key)
        if row is None:
            row = found[key] = Row(key, evaluation.pipeline, evaluation.ref.file, {})
        row.cells[evaluation.code] = evaluation
    return list(found.values())


def columns(report: Report) -> list[RuleInfo]:
    """The rules that ran over pipelines (disabled ones, and another tool's checks of whole files, are left out
    of tables)."""
    return [r for r in report.rules if r.enabled and r.per_pipeline]


def controls(report: Report, table: list[Row]) -> list[ControlRow]:
    return [ControlRow(framework, control, tuple(row.outcome(control.rules) for row in table))
            for framework in report.frameworks for control in framework.controls]  # fmt: skip


def unchecked(report: Report) -> str | None:
    """Why no rule judged any pipeline, or None when one did.

    A run that checked nothing has no finding, but it has not passed either: the reports say so, and why,
    instead of a green verdict over empty tables.
    """
    if any(e.outcome is not Outcome.DISABLED for e in report.evaluations):
        return None
    if not report.workspace.pipelines:
        return "no pipeline was found in the inputs"
    return "every rule is disabled by the policy, --select or --ignore"


class Verdict(Enum):
    ERROR = "error"  # an input could not be loaded, or a rule failed
    FAIL = "fail"  # findings at or above fail_on
    NOTHING_CHECKED = "none"  # see `unchecked`
    PASS = "pass"


def verdict(report: Report) -> Verdict:
    """The run's verdict as reports state it: load errors first, then findings, then whether anything ran."""
    if report.exit_code == EXIT_ERROR:
        return Verdict.ERROR
    if report.exit_code == EXIT_FINDINGS:
        return Verdict.FAIL
    return Verdict.NOTHING_CHECKED if unchecked(report) else Verdict.PASS


def counts(report: Report) -> dict[Outcome, int]:
    result = {outcome: 0 for outcome in WORST_FIRST}
    for evaluation in report.evaluations:
        result[evaluation.outcome] += 1
    return result
