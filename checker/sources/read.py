"""Reading a file's text, refusing what is not text: too large, binary, or not UTF-8.

Every read (and every `is_file` probe) is noted in the `Reads` being recorded, if any, with the file's
fingerprint: the cache (checker/runner) keeps a result only together with what it was made from, and uses it
again only while every one of those files is unchanged (or still absent).
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager

from checker.sources.errors import LoadError

MAX_FILE_BYTES = 20 * 1024 * 1024
_SNIFF_BYTES = 8192


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


class Reads:
    """The files one piece of work looked at: path -> fingerprint (see `fingerprint`), in the order met."""

    __slots__ = ("files",)

    def __init__(self) -> None:
        self.files: dict[str, str] = {}


_recording: list[Reads] = []  # nested recordings each see every read (a file's load inside a whole run)


@contextmanager
def recording() -> Iterator[Reads]:
    reads = Reads()
    _recording.append(reads)
    try:
        yield reads
    finally:
        _recording.remove(reads)


def note(path: str, mark: str | None = None) -> None:
    """Note that what is being worked out depends on this file (its content, or its absence); `mark`: its
    fingerprint, when known already."""
    if _recording:
        mark = mark or fingerprint(path)
        for reads in _recording:
            reads.files.setdefault(path, mark)


def digest(data: bytes) -> str:
    import hashlib  # here: a run that keeps nothing in the cache does without it

    return hashlib.blake2b(data, digest_size=20).hexdigest()


def _linked(path: str) -> str:
    """Where a path leads when a link on the way leads elsewhere: a workflow linked outside its repository is
    refused, whatever its bytes."""
    try:
        real = os.path.realpath(path)
    except (OSError, ValueError):
        return ""
    return "" if real == os.path.abspath(path) else f" -> {real}"


def fingerprint(path: str) -> str:
    """A digest of the file's bytes, or what stands in their place: missing, not a regular file, unreadable;
    and where it really is, when a link leads there. A path ending in a separator stands for a folder's
    listing: the names in it."""
    return _fingerprint(path) + _linked(path)


def _fingerprint(path: str) -> str:
    if path.endswith(os.sep):
        try:
            return digest("\0".join(sorted(os.listdir(path))).encode("utf-8", "surrogateescape"))
        except OSError as error:
            return f"unreadable: {error.strerror}"
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable: {error.strerror}"
    except ValueError:  # a NUL in the name, from an input: no such file can exist
        return "missing"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    try:
        with open(path, "rb") as handle:
            return digest(handle.read())
    except OSError as error:
        return f"unreadable: {error.strerror}"


def is_file(path: str) -> bool:
    """os.path.isfile, noted: a result that depends on a file being absent is stale once it appears."""
    note(path)
    return os.path.isfile(path)


def read_text(path: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file's text; LoadError for a missing, unreadable, huge, binary or non-UTF-8 file."""
    try:
        data = _read_bytes(path, max_bytes)
    except LoadError:
        note(path)
        raise
    if _recording:
        note(path, digest(data) + _linked(path))  # as `fingerprint` says it, without reading the file again
    return decode(data)


def _read_bytes(path: str, max_bytes: int) -> bytes:
    try:
        info = os.stat(path)
    except OSError as error:
        raise LoadError(f"cannot read the file: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
        raise LoadError("not a regular file (a pipe, device or socket); pipelint reads only regular files")
    size = info.st_size
    if size > max_bytes:
        raise LoadError(
            f"the file is {size / 1048576:.1f} MB, larger than the {max_bytes / 1048576:.0f} MB pipelint reads "
            "(pipeline definitions are far smaller; set --max-file-size to read it anyway)"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise LoadError(f"cannot read the file: {error.strerror or error}") from None
    return data


def decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise LoadError("the file is UTF-16; pipeline definitions must be UTF-8")
    if b"\0" in data[:_SNIFF_BYTES]:
        raise LoadError("the file is binary (it contains NUL bytes), not a pipeline definition")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        good = data[: error.start].decode("utf-8-sig", errors="replace")
        line, column = line_col(good, len(good))
        raise LoadError(
            f"the file is not valid UTF-8: byte 0x{data[error.start]:02x} at offset {error.start} ({error.reason})",
            line,
            column,
        ) from None
