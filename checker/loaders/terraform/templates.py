"""Strings, heredocs and their template directives (`${...}`, `%{if}`, `%{for}`), evaluated to text.

A template's text is built from its literal parts and the values of its interpolations; an unknown part is
written as its source (`arn:aws:iam::${var.prod_account}:role/deploy`), so that a string with an unknown
account still says which account it is and the analysis can compare it. An `%{if}` or `%{for}` that cannot be
decided leaves the whole text unknown, with the reason. python-hcl2 gives a heredoc as one token, so its
`${...}` and `%{...}` are found and parsed here. The evaluator (expressions.py) calls `string`, `heredoc` and
`template_string` for those nodes and lends them itself to evaluate what they enclose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from hcl2.utils import process_escape_sequences
from lark import Token, Tree

from checker.loaders.terraform.scopes import IDENTIFIER, Scope, bind, iteration
from checker.loaders.terraform.tree import name_of, subtrees
from checker.loaders.terraform.values import (
    MAX_DEPTH, MAX_STRING, TOO_DEEP, TOO_LONG, Budget, EvalError, Stop, a_type, snippet, to_bool, to_text,
)  # fmt: skip
from checker.model.values import Unknown

if TYPE_CHECKING:  # the evaluator calls in here; only the type checker needs the way back
    from checker.loaders.terraform.expressions import Evaluator, Run


def string(ev: Evaluator, node: Tree, scope: Scope) -> object:
    """A quoted string: its text, or the value itself when it is one lone interpolation."""
    pieces = _string_pieces(ev, node)
    if len(pieces) == 1 and pieces[0].kind == "interp":  # "${x}" is x itself, not x as a string
        return ev.named(ev.eval(pieces[0].node, scope), pieces[0].node)  # type: ignore[arg-type]
    return _template(ev, pieces, scope)


def template_string(ev: Evaluator, node: Tree, scope: Scope) -> object:
    return process_escape_sequences(str(node.children[0])[2:-2])  # \"text\" inside a directive


def heredoc(ev: Evaluator, node: Tree, scope: Scope) -> object:
    trim = node.data == "heredoc_template_trim"
    return _template(ev, _heredoc_pieces(ev.run, str(node.children[0]), trim), scope)


def _string_pieces(ev: Evaluator, node: Tree) -> list[_Piece]:
    pieces = []
    for part in subtrees(node):
        inner = part.children[0]
        if isinstance(inner, Token):
            escaped = inner.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE")  # $${ is a literal ${
            raw = inner[1:] if escaped else str(inner)
            pieces.append(_Piece("lit", process_escape_sequences(raw)))
            continue
        kind = _PART_KINDS[str(inner.data)]
        expression = [t for t in subtrees(inner) if t.data != "identifier"]
        names = tuple(name_of(t) for t in subtrees(inner) if t.data == "identifier")
        kids = inner.children
        markers = [i for i, c in enumerate(kids) if isinstance(c, Token) and c.type == "STRIP_MARKER"]
        # `%{~ if x ~}`: a marker right after %{ strips before, one right before } strips after
        strips = (1 in markers, len(kids) - 2 in markers)
        pieces.append(_Piece(kind, "", expression[-1] if expression else None, ev.text, names, *strips))
    return pieces


def _template(ev: Evaluator, pieces: list[_Piece], scope: Scope) -> object:
    out = _Text(ev.run.budget)
    undecided = _render(ev, _nest(pieces), scope, out)
    return undecided if undecided is not None else out.value()


def _render(ev: Evaluator, items: tuple[_Piece | _Block, ...], scope: Scope, out: _Text) -> Unknown | None:
    """Write a template's parts; an Unknown when an %{if} or %{for} cannot be decided."""
    for item in items:
        if isinstance(item, _Piece):
            if item.kind == "lit" or item.node is None:
                out.add(item.text)
            else:
                out.add(_interpolate(ev.at(item.source), item.node, scope))
            continue
        head = ev.at(item.head.source)
        found = head.eval(item.head.node, scope)  # type: ignore[arg-type]
        if isinstance(found, Unknown):
            written = head.src(item.head.node)  # type: ignore[arg-type]
            return Unknown(f"depends on {snippet(written)}: {found.reason}")
        ev.run.depth += 1  # a directive nests like an expression, and the renderer recurses for it
        try:
            if ev.run.depth > MAX_DEPTH:
                raise Stop(TOO_DEEP)
            undecided = _render_block(ev, item, found, head, scope, out)
        finally:
            ev.run.depth -= 1
        if undecided is not None:
            return undecided
    return None


def _render_block(
    ev: Evaluator, block: _Block, found: object, head: Evaluator, scope: Scope, out: _Text
) -> Unknown | None:
    written = head.src(block.head.node)  # type: ignore[arg-type]
    if block.head.kind == "if":
        chosen = to_bool(found, f"the %{{if}} condition {snippet(written)}")
        return _render(ev, block.body if chosen else block.other, scope, out)
    pairs = iteration(found, written)
    ev.run.budget.spend(len(pairs))
    for key, value in pairs:
        undecided = _render(ev, block.body, bind(scope, block.head.names, key, value), out)
        if undecided is not None:
            return undecided
    return None


def _interpolate(ev: Evaluator, node: Tree, scope: Scope) -> str | Unknown:
    value = ev.eval(node, scope)
    if isinstance(value, Unknown):
        return value if value.text is not None else ev.unknown(value, node)
    if value is None or isinstance(value, list | tuple | Mapping):
        what = f"${{{snippet(ev.src(node))}}} is {a_type(value)}"
        raise EvalError(f"{what}; only strings, numbers and bools can be written into a string")
    return to_text(value)


@dataclass(frozen=True, slots=True)
class _Piece:
    """A part of a template: literal text, `${...}`, or a directive (`%{if}`, `%{else}`, `%{for}`, ...)."""

    kind: str
    text: str = ""
    node: Tree | None = None
    source: str = ""  # the text the node's positions refer to
    names: tuple[str, ...] = ()
    strip_left: bool = False  # `~` on the left: trims the whitespace before
    strip_right: bool = False


@dataclass(frozen=True, slots=True)
class _Block:
    """An %{if} (body, then the %{else} part) or an %{for} (body) with what it encloses."""

    head: _Piece
    body: tuple[_Piece | _Block, ...]
    other: tuple[_Piece | _Block, ...] = ()


class _Text:
    """A template's output: its strings and unknown parts (each as its text), bounded in length."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.parts: list[str] = []
        self.length = 0
        self.unknown: Unknown | None = None

    def add(self, part: str | Unknown) -> None:
        if isinstance(part, Unknown):
            self.unknown = self.unknown or part
            part = part.text or ""
        self.length += len(part)
        if self.length > MAX_STRING:
            raise Stop(TOO_LONG)
        self.budget.spend(len(part) // 100)
        self.parts.append(part)

    def value(self) -> str | Unknown:
        text = "".join(self.parts)
        return text if self.unknown is None else Unknown(self.unknown.reason, text)


def _nest(pieces: list[_Piece]) -> tuple[_Piece | _Block, ...]:
    """Flat template parts into %{if}/%{for} blocks, after the `~` strip markers trimmed the literal text."""
    merged: list[_Piece] = []
    for piece in pieces:
        if piece.kind == "lit" and merged and merged[-1].kind == "lit":
            merged[-1] = replace(merged[-1], text=merged[-1].text + piece.text)
        else:
            merged.append(piece)
    for i, piece in enumerate(merged):
        if piece.strip_left and i > 0 and merged[i - 1].kind == "lit":
            merged[i - 1] = replace(merged[i - 1], text=merged[i - 1].text.rstrip())
        if piece.strip_right and i + 1 < len(merged) and merged[i + 1].kind == "lit":
            merged[i + 1] = replace(merged[i + 1], text=merged[i + 1].text.lstrip())
    # each open block: its head, its body, and its %{else} part once one is seen
    Parts = list[_Piece | _Block]
    stack: list[tuple[_Piece | None, Parts, Parts | None]] = [(None, [], None)]
    for piece in merged:
        head, body, other = stack[-1]
        if piece.kind in ("lit", "interp"):
            (body if other is None else other).append(piece)
        elif piece.kind in ("if", "for"):
            stack.append((piece, [], None))
        elif piece.kind == "else" and head is not None and head.kind == "if" and other is None:
            stack[-1] = (head, body, [])
        elif head is not None and piece.kind == "end" + head.kind:
            stack.pop()
            finished = _Block(head, tuple(body), tuple(other or ()))
            (stack[-1][1] if stack[-1][2] is None else stack[-1][2]).append(finished)
        else:
            unmatched = f"%{{{piece.kind}}}"
            raise EvalError(f"the template has an {unmatched} that does not match its %{{if}} or %{{for}}")
    if len(stack) > 1:
        open_kind = stack[-1][0].kind  # type: ignore[union-attr]
        raise EvalError(f"the template has an %{{{open_kind}}} without its %{{end{open_kind}}}")
    return tuple(stack[0][1])


_HEREDOC_START = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n")


_TEMPLATE_OPEN = re.compile(r"\$\$\{|%%\{|\$\{|%\{")


_DIRECTIVE = re.compile(r"\s*(if|else|endif|for|endfor)\b(.*)", re.DOTALL)


# one way to match each space, so that a directive full of spaces cannot make the match slow
_FOR_NAMES = re.compile(rf"\s*({IDENTIFIER.pattern})(?:\s*,\s*({IDENTIFIER.pattern}))?\s+in\b(.*)", re.DOTALL)


def _heredoc_pieces(run: Run, token: str, trim: bool) -> list[_Piece]:
    """A heredoc's body as template parts. python-hcl2 gives the heredoc as one token, so pipelint finds
    the `${...}` and `%{...}` in it and parses each expression apart."""
    start = _HEREDOC_START.match(token)
    if start is None:
        raise Stop("pipelint could not read the heredoc")
    content = token[start.end() :].rstrip("\n").rstrip("\r")
    body = content[: content.rfind("\n") + 1]  # the last line is the closing marker
    if trim:
        body = _dedent(body)
    pieces, position, literal_text = [], 0, []  # type: list[_Piece], int, list[str]
    while (found := _TEMPLATE_OPEN.search(body, position)) is not None:
        literal_text.append(body[position : found.start()])
        opener = found.group()
        if opener in ("$${", "%%{"):
            literal_text.append(opener[1:])
            position = found.end()
            continue
        end = _closing_brace(body, found.end())
        if end < 0:
            raise EvalError(f"the heredoc has a {opener} without its closing }}")
        pieces.append(_Piece("lit", "".join(literal_text)))
        literal_text = []
        pieces.append(_template_piece(run, opener, body[found.end() : end]))
        position = end + 1
    literal_text.append(body[position:])
    pieces.append(_Piece("lit", "".join(literal_text)))
    return pieces


def _dedent(body: str) -> str:
    """`<<-`: remove the indentation the least indented line has (lines of only spaces do not count)."""
    lines = body.split("\n")
    widths = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(widths, default=0)
    return "\n".join(line[min(cut, len(line) - len(line.lstrip())) :] for line in lines)


def _closing_brace(text: str, position: int) -> int:
    """Where the `}` that closes a `${` or `%{` is, past braces and quoted strings (and their `${}`)."""
    stack = ["code"]
    while position < len(text):
        char = text[position]
        if stack[-1] == "code":
            if char == "{":
                stack.append("code")
            elif char == '"':
                stack.append("string")
            elif char == "}":
                stack.pop()
                if not stack:
                    return position
        elif char == "\\":
            position += 1
        elif char == '"':
            stack.pop()
        elif text.startswith(("$${", "%%{"), position):
            position += 2
        elif text.startswith(("${", "%{"), position):
            stack.append("code")
            position += 1
        position += 1
    return -1


def _template_piece(run: Run, opener: str, inner: str) -> _Piece:
    strip_left, strip_right = inner.startswith("~"), len(inner) > 1 and inner.endswith("~")
    inner = inner[int(strip_left) : len(inner) - int(strip_right)]
    if opener == "${":
        node, source = _parse_expression(run, inner)
        return _Piece("interp", "", node, source)
    directive = _DIRECTIVE.fullmatch(inner)
    if directive is None:
        raise EvalError(f"%{{{snippet(inner)}}} is not a template directive (if, else, endif, for, endfor)")
    kind, rest = directive.groups()
    if kind == "if":
        return _Piece(kind, "", *_parse_expression(run, rest), (), strip_left, strip_right)
    if kind == "for":
        loop = _FOR_NAMES.fullmatch(rest)
        if loop is None:
            wanted = "for NAME in ..., or for KEY, VALUE in ..."
            raise EvalError(f"%{{{snippet(inner)}}} is not a for directive ({wanted})")
        names = tuple(n for n in loop.groups()[:2] if n)
        return _Piece(kind, "", *_parse_expression(run, loop.group(3)), names, strip_left, strip_right)
    if rest.strip():
        raise EvalError(f"%{{{snippet(inner)}}}: nothing may follow {kind}")
    return _Piece(kind, strip_left=strip_left, strip_right=strip_right)


def _parse_expression(run: Run, body: str) -> tuple[Tree, str]:
    """An expression in a heredoc, parsed as `x = <expression>`: the tree, and the text it points into."""
    body = body.strip()
    run.parsed = run.parsed if run.parsed is not None else {}
    if body in run.parsed:
        return run.parsed[body]
    run.budget.spend(100)  # a parse costs much more than a value
    source = f"x = {body}\n"
    try:
        from hcl2.api import parses_to_tree  # the grammar loads once, when HCL is first read

        found = [t for t in subtrees(subtrees(parses_to_tree(source))[0]) if t.data in ("attribute", "block")]
    except Exception:  # any failure to parse (Lark's errors, recursion in its tree building) means unreadable
        found = []
    if len(found) != 1 or found[0].data != "attribute":
        raise Stop(f"pipelint could not read ${{{snippet(body)}}} in the heredoc")
    run.parsed[body] = (subtrees(found[0])[-1], source)
    return run.parsed[body]


_PART_KINDS = {
    "interpolation": "interp", "template_if_start": "if", "template_else": "else", "template_endif": "endif",
    "template_for_start": "for", "template_endfor": "endfor",
}  # fmt: skip
