"""Suppressions: inline in the template, and exemptions in the policy. Suppressed findings stay in the report,
marked, so machine-readable output still shows them; they do not count for the exit code.

Inline forms:

- `Metadata: {pipelint: {ignore: [{rule: PL101, reason: "..."}]}}` on the pipeline resource: the whole pipeline;
- a comment `# pipelint: ignore[PL101] reason` (several codes: `ignore[PL101,PL102]`): on the line of a
  finding, or alone on the line above it; above (or on) the first line of what holds the finding (a stage, a CI
  job, a step), all its findings; above the pipeline's first line, the whole pipeline.

A code may be a prefix (`PL1`). An ignore without a reason is not applied (a PL000 warning says so). An
exemption whose `expires` date has passed is not applied either, and is itself a finding (PL002).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace

from checker.model import (
    Evaluation,
    Finding,
    LoadProblem,
    Location,
    Outcome,
    ProblemSeverity,
    SourceRef,
    Suppression,
    SuppressionKind,
    Workspace,
)
from checker.policy.model import Exemption, Policy
from checker.rules.tool import EXEMPTION_EXPIRED
from checker.sources.errors import LoadError
from checker.sources.read import read_text

COMMENT = re.compile(r"#\s*pipelint:\s*ignore\[([^\]]*)\][ \t]*(.*)$")


@dataclass(frozen=True, slots=True)
class CommentIgnore:
    line: int  # the line it covers
    codes: tuple[str, ...]
    reason: str
    written_at: int


class Suppressor:
    def __init__(self, workspace: Workspace, policy: Policy, today: datetime.date) -> None:
        self.workspace = workspace
        self.policy = policy
        self.today = today
        self.problems: list[LoadProblem] = []
        self._comments: dict[str, dict[int, list[CommentIgnore]]] = {}
        self._pipelines = {(p.source.file, p.source.path): p for p in workspace.pipelines}

    def apply(self, evaluation: Evaluation) -> Evaluation:
        if not evaluation.findings:
            return evaluation
        findings = tuple(self._suppress(f, evaluation) for f in evaluation.findings)
        outcome = evaluation.outcome
        if outcome is Outcome.FAILED and all(f.suppressed is not None for f in findings):
            outcome = Outcome.EXEMPTED
        return replace(evaluation, findings=findings, outcome=outcome)

    def _suppress(self, finding: Finding, evaluation: Evaluation) -> Finding:
        found = self._inline(finding, evaluation) or self._exemption(finding, evaluation)
        return replace(finding, suppressed=found) if found else finding

    def _inline(self, finding: Finding, evaluation: Evaluation) -> Suppression | None:
        pipeline = self._pipelines.get((evaluation.ref.file, evaluation.ref.path))
        for ignore in pipeline.ignores if pipeline is not None else ():
            if finding.code.startswith(ignore.rule):
                return Suppression(kind=SuppressionKind.INLINE, reason=ignore.reason,
                                   location=self.workspace.locate(ignore.source))  # fmt: skip
        for file, lines in self._places(finding, evaluation).items():
            comments = self._comments_in(file)
            for line in lines:
                for comment in comments.get(line, ()):
                    if any(finding.code.startswith(code) for code in comment.codes):
                        return Suppression(kind=SuppressionKind.INLINE, reason=comment.reason,
                                           location=Location(file, comment.written_at, 1))  # fmt: skip
        return None

    def _places(self, finding: Finding, evaluation: Evaluation) -> dict[str, list[int]]:
        """The lines, by file, where a comment covers the finding: its own line; the first lines of what holds it
        inside the pipeline (a stage, a CI job, a step); the pipeline's; and those of the jobs that run the
        reusable workflow it is written in."""
        lines = [finding.location.line] if finding.location else []
        start = self.workspace.locate(evaluation.ref)
        if start is not None and evaluation.ref.file == finding.ref.file:
            lines += [start.line - 1, start.line]  # the resource's key line and its first line
        shallowest = len(evaluation.ref.path) + 1 if evaluation.ref.file == finding.ref.file else 2
        for cut in range(shallowest, len(finding.ref.path)):
            holder = self.workspace.locate(SourceRef(finding.ref.file, finding.ref.path[:cut]))
            if holder is not None:
                lines.append(holder.line)
        places = {finding.ref.file: lines}
        for caller in finding.via:
            where = self.workspace.locate(caller)
            if where is not None:
                places.setdefault(caller.file, []).append(where.line)
        return places

    def _comments_in(self, file: str) -> dict[int, list[CommentIgnore]]:
        if file not in self._comments:
            self._comments[file] = self._read_comments(file)
        return self._comments[file]

    def _read_comments(self, file: str) -> dict[int, list[CommentIgnore]]:
        try:
            text = read_text(file)
        except (LoadError, OSError):
            return {}
        if "pipelint:" not in text:
            return {}
        found: dict[int, list[CommentIgnore]] = {}
        lines = text.splitlines()
        for number, line in enumerate(lines, 1):
            match = COMMENT.search(line)
            if match is None:
                continue
            codes = tuple(c.strip() for c in match.group(1).split(",") if c.strip())
            reason = match.group(2).strip()
            if not codes or not reason:
                what = "names no rule" if not codes else "has no reason"
                self.problems.append(LoadProblem(
                    file=file, line=number, column=match.start() + 1, severity=ProblemSeverity.WARNING,
                    message=f"this `pipelint: ignore` comment {what}; write `# pipelint: ignore[PL101] why`. "
                            "It is not applied"))  # fmt: skip
                continue
            covered = number
            if line[: match.start()].strip() == "":  # alone on its line: it covers the next line with content
                covered = next((n for n in range(number + 1, len(lines) + 1)
                                if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")), number)  # fmt: skip
            found.setdefault(covered, []).append(CommentIgnore(covered, codes, reason, number))
        return found

    def _exemption(self, finding: Finding, evaluation: Evaluation) -> Suppression | None:
        for exemption in self.policy.exemptions:
            if exemption.matches(finding.code, evaluation.pipeline, finding.ref.file) and not exemption.expired(self.today):
                return Suppression(kind=SuppressionKind.EXEMPTION, reason=exemption.reason, owner=exemption.owner,
                                   expires=exemption.expires.isoformat() if exemption.expires else None,
                                   location=self.workspace.locate(exemption.ref))  # fmt: skip
        return None

    def expired_exemptions(self) -> list[Finding]:
        return [self._expired(e) for e in self.policy.exemptions if e.expired(self.today)]

    def _expired(self, exemption: Exemption) -> Finding:
        return Finding(
            code=EXEMPTION_EXPIRED.code, name=EXEMPTION_EXPIRED.name, severity=EXEMPTION_EXPIRED.severity,
            pipeline=exemption.pipeline,
            message=f"the exemption from {exemption.rule} for pipeline '{exemption.pipeline}' (owner "
                    f"{exemption.owner}: {exemption.reason}) expired on {exemption.expires}; it is no longer "
                    "applied, so its findings are reported again. Renew it with a new date, or fix the pipeline",
            ref=exemption.ref, location=self.workspace.locate(exemption.ref),
        )  # fmt: skip
