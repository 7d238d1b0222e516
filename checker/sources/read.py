"""Reading a file's text, refusing what is not text: too large, binary, or not UTF-8."""

from __future__ import annotations

import codecs
import os
import stat

from checker.sources.errors import LoadError

MAX_FILE_BYTES = 20 * 1024 * 1024
_SNIFF_BYTES = 8192


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def read_text(path: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file's text; LoadError for a missing, unreadable, huge, binary or non-UTF-8 file."""
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
    return decode(data)


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
