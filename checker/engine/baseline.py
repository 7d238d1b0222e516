"""Baselines: adopt pipelint on an estate that already has findings, and hear only about new ones.

A baseline lists the findings known when it was written, keyed by rule + file + model path (the JSON pointer
of the node the finding is about, with stages and actions by name), never by line, so reformatting a template,
adding lines above a finding or inserting a stage does not bring it back. Each key carries a count: a second finding of the same rule at the same node is new.
File paths are kept relative to the baseline's own folder, so the baseline works from any working directory.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from checker.engine.report import Report
from checker.model import Finding, Outcome, Suppression, SuppressionKind

BASELINE_VERSION = 1

Key = tuple[str, str, str]  # rule code, file (relative to the baseline's folder, posix), `Finding.identity`


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a pipelint baseline (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Baseline:
    file: str
    counts: Counter[Key]

    @classmethod
    def read(cls, file: str) -> Baseline:
        try:
            with open(file, encoding="utf-8") as stream:
                data = json.load(stream)
        except FileNotFoundError:
            raise BaselineError(f"baseline {file} does not exist; write one with --write-baseline {file}") from None
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
            raise BaselineError(f"baseline {file} cannot be read: {error}") from None
        version = data.get("baseline_version") if isinstance(data, dict) else None
        if type(version) is not int or version != BASELINE_VERSION:  # noqa: E721 - True == 1 must not pass
            raise BaselineError(f"{file} is not a pipelint baseline (version {BASELINE_VERSION}); "
                                f"write a new one with --write-baseline")  # fmt: skip
        entries = data.get("findings", [])
        if not isinstance(entries, list):
            raise BaselineError(f"{file}: findings must be a list")
        counts: Counter[Key] = Counter()
        for index, entry in enumerate(entries):
            key, count = _entry(entry)
            if key is None:
                raise BaselineError(f"{file}: findings[{index}] needs rule, file and path (strings) and a count "
                                    "(a whole number from 1)")  # fmt: skip
            counts[key] += count
        return cls(file, counts)

    def apply(self, report: Report) -> Report:
        """The report with every finding the baseline knows marked as suppressed (kind: baseline)."""
        left = Counter(self.counts)
        base = _folder(self.file)
        marked: dict[int, Finding] = {}
        for finding in report.findings:
            if finding.suppressed is not None:
                continue
            key = key_of(finding, base)
            if left[key] > 0:
                left[key] -= 1
                note = Suppression(kind=SuppressionKind.BASELINE, reason=f"known in baseline {self.file}")
                marked[id(finding)] = replace(finding, suppressed=note)
        if not marked:
            return report
        evaluations = []
        for evaluation in report.evaluations:
            findings = tuple(marked.get(id(f), f) for f in evaluation.findings)
            outcome = evaluation.outcome
            if outcome is Outcome.FAILED and findings and all(f.suppressed is not None for f in findings):
                outcome = Outcome.EXEMPTED
            evaluations.append(replace(evaluation, findings=findings, outcome=outcome))
        findings = tuple(marked.get(id(f), f) for f in report.findings)
        return replace(report, evaluations=tuple(evaluations), findings=findings)


def _entry(entry: object) -> tuple[Key | None, int]:
    if not isinstance(entry, dict):
        return None, 0
    parts = (entry.get("rule"), entry.get("file"), entry.get("path"))
    count = entry.get("count", 1)
    if not all(isinstance(p, str) and p for p in parts) or type(count) is not int or count < 1:  # noqa: E721
        return None, 0
    return parts, count  # type: ignore[return-value]


def write(report: Report, file: str) -> int:
    """Write every finding not suppressed in the files or the policy; returns how many were written."""
    base = _folder(file)
    known = [f for f in report.findings if f.suppressed is None or f.suppressed.kind is SuppressionKind.BASELINE]
    counts = Counter(key_of(f, base) for f in known)
    first: dict[Key, Finding] = {}
    for finding in known:
        first.setdefault(key_of(finding, base), finding)
    entries = [
        {"rule": key[0], "file": key[1], "path": key[2], "count": counts[key], "pipeline": first[key].pipeline,
         "message": first[key].message}
        for key in sorted(counts)
    ]  # fmt: skip
    document = {"tool": "pipelint", "baseline_version": BASELINE_VERSION,
                "about": "findings known when this file was written; `pipelint lint --baseline FILE` reports "
                         "only findings not listed here. Keyed by rule, file and model path, not by line.",
                "findings": entries}  # fmt: skip
    try:
        Path(file).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise BaselineError(f"cannot write baseline {file}: {error.strerror or error}") from None
    return len(known)


def key_of(finding: Finding, base: str) -> Key:
    return (finding.code, _relative(finding.ref.file, base), finding.identity)


def _folder(file: str) -> str:
    return os.path.dirname(os.path.abspath(file))


def _relative(file: str, base: str) -> str:
    try:
        return Path(os.path.relpath(os.path.abspath(file), base)).as_posix()
    except ValueError:  # another drive on Windows: keep the absolute path
        return Path(os.path.abspath(file)).as_posix()
