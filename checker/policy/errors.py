"""What is wrong with a policy pack or framework file, and exactly where: file, key path, line and column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

from checker.model.source import Path
from checker.sources.document import Document


class PolicyError(Exception):
    """A policy pack (or a framework file it names) that cannot be used.

    `path` is readable (`rules.select[2]`, `exemptions[0].expires`); `line` and `column` are 1-based. Unknown
    parts are None and left out of `str()`: `<file>:<line>:<col>: <path>: <message>`. When a pack has several
    problems, the first (by line) is this error and the others are in `more`.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        more: Sequence[PolicyError] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.path = path
        self.line = line
        self.column = column
        self.more = tuple(more)

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line, self.column) if part is not None)
        return ": ".join(part for part in (where, self.path, self.message) if part)


def readable(path: Path) -> str | None:
    """("rules", "select", 2) → "rules.select[2]"; keys that are not plain words are quoted."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.replace("_", "").replace("-", "").isalnum():
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text or None


def error_at(document: Document, path: Path, message: str) -> PolicyError:
    """An error at the node `path` points to, with its line and column (of the key, for mapping members)."""
    span = document.spans(path)
    return PolicyError(
        message,
        file=document.file,
        path=readable(path),
        line=span.line if span else None,
        column=span.column if span else None,
    )


def first_of(errors: list[PolicyError]) -> PolicyError:
    """The first problem in the file (errors without a line last), carrying the others."""
    ordered = sorted(errors, key=lambda e: (e.line is None, e.line or 0, e.column or 0))
    first = ordered[0]
    first.more = tuple(ordered[1:])
    return first


def kind_of(value: object) -> str:
    """What a value is, in the words of a YAML author ("a list", not "array")."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "empty (null)" if value is None else type(value).__name__


def shown(value: object) -> str:
    """A value quoted for a message, cut short when long."""
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, (int, float)):
        return str(value)
    return kind_of(value)


def close_matches(word: str, options: Iterable[str], limit: int = 3) -> list[str]:
    """The options nearest to `word` (only the best-scoring ones, in order), for "did you mean" hints.

    difflib's own get_close_matches breaks ties by reverse string order; equally close options are listed here
    in their natural order, and weaker ones are left out so that the hint points somewhere.
    """
    scored = [(SequenceMatcher(None, word, option).ratio(), option) for option in options]
    scored = [(score, option) for score, option in scored if score >= 0.6]
    if not scored:
        return []
    best = max(score for score, _ in scored)
    return sorted(option for score, option in scored if score == best)[:limit]
