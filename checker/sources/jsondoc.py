"""JSON documents: the standard library parses; a token scan finds positions and duplicate keys on demand."""

from __future__ import annotations

import json
import re

from checker.model.source import Path
from checker.sources.errors import LoadError
from checker.sources.read import line_col
from checker.sources.yamldoc import MAX_DEPTH, DuplicateKey

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.S)
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def _check_depth(text: str) -> None:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):  # brackets inside strings do not nest
        char = match.group()
        if char in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:  # said at the bracket that goes too deep, as the YAML reader does
                raise LoadError(f"the document nests deeper than {MAX_DEPTH} levels", *line_col(text, match.start()))
        elif char in ("]", "}"):
            depth -= 1


def parse_json(text: str) -> tuple[object, bool]:
    """The value, and whether some object repeats a key (then `duplicate_keys` says where)."""
    _check_depth(text)
    repeated = False

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        nonlocal repeated
        result = dict(items)
        if len(result) != len(items):
            repeated = True
        return result

    def constant(name: str) -> object:
        match = re.search(r"-?\b(NaN|Infinity)\b", text)
        where = line_col(text, match.start()) if match else (None, None)
        raise LoadError(f"{name} is not a JSON value", *where)

    def integer(digits: str) -> int | str:
        return int(digits) if len(digits) <= 4000 else digits  # Python refuses to read longer ones

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_int=integer), repeated
    except json.JSONDecodeError as error:
        raise LoadError(f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
    except (ValueError, RecursionError) as error:
        raise LoadError(f"invalid JSON: {error}") from None


class JsonIndex:
    """Offsets of every node of a valid JSON text, by path: (start, end), start at the key for members."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans: dict[Path, tuple[int, int]] = {}
        self.duplicates: list[DuplicateKey] = []
        self._tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        self._pos = 0
        if self._tokens:
            self._value((), None)
        del self._tokens

    def _value(self, path: Path, key_start: int | None) -> None:
        token, start, end = self._tokens[self._pos]
        self._pos += 1
        if token == "{":
            seen: dict[str, int] = {}
            while self._tokens[self._pos][0] != "}":
                key_token, key_at, _ = self._tokens[self._pos]
                key = json.loads(key_token)
                if key in seen:
                    line, column = line_col(self.text, key_at)
                    self.duplicates.append(DuplicateKey(key, line_col(self.text, seen[key])[0], line, column))
                seen[key] = key_at
                self._pos += 2  # the key and its colon
                self._value(path + (key,), key_at)
                if self._tokens[self._pos][0] == ",":
                    self._pos += 1
            end = self._tokens[self._pos][2]
            self._pos += 1
        elif token == "[":
            index = 0
            while self._tokens[self._pos][0] != "]":
                self._value(path + (index,), None)
                index += 1
                if self._tokens[self._pos][0] == ",":
                    self._pos += 1
            end = self._tokens[self._pos][2]
            self._pos += 1
        self.spans[path] = (start if key_start is None else key_start, end)
