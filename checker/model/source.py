"""Where a model node came from. Positions live beside the model, keyed by these references."""

from __future__ import annotations

from checker.model.record import record

PathPart = str | int
Path = tuple[PathPart, ...]


@record()
class SourceRef:
    """A file and a JSON-pointer-like path of keys and indexes into its document."""

    file: str
    path: Path = ()

    def child(self, *parts: PathPart) -> SourceRef:
        return SourceRef(self.file, self.path + parts)

    def pointer(self) -> str:
        """The path as an RFC 6901 JSON pointer."""
        return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in self.path)

    def __str__(self) -> str:
        return f"{self.file}#{self.pointer()}"


@record()
class Span:
    """1-based start and end of a node in its file (end is exclusive)."""

    line: int
    column: int
    end_line: int
    end_column: int


@record()
class Location:
    """A resolved position: what reporters print."""

    file: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"
