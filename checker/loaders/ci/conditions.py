"""Job conditions of CI systems, decided for one kind of run (a push to the default branch, a tag push).

GitHub Actions' `if:` expressions and GitLab CI's `rules: - if:` share a small grammar: comparisons,
`&&`, `||`, `!`, parentheses, string literals, and variables (`github.ref`, `$CI_COMMIT_BRANCH`). The result is
True, False or None (unknown: a variable the run does not fix, a function pipelint does not evaluate, a file
change). A job whose condition is unknown is kept: it may run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

UNKNOWN = object()
Lookup = Callable[[str], object]  # a variable's value, None when unset, UNKNOWN when the run does not fix it


@dataclass(frozen=True, slots=True)
class Partial:
    """A value known only in part: not one value (the branch of a push to another branch than the default), and
    starting with a prefix (the ref of a tag push starts with `refs/tags/`)."""

    not_value: str | None = None
    prefix: str = ""

    def equals(self, other: object) -> object:
        if other is None:
            return False  # it is set
        if not isinstance(other, str) or other == self.not_value or not other.startswith(self.prefix):
            return False
        return UNKNOWN

    def starts_with(self, start: str) -> object:
        if self.prefix.startswith(start):
            return True
        return UNKNOWN if start.startswith(self.prefix) else False

_TOKEN = re.compile(
    r"\s*(?:(?P<op>==|!=|=~|!~|&&|\|\||[!(),])"
    r"|'(?P<sq>(?:[^']|'')*)'|\"(?P<dq>(?:[^\"\\]|\\.)*)\""
    r"|(?P<regex>/(?:[^/\\]|\\.)+/[imx]*)"
    r"|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<var>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.\-*\[\]']*))"
)


class _Parser:
    def __init__(self, text: str, lookup: Lookup, functions: dict[str, Callable[..., object]], values: bool = False) -> None:
        self.values = values  # `&&` and `||` give an operand, as GitHub's do, not only true or false
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                if text[position:].strip():
                    raise ValueError(f"cannot read {text[position:position + 20]!r}")
                break
            kind = match.lastgroup or ""
            value = match.group(kind) if kind else ""
            if kind == "sq":
                value = value.replace("''", "'")
            self.tokens.append((kind, value))
            position = match.end()
        self.index = 0
        self.lookup = lookup
        self.functions = functions

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or op is not None and token != ("op", op):
            raise ValueError(f"expected {op or 'a value'}")
        self.index += 1
        return token

    def parse(self) -> object:
        value = self.or_()
        if self.peek() is not None:
            raise ValueError("unexpected text after the expression")
        return value

    def or_(self) -> object:
        value = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            value = _or(value, right) if not self.values else UNKNOWN if value is UNKNOWN else value if truthy(value) else right
        return value

    def and_(self) -> object:
        value = self.not_()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.not_()
            value = _and(value, right) if not self.values else UNKNOWN if value is UNKNOWN else right if truthy(value) else value
        return value

    def not_(self) -> object:
        if self.peek() == ("op", "!"):
            self.take()
            value = self.not_()
            return UNKNOWN if value is UNKNOWN else not truthy(value)
        return self.compare()

    def compare(self) -> object:
        left = self.primary()
        token = self.peek()
        if token in (("op", "=="), ("op", "!="), ("op", "=~"), ("op", "!~")):
            self.take()
            right = self.primary()
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            if isinstance(left, Partial) or isinstance(right, Partial):
                partial, other = (left, right) if isinstance(left, Partial) else (right, left)
                same = UNKNOWN if token[1] in ("=~", "!~") else partial.equals(other)  # type: ignore[union-attr]
                return same if same is UNKNOWN or token[1] == "==" else not same
            if token[1] in ("=~", "!~"):
                found = _matches(left, right)
                return found if found is UNKNOWN or token[1] == "=~" else not found
            same = _loose(left) == _loose(right)
            return same if token[1] == "==" else not same
        return left

    def primary(self) -> object:
        kind, value = self.take()
        if (kind, value) == ("op", "("):
            inner = self.or_()
            self.take(")")
            return inner
        if kind in ("sq", "dq"):
            return value
        if kind == "regex":
            return re.compile(value[1:value.rindex("/")]) if _safe(value) else UNKNOWN
        if kind == "number":
            return float(value)
        if kind == "var":
            return self.lookup(value.strip("${}"))
        if kind == "name":
            if value in ("true", "false"):
                return value == "true"
            if value == "null":
                return None
            if self.peek() == ("op", "("):
                return self.call(value)
            return self.lookup(value)
        raise ValueError(f"unexpected {value!r}")

    def call(self, name: str) -> object:
        self.take("(")
        args = []
        while self.peek() != ("op", ")"):
            args.append(self.or_())
            if self.peek() == ("op", ","):
                self.take()
        self.take(")")
        function = self.functions.get(name.lower())
        if name.lower() == "startswith" and len(args) == 2 and isinstance(args[0], Partial) and isinstance(args[1], str):
            return args[0].starts_with(args[1])
        if function is None or any(a is UNKNOWN or isinstance(a, Partial) for a in args):
            return UNKNOWN
        return function(*args)


def _safe(regex: str) -> bool:
    """A pattern a user wrote: refuse nested quantifiers, which can make matching take forever."""
    return len(regex) < 200 and not re.search(r"[+*}]\)?[+*{]", regex)


def _matches(value: object, pattern: object) -> object:
    if not isinstance(pattern, re.Pattern):
        return UNKNOWN
    if value is None:
        return False
    return pattern.search(str(value)) is not None


def _loose(value: object) -> object:
    return value.lower() if isinstance(value, str) and value.lower() in ("true", "false") else value


def truthy(value: object) -> bool:
    return isinstance(value, Partial) or value not in (None, False, "", 0, 0.0)


def _and(left: object, right: object) -> object:
    if left is not UNKNOWN and not truthy(left) or right is not UNKNOWN and not truthy(right):
        return False
    return UNKNOWN if UNKNOWN in (left, right) else right


def _or(left: object, right: object) -> object:
    if left is not UNKNOWN and truthy(left):
        return left
    if right is not UNKNOWN and truthy(right):
        return right
    return UNKNOWN if UNKNOWN in (left, right) else right


def _text(value: object) -> str:
    return "" if value is None else str(value)


GITHUB_FUNCTIONS: dict[str, Callable[..., object]] = {
    "startswith": lambda a, b: _text(a).lower().startswith(_text(b).lower()),
    "endswith": lambda a, b: _text(a).lower().endswith(_text(b).lower()),
    "contains": lambda a, b: (_text(b).lower() in [_text(x).lower() for x in a]) if isinstance(a, list)
    else _text(b).lower() in _text(a).lower(),
    "always": lambda: True,
    "success": lambda: True,  # the jobs it needs succeeded: the run pipelint describes
    "failure": lambda: False,
    "cancelled": lambda: False,
}


def evaluate(text: str, lookup: Lookup, functions: dict[str, Callable[..., object]] | None = None) -> object:
    """The value of an expression (`github.ref == 'refs/heads/main' && 'production' || 'staging'`), or UNKNOWN
    when the run does not decide it; `a && b || c` is GitHub's "b if a, else c"."""
    try:
        return _Parser(text, lookup, functions or {}, values=True).parse()
    except (ValueError, re.error, RecursionError):
        return UNKNOWN


def decide(text: object, lookup: Lookup, functions: dict[str, Callable[..., object]] | None = None) -> bool | None:
    """True, False, or None when the run does not decide it (or the text cannot be read)."""
    if isinstance(text, bool):
        return text
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if stripped.startswith("${{") and stripped.endswith("}}"):
        stripped = stripped[3:-2]
    try:
        value = _Parser(stripped, lookup, functions or {}).parse()
    except (ValueError, re.error, RecursionError):
        return None
    return None if value is UNKNOWN else truthy(value)
