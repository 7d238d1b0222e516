"""Writing what a command made: reports to files or standard output, and the line that sums a run up.

Light on imports: a run whose reports come from the cache writes them from here without loading the rest.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from checker.runner.runs import RunRecord


class UsageError(Exception):
    """A command-line value that cannot be used (exit code 2)."""


@contextmanager
def output(path: str | None) -> Iterator[TextIO]:
    if not path:
        yield sys.stdout
        return
    try:
        # a lone surrogate from a JSON escape in an input must not cost the report: write it as a replacement
        stream = open(path, "w", encoding="utf-8", errors="replace")  # noqa: SIM115
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
    with stream:
        try:
            yield stream
        except OSError as error:
            raise UsageError(f"cannot write {path}: {error.strerror or error}") from None


def emit(rendered: Sequence[tuple[str | None, Sequence[str]]], said: str | None) -> None:
    """Write each rendered report, its pieces one after the other, to its file (None: standard output); then
    print `said` (the summary line, when every report went to a file). A report that cannot be written does
    not stop the others; the run exits 2."""
    failed = []
    for path, pieces in rendered:
        try:
            with output(path) as stream:
                for piece in pieces:
                    stream.write(piece)
        except UsageError as error:
            failed.append(str(error))
    if said is not None:
        print(said)
    if failed:
        raise UsageError("; ".join(failed))


def replay(record: RunRecord) -> int:
    """Say and write what a lint run made (now, or in an earlier run: the cache); its exit code."""
    for line in record.notes:
        print(line, file=sys.stderr)
    emit(record.rendered, record.said)
    return record.exit_code
