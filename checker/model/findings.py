"""What a lint run says: one evaluation per rule × pipeline, and the findings of the failed ones.

Outcomes follow the design: passed, failed, not applicable, unknown (with the reason the files leave it open),
error (the rule raised: a PL001 finding, and the run goes on). Two more say why a rule was not judged: disabled
by the policy, or failed but every finding suppressed or exempted.
"""

from __future__ import annotations

from enum import Enum

from checker.model.source import Location, SourceRef
from checker.model.record import record


class Severity(Enum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __ge__(self, other: Severity) -> bool:  # type: ignore[override]
        return self.rank >= other.rank

    def __gt__(self, other: Severity) -> bool:  # type: ignore[override]
        return self.rank > other.rank

    def __le__(self, other: Severity) -> bool:  # type: ignore[override]
        return self.rank <= other.rank

    def __lt__(self, other: Severity) -> bool:  # type: ignore[override]
        return self.rank < other.rank


_RANK = {severity: rank for rank, severity in enumerate(Severity)}


class Confidence(Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Outcome(Enum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not-applicable"
    UNKNOWN = "unknown"
    ERROR = "error"
    EXEMPTED = "exempted"  # failed, but every finding is suppressed in the template or exempted by the policy
    DISABLED = "disabled"  # the policy does not select the rule


class SuppressionKind(Enum):
    INLINE = "inline"  # Metadata.pipelint.ignore or a `# pipelint: ignore[...]` comment in the file
    EXEMPTION = "exemption"  # an exemption in the policy pack
    BASELINE = "baseline"  # known before: listed in a baseline file


@record(kw_only=True)
class Suppression:
    kind: SuppressionKind
    reason: str
    owner: str | None = None
    expires: str | None = None  # ISO date, for exemptions
    location: Location | None = None  # where the suppression is written


@record()
class Related:
    """Another place that explains a finding: the approval that runs in parallel, the group without rollback."""

    message: str
    ref: SourceRef | None = None
    location: Location | None = None


@record(kw_only=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    pipeline: str  # the pipeline's label: its name, and the logical id for a template
    ref: SourceRef  # the model node the finding is about (file + path); stable across reformatting
    location: Location | None = None  # line and column, resolved from `ref` once
    confidence: Confidence = Confidence.HIGH
    related: tuple[Related, ...] = ()
    scenario: str | None = None  # the parameter values under which it fails, when conditions decide it
    suppressed: Suppression | None = None
    named_path: str | None = None  # `ref`'s path with stages and actions by name (checker.engine.identity)
    via: tuple[SourceRef, ...] = ()  # the jobs that run the reusable workflow `ref` is written in, outermost first

    @property
    def active(self) -> bool:
        return self.suppressed is None

    @property
    def where(self) -> str:
        """file:line:col, or the file alone when the finding has no position."""
        return str(self.location) if self.location else self.ref.file

    @property
    def identity(self) -> str:
        """What stays the same when lines move or stages are inserted: the model path, stages and actions named."""
        return self.named_path or self.ref.pointer()


@record(kw_only=True)
class Evaluation:
    """One rule's answer for one pipeline (all its scenarios together)."""

    code: str
    name: str
    pipeline: str
    ref: SourceRef  # the pipeline
    outcome: Outcome
    reason: str = ""  # why unknown / not applicable / disabled, or the evidence it passed
    findings: tuple[Finding, ...] = ()
