"""From a model path to a line and column: the one place where positions are worked out.

Loaders give every model node a SourceRef (file + path of keys and indexes). While a file's document is in
memory, the spans of all model nodes are recorded here; any other path (a configuration key a finding points at)
is found by reading the file again, once, on demand.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from typing import Callable

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from checker.model.source import Location, Path, SourceRef, Span
from checker.sources.jsondoc import JsonIndex
from checker.sources.yamldoc import CFN_TAGS


class YamlPositions:
    """Spans of a YAML document's nodes. Each mapping's keys are indexed the first time a path goes through it:
    looking up every model node of a template with thousands of resources stays linear."""

    def __init__(self, root: Node | None) -> None:
        self._root = root
        self._keys: dict[int, dict[object, tuple[Node, Node]]] = {}

    def span(self, path: Path) -> Span | None:
        """The span of the node at `path`: from its key (for mapping members) to the end of its value."""
        node, key = self._root, None
        for part in path:
            if node is None:
                return None
            if CFN_TAGS.get(node.tag) == part:  # `!If [...]` stands for `{"Fn::If": [...]}`
                continue
            if type(node) is MappingNode:
                found = self._member(node, part)
                if found is None:
                    return None
                key, node = found
            elif type(node) is SequenceNode and isinstance(part, int) and 0 <= part < len(node.value):
                key, node = None, node.value[part]
            elif type(node) is ScalarNode:  # `!GetAtt A.B` is one scalar standing for a list
                break
            else:
                return None
        if node is None:
            return None
        first = key or node
        return Span(
            first.start_mark.line + 1, first.start_mark.column + 1, node.end_mark.line + 1, node.end_mark.column + 1
        )

    def _member(self, node: MappingNode, part: object) -> tuple[Node, Node] | None:
        keys = self._keys.get(id(node))
        if keys is None:  # the last of a repeated key wins, as in the loaded value
            keys = self._keys[id(node)] = {k.value: (k, v) for k, v in node.value if type(k) is ScalarNode}
        found = keys.get(part)
        if found is None and "<<" in keys:
            return _member(node, part)  # merge keys (`<<: *base`): rare, read the slow way
        return found


def _member(node: MappingNode, part: object) -> tuple[Node, Node] | None:
    found = None
    for key, value in node.value:
        if type(key) is ScalarNode and key.value == part:
            found = (key, value)  # the last one wins, as in the loaded value
    if found is None:
        for key, value in node.value:  # merge keys: `<<: *base`
            if type(key) is ScalarNode and key.value == "<<":
                for source in value.value if type(value) is SequenceNode else [value]:
                    if type(source) is MappingNode and (found := _member(source, part)) is not None:
                        return found
    return found


class JsonPositions:
    """Spans of a JSON text, computed on first use."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._index: JsonIndex | None = None
        self._lines: list[int] | None = None

    @property
    def index(self) -> JsonIndex:
        if self._index is None:
            self._index = JsonIndex(self._text)
        return self._index

    def span(self, path: Path) -> Span | None:
        offsets = self.index.spans.get(path)
        if offsets is None:
            return None
        if self._lines is None:
            self._lines = [0] + [i + 1 for i, c in enumerate(self._text) if c == "\n"]
        (line, column), (end_line, end_column) = (self._line_col(o) for o in offsets)
        return Span(line, column, end_line, end_column)

    def _line_col(self, offset: int) -> tuple[int, int]:
        assert self._lines is not None
        line = bisect.bisect_right(self._lines, offset)
        return line, offset - self._lines[line - 1] + 1


SpanFinder = Callable[[Path], Span | None]


class SourceIndex:
    """Positions of model nodes for every file of a run (implements the model's Locator)."""

    def __init__(self, reopen: Callable[[str], SpanFinder | None], cache_size: int = 8) -> None:
        self._known: dict[str, dict[Path, int]] = {}  # spans packed into one int each (see `pack`)
        self._reopen = reopen
        self._open: OrderedDict[str, SpanFinder | None] = OrderedDict()
        self._cache_size = cache_size

    def record(self, file: str, finder: SpanFinder, paths: set[Path]) -> None:
        self.add(file, packed(finder, paths))

    def add(self, file: str, spans: dict[Path, int]) -> None:
        """Packed spans (`packed`), worked out here or elsewhere (a worker process, an earlier run: the cache)."""
        self._known.setdefault(file, {}).update(spans)

    def locate(self, ref: SourceRef) -> Location | None:
        known = self._known.get(ref.file, {})
        span = known.get(ref.path) or self._find(ref)
        if span is None:  # the nearest ancestor that has a place
            for cut in range(len(ref.path) - 1, -1, -1):
                span = known.get(ref.path[:cut]) or self._find(SourceRef(ref.file, ref.path[:cut]))
                if span is not None:
                    break
        if span is None:
            return None
        line, column, end_line, end_column = unpack(span)
        return Location(ref.file, line, column, end_line, end_column)

    def _find(self, ref: SourceRef) -> int | None:
        if ref.file not in self._open:
            self._open[ref.file] = self._reopen(ref.file)
            if len(self._open) > self._cache_size:
                self._open.popitem(last=False)
        finder = self._open[ref.file]
        span = finder(ref.path) if finder is not None else None
        if span is None:
            return None
        self._known.setdefault(ref.file, {})[ref.path] = number = pack(span)
        return number


# A span kept as one int, 24 bits a number: an estate's files have millions of spans, and an int is a third of
# the memory of a Span and its four numbers.
_BITS = 24
_MASK = (1 << _BITS) - 1


def pack(span: Span) -> int:
    return span.line | span.column << _BITS | span.end_line << 2 * _BITS | span.end_column << 3 * _BITS


def unpack(number: int) -> tuple[int, int, int, int]:
    return (number & _MASK, number >> _BITS & _MASK, number >> 2 * _BITS & _MASK, number >> 3 * _BITS)


def packed(finder: SpanFinder, paths: set[Path]) -> dict[Path, int]:
    """The packed spans of these paths that the finder places."""
    found = {}
    for path in paths:
        span = finder(path)
        if span is not None:
            found[path] = pack(span)
    return found
