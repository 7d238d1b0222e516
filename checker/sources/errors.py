"""The one error a source reader raises: what is wrong, and where."""

from __future__ import annotations


class LoadError(Exception):
    """An input that cannot be read; becomes a PL000 finding with the file, line and message."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
