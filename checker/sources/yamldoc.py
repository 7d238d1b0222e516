"""YAML documents, read safely and fast.

PyYAML's C composer builds the node tree (with line marks); this module turns nodes into plain values itself,
which is faster than PyYAML's constructor and lets it:

- read scalars by the YAML 1.2 core schema, so `on:` stays a string, `2010-09-09` is not a date and `yes` is
  not a boolean, and keep `012345678901` (an account id) as written;
- turn CloudFormation's short tags (`!Ref`, `!Sub`, `!GetAtt A.B`, ...) into their long form;
- report unknown tags and duplicate keys with their lines, for the format loader to judge;
- refuse nesting deeper than MAX_DEPTH and aliases that expand past a budget (alias bombs): the C composer
  itself crashes the process on nesting in the tens of thousands, so depth is bounded before it runs.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from checker.sources.errors import LoadError
from checker.sources.read import line_col

MAX_DEPTH = 300
_INTERNED = 64  # scalars this long or shorter are interned
_intern = sys.intern
_SAFE_INDICATORS = 5000  # depth <= count of "[{-:?": below this the composer cannot crash
MAX_EXPANSION = 1_000_000  # value nodes an alias may add beyond the document's own

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Composes only; scalar resolution happens in `_Converter`, by the YAML 1.2 core schema."""

    def resolve(self, kind: type, value: object, implicit: object) -> str:  # noqa: ARG002
        return _STR if kind is ScalarNode else _SEQ if kind is SequenceNode else _MAP


CFN_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{
        f"!{name}": f"Fn::{name}"
        for name in (
            "And Base64 Cidr Contains EachMemberEquals EachMemberIn Equals FindInMap GetAZs GetAtt If ImportValue "
            "Join Length Not Or RefAll Select Split Sub ToJsonString Transform ValueOf ValueOfAll"
        ).split()
    },
}

_WORDS: dict[str, object] = {
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
    "null": None, "Null": None, "NULL": None, "~": None,
}  # fmt: skip
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_SPECIAL_FLOATS = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}
_MISSING = object()
_BUSY = object()  # a container being converted: met again through an alias, the structure is recursive
_STANDARD = {"str", "int", "float", "bool", "null", "seq", "map", "binary", "timestamp", "set", "omap", "pairs"}


def plain_scalar(text: str) -> object:
    """A plain (unquoted) scalar by the YAML 1.2 core schema; leading-zero numbers stay strings."""
    if not text:
        return None
    first = text[0]
    if first in "0123456789+-.":
        if _INT.fullmatch(text):
            digits = text.lstrip("+-")
            if len(digits) > 1 and digits[0] == "0" or len(digits) > 4000:  # account ids keep their zeros
                return text
            return int(text)
        if _FLOAT.fullmatch(text):
            return float(text)
        if text.startswith("0x") and re.fullmatch(r"0x[0-9a-fA-F]+", text):
            return int(text, 16)
        if text.startswith("0o") and re.fullmatch(r"0o[0-7]+", text):
            return int(text[2:], 8)
        return _SPECIAL_FLOATS.get(text.lower(), text)
    if first in "tTfFnN~":
        found = _WORDS.get(text, _MISSING)
        return text if found is _MISSING else found
    return text


@dataclass(frozen=True, slots=True)
class TagUse:
    tag: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    key: str
    first_line: int
    line: int
    column: int


@dataclass(slots=True)
class YamlDocument:
    """A parsed YAML file: its value, its node tree for positions, and what the reader noticed."""

    value: object
    root: Node | None
    unknown_tags: list[TagUse] = field(default_factory=list)
    duplicates: list[DuplicateKey] = field(default_factory=list)
    extra_documents: bool = False


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Converter:
    def __init__(self) -> None:
        self.memo: dict[int, tuple[object, int]] = {}
        self.count = 0  # nodes converted, for the size of each container
        self.expanded = 0  # nodes that aliases add when expanded
        self.unknown_tags: list[TagUse] = []
        self.duplicates: list[DuplicateKey] = []

    def convert(self, node: Node, depth: int = 0) -> object:
        if depth > MAX_DEPTH:
            raise LoadError(f"the document nests deeper than {MAX_DEPTH} levels", *_mark(node))
        tag = node.tag
        if type(node) is ScalarNode:
            self.count += 1
            if tag == _STR:
                value = node.value if node.style else plain_scalar(node.value)  # plain style: None or ""
                # short strings repeat across an estate's files (providers, categories, versions): one copy each
                return _intern(value) if type(value) is str and len(value) <= _INTERNED else value
            return self._tagged(node, tag, node.value)
        key = id(node)
        seen = self.memo.get(key)
        if seen is _BUSY:
            raise LoadError("an alias refers to a node that contains it (a recursive structure)", *_mark(node))
        if seen is not None:  # an alias: the same node again; count what expanding it would cost
            self.expanded += seen[1]
            if self.expanded > MAX_EXPANSION:
                raise LoadError(
                    f"aliases expand the document past {MAX_EXPANSION:,} nodes (an alias bomb?)", *_mark(node)
                )
            return seen[0]
        start, start_expanded = self.count, self.expanded
        self.count += 1
        self.memo[key] = _BUSY  # type: ignore[assignment]
        if type(node) is SequenceNode:
            value: object = [self.convert(item, depth + 1) for item in node.value]
        else:
            value = self._mapping(node, depth)
        if tag not in (_SEQ, _MAP):
            value = self._tagged(node, tag, value)
        self.memo[key] = (value, self.count - start + self.expanded - start_expanded)
        return value

    def _mapping(self, node: MappingNode, depth: int) -> dict[str, object]:
        result: dict[str, object] = {}
        merges: list[object] = []
        for key_node, value_node in node.value:
            if type(key_node) is ScalarNode:
                key = _intern(key_node.value)
                if key == "<<" and not key_node.style and key_node.tag == _STR:
                    merges.append(self.convert(value_node, depth + 1))
                    continue
            else:
                key = str(self.convert(key_node, depth + 1))
            if key in result:
                first = next(k for k, _ in node.value if type(k) is ScalarNode and k.value == key)
                self.duplicates.append(DuplicateKey(key, first.start_mark.line + 1, *_mark(key_node)))
            result[key] = self.convert(value_node, depth + 1)
        for merge in merges:
            for source in merge if isinstance(merge, list) else [merge]:
                if isinstance(source, dict):
                    for key, value in source.items():
                        result.setdefault(key, value)
        return result

    def _tagged(self, node: Node, tag: str, value: object) -> object:
        long_form = CFN_TAGS.get(tag)
        if long_form is not None:
            if long_form == "Fn::GetAtt" and isinstance(value, str):
                resource, _, attribute = value.partition(".")
                value = [resource, attribute]
            return {long_form: value}
        if tag.startswith("tag:yaml.org,2002:") and tag[18:] in _STANDARD:
            return _standard(node, tag[18:], value)
        shown = "!!" + tag[18:] if tag.startswith("tag:yaml.org,2002:") else tag
        self.unknown_tags.append(TagUse(shown, *_mark(node)))
        if tag == "!reference":  # GitLab CI's: kept recognisable, for the GitLab loader to resolve
            return {"!reference": value}
        return plain_scalar(value) if isinstance(value, str) and node.style is None else value


def _standard(node: Node, name: str, value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        if name == "int":
            return int(value.replace("_", ""), 0)
        if name == "float":
            return float(value.replace("_", ""))
        if name == "bool":
            return {"true": True, "false": False}[value.lower()]
        if name == "null":
            return None
    except (ValueError, KeyError):
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise LoadError(f"{shown!r} is not a valid !!{name}", *_mark(node)) from None
    return value


def _check_depth(text: str) -> None:
    """Refuse deep nesting before the C composer sees it (it recurses without a limit and can crash)."""
    if sum(text.count(c) for c in "[{-:?") <= _SAFE_INDICATORS:
        return
    depth = 0
    opening = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    closing = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    for event in yaml.parse(text, Loader=_Loader):  # the event parser keeps its own stack: no recursion
        if isinstance(event, opening):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise LoadError(f"the document nests deeper than {MAX_DEPTH} levels", mark.line + 1, mark.column + 1)
        elif isinstance(event, closing):
            depth -= 1


_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _inside(text: str, line: int, column: int) -> tuple[int, int]:
    """1-based line and column of a 0-based mark. At the end of a text without a final line break libyaml puts
    the mark on a line after the last one, which no editor shows: that is the end of the last line."""
    lines = _YAML_BREAK.split(text)
    if line < len(lines):
        return line + 1, column + 1
    return len(lines), len(lines[-1]) + 1


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    return lines[line][column : column + 1] if line < len(lines) else ""


def parse_yaml(text: str) -> YamlDocument:
    """Parse the first YAML document of a text; LoadError with line and column on anything malformed."""
    try:
        _check_depth(text)
        loader = _Loader(text)
        try:
            root = loader.get_node() if loader.check_node() else None
            extra = root is not None and loader.check_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = _inside(text, mark.line, mark.column) if mark else ()
        if "nesting depth" in str(error.problem):  # libyaml >= 0.2.6 has a limit of its own
            raise LoadError(f"the document nests deeper than the YAML parser allows ({error.problem})", *where) from None
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            raise LoadError("invalid YAML: a TAB character where YAML allows only spaces (indent with spaces)", *where) from None
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise LoadError(f"invalid YAML: {message}", *where) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow (a control character, U+FFFE)
        code = error.character if isinstance(error.character, int) else ord(error.character)
        offset = error.position  # libyaml counts bytes of the UTF-8 text, PyYAML's own reader characters
        if _Base is not yaml.SafeLoader:
            offset = len(text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "ignore"))
        raise LoadError(f"invalid YAML: unacceptable character #x{code:04x}: {error.reason}",
                        *line_col(text, offset)) from None  # fmt: skip
    except yaml.YAMLError as error:
        raise LoadError(f"invalid YAML: {error}") from None
    if root is None:
        return YamlDocument(None, None)
    converter = _Converter()
    value = converter.convert(root)
    return YamlDocument(value, root, converter.unknown_tags, converter.duplicates, extra)
