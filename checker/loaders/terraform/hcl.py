"""Terraform's HCL files, parsed by python-hcl2 into blocks and attributes with their positions.

python-hcl2's parser (Lark, LALR) gives a parse tree with line and column marks; this module turns the top of it
into `Block`s and `Attribute`s and keeps each attribute's expression as a parse-tree node for
`expressions.evaluate`. A file that is not HCL is a LoadError at its line. Nesting is bounded before the parser
sees the text, because the walkers that follow it recurse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from checker.model.source import Span
from checker.sources.errors import LoadError

MAX_DEPTH = 200
_OPEN, _CLOSE = "([{", ")]}"
_TOKEN_WORDS = {"RBRACE": "'}'", "RSQB": "']'", "RPAR": "')'", "DBLQUOTE": "'\"'", "EQ": "'='", "LBRACE": "'{'",
                "COMMA": "','", "NAME": "a name", "NL_OR_COMMENT": "a new line"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    expr: object  # a lark Tree or Token: the expression
    span: Span


@dataclass(frozen=True, slots=True)
class Block:
    type: str
    labels: tuple[str, ...]
    attributes: dict[str, Attribute]
    blocks: tuple[Block, ...]
    span: Span
    duplicates: tuple[Attribute, ...] = field(default=())  # an argument written twice (Terraform rejects it)

    def children(self, kind: str) -> list[Block]:
        return [block for block in self.blocks if block.type == kind]


@dataclass(frozen=True, slots=True)
class HclFile:
    file: str  # the name shown to users
    text: str
    body: Block  # the file as a block without type: its top-level attributes (.tfvars) and blocks


def span_of(node: object) -> Span:
    meta = getattr(node, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return Span(meta.line, meta.column, meta.end_line, meta.end_column)
    line, column = getattr(node, "line", None) or 1, getattr(node, "column", None) or 1
    return Span(line, column, getattr(node, "end_line", None) or line, getattr(node, "end_column", None) or column)


def parse_hcl(file: str, text: str) -> HclFile:
    """Parse a .tf or .tfvars text; LoadError with line and column for anything that is not HCL."""
    _check_depth(text)
    from hcl2.api import parses_to_tree  # a second of import and grammar loading: only when HCL is read
    from lark.exceptions import LarkError, UnexpectedInput

    try:
        tree = parses_to_tree(text)
    except UnexpectedInput as error:
        raise LoadError(f"invalid HCL: {_explain(error)}", getattr(error, "line", None),
                        getattr(error, "column", None)) from None  # fmt: skip
    except (LarkError, RecursionError, ValueError, RuntimeError) as error:
        raise LoadError(f"invalid HCL: {type(error).__name__}: {str(error)[:200]}") from None
    body = tree.children[0] if tree.children else None
    return HclFile(file, text, _body(body, "", (), Span(1, 1, 1, 1)))


def _body(node: object, kind: str, labels: tuple[str, ...], span: Span) -> Block:
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    duplicates: list[Attribute] = []
    for child in getattr(node, "children", ()):
        rule = getattr(child, "data", None)
        if rule == "attribute":
            name = _name(child.children[0])
            expr = next(c for c in reversed(child.children) if getattr(c, "type", None) != "EQ")
            attribute = Attribute(name, expr, span_of(child))
            if name in attributes:
                duplicates.append(attribute)
            attributes[name] = attribute
        elif rule == "block":
            parts = [c for c in child.children if getattr(c, "data", None) in ("identifier", "string", "keyword",
                                                                                 "literal_value")]  # fmt: skip
            inner = next((c for c in child.children if getattr(c, "data", None) == "body"), None)
            words = tuple(_name(p) for p in parts)
            blocks.append(_body(inner, words[0], words[1:], span_of(child)))
    return Block(kind, labels, attributes, tuple(blocks), span, tuple(duplicates))


def _name(node: object) -> str:
    """An identifier, keyword or quoted label as text."""
    if getattr(node, "data", None) == "string":
        return "".join(str(part.children[0]) for part in node.children if getattr(part, "data", None) == "string_part"  # type: ignore[attr-defined]
                       and hasattr(part.children[0], "type"))  # fmt: skip
    children = getattr(node, "children", None)
    if children:
        return _name(children[0])
    return str(node)


def _check_depth(text: str) -> None:
    if sum(text.count(c) for c in _OPEN) <= MAX_DEPTH:
        return
    depth = 0
    for index, char in enumerate(text):
        if char in _OPEN:
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, index) + 1
                raise LoadError(f"the file nests deeper than {MAX_DEPTH} levels", line,
                                index - text.rfind("\n", 0, index))  # fmt: skip
        elif char in _CLOSE and depth:
            depth -= 1


def _explain(error: object) -> str:
    token = getattr(error, "token", None)
    expected = sorted(getattr(error, "expected", None) or getattr(error, "allowed", None) or ())
    wanted = [_TOKEN_WORDS[name] for name in expected if name in _TOKEN_WORDS]
    hint = f" (expected {' or '.join(wanted[:3])})" if wanted and len(wanted) <= 3 else ""
    if token is not None and getattr(token, "type", None) == "$END":
        return "the file ends in the middle of a block, string or expression" + hint
    if token is not None:
        shown = re.sub(r"\s+", " ", str(token)).strip()[:30] or repr(str(token))
        return f"unexpected '{shown}'" + hint
    char = getattr(error, "char", None)
    if char is not None:
        return f"unexpected character {char!r}"
    return str(error).splitlines()[0][:200]
