"""Terraform's value rules, shared by the expression evaluator and the built-in functions.

What Terraform does with a value once an expression has produced it: conversions (a numeric string in
arithmetic, "true" in logic), equality, sets, how a number reads in a string. It is one module so that `==` in
an expression and `contains()` in a function cannot come to disagree. A value the files do not determine is an
`Unknown` with the reason; a result that depends on one is Unknown too, unless Terraform itself could still
decide. The limits live here as well: everything built or compared is counted against a `Budget` and nesting
is bounded, so hostile input cannot make pipelint work without end. `Call` and `Function` are the shape of a
built-in function, here so that the evaluator and the function modules share it without importing each other.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from checker.model.values import Unknown

MAX_DEPTH = 128  # nesting of expressions; each level costs the evaluator a few Python frames
MAX_VALUES = 1_000_000  # values built, visited or compared by one evaluation
MAX_STRING = 10_000_000  # characters in one string
MAX_VALUE_DEPTH = 100  # nesting of lists and objects that pipelint walks
MAX_NUMBER_BITS = 1024  # beyond a double: Terraform's numbers are wider, but no pipeline needs one

REJECTED = "Terraform would reject this: "
_STOPS = "pipelint stops evaluating it"
TOO_DEEP = f"the expression is nested more than {MAX_DEPTH} levels deep; {_STOPS}"
TOO_LONG = f"the expression builds a string longer than {MAX_STRING:,} characters; {_STOPS}"
TOO_DEEP_VALUE = f"the value is nested more than {MAX_VALUE_DEPTH} levels deep; {_STOPS}"
TOO_BIG_NUMBER = "the expression computes a number that is infinite or too large for pipelint to follow"


class EvalError(Exception):
    """An expression Terraform itself would reject (a missing key, a wrong type, an index out of range)."""


class Stop(Exception):
    """pipelint gives up on the expression (a limit): not an error in it, so `try` and `can` let it pass."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def too_many_values() -> Stop:
    return Stop(f"the expression builds more than {MAX_VALUES:,} values; {_STOPS}")


class SetValue(list):  # type: ignore[type-arg]
    """A Terraform set (from toset and the set functions): a list in Terraform's order, with no index."""

    __slots__ = ()


class Budget:
    """What one evaluation may still build, visit or compare; a string counts one per 100 characters."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_VALUES  # read at each evaluation, so a test can lower it

    def spend(self, count: int = 1) -> None:
        self.left -= count
        if self.left < 0:
            raise too_many_values()

    def reserve(self, length: int) -> None:
        """Refuse a string before building it."""
        if length > MAX_STRING:
            raise Stop(TOO_LONG)
        self.spend(length // 100)

    def charge(self, value: object) -> object:
        if isinstance(value, str):
            self.reserve(len(value))
        elif isinstance(value, list | tuple | Mapping):
            self.spend(len(value))
        return value


# -- built-in functions: what one is given, and what it declares ------------------------------------------


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    source: str  # the call as written: an unknown result reads `${source}`
    arg_sources: tuple[str, ...]
    budget: Budget

    def unknown(self, cause: Unknown) -> Unknown:
        return Unknown(cause.reason, f"${{{self.source}}}")


Impl = Callable[[list[object], Call], object]


@dataclass(frozen=True, slots=True)
class Function:
    impl: Impl
    min_args: int
    max_args: int | None  # None: any number
    # "deep": an unknown anywhere inside the arguments gives Unknown; "top": an unknown argument does;
    # "self": the function decides, because Terraform can still decide with some unknowns (length, merge)
    unknowns: str = "deep"


# -- types and conversions ---------------------------------------------------------------------------------


def type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, SetValue):
        return "set"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return "unknown value" if isinstance(value, Unknown) else type(value).__name__


def a_type(value: object) -> str:
    """A value's type for a message: `null`, `a string`, `an object`."""
    kind = type_name(value)
    return kind if kind == "null" else ("an " if kind[0] in "aeiou" else "a ") + kind


def short(text: str, limit: int = 60) -> str:
    """A value quoted in a message, cut so that a huge one cannot flood it."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def snippet(text: str) -> str:
    """Source text quoted in a message: on one line, because a reason is read as one line."""
    return short(" ".join(text.split()), 80)


def is_list(value: object) -> bool:
    return isinstance(value, list | tuple)


def number(value: int | float) -> int | float:
    """A number as pipelint holds it: int when whole, refused when infinite or wider than a double."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Stop(TOO_BIG_NUMBER)
        return int(value) if value.is_integer() else value
    if value.bit_length() > MAX_NUMBER_BITS:
        raise Stop(TOO_BIG_NUMBER)
    return value


_NUMERIC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def parse_number(text: str) -> int | float | None:
    if len(text) > 400 or not _NUMERIC.fullmatch(text):
        return None
    if re.fullmatch(r"[+-]?\d+", text):
        return number(int(text))
    return number(float(text))


def number_literal(text: str) -> int | float:
    """A number as written in the source: one too long to follow stops the evaluation, it is no error."""
    value = parse_number(text)
    if value is None:
        raise Stop(TOO_BIG_NUMBER)
    return value


def arithmetic(operator: str, a: int | float, b: int | float) -> object:
    """Terraform's arithmetic and comparison operators on two known numbers."""
    if operator in ("<", ">", "<=", ">="):
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[operator]
    if operator in ("/", "%") and b == 0:
        if operator == "/" and a == 0:
            raise EvalError("0 / 0 has no value")
        division = f"{number_text(a)} {operator} 0"
        raise Stop(f"the expression divides by zero ({division}), which Terraform takes as infinity; "
                   "pipelint does not follow it")  # fmt: skip
    if operator == "%":  # Terraform's remainder keeps the sign of the dividend
        if isinstance(a, int) and isinstance(b, int):
            return number(abs(a) % abs(b) * (-1 if a < 0 else 1))
        return number(math.fmod(a, b))
    result = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[operator]()
    return number(result)


def to_number(value: object, what: str = "the value") -> int | float:
    """Terraform's conversion to number: numbers, and strings that read as one."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value)
    if isinstance(value, str):
        parsed = parse_number(value)
        if parsed is None:
            raise EvalError(f'{what} is "{short(value)}", which is not a number')
        return parsed
    if value is None:
        raise EvalError(f"{what} is null where a number is required")
    raise EvalError(f"{what} is {a_type(value)} where a number is required")


def to_bool(value: object, what: str = "the value") -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    if value is None:
        raise EvalError(f"{what} is null where a bool is required")
    raise EvalError(f"{what} is {a_type(value)} ({short(str(value))}) where a bool is required")


def to_text(value: object, what: str = "the value") -> str:
    """Terraform's conversion to string: strings, numbers and bools; never null or a collection."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    if value is None:
        raise EvalError(f"{what} is null where a string is required")
    raise EvalError(f"{what} is {a_type(value)} where a string is required")


def number_text(value: int | float) -> str:
    """A number as Terraform writes it: no `.0`, no exponent."""
    value = number(value)
    if isinstance(value, int):
        return str(value)
    return format(Decimal(repr(value)), "f")


def chars(text: str) -> str:
    """Terraform keeps strings in Unicode NFC; code points of that come near its count of characters."""
    return unicodedata.normalize("NFC", text)


def json_string(text: str) -> str:
    """A JSON string as Terraform's jsonencode writes it: UTF-8 kept, <, >, & and U+2028/9 escaped."""
    encoded = json.dumps(text, ensure_ascii=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        encoded = encoded.replace(char, escape)
    return encoded


def as_list(value: object, what: str = "the argument") -> Sequence[object]:
    if isinstance(value, list | tuple):
        return value
    if value is None:
        raise EvalError(f"{what} is null where a list is required")
    raise EvalError(f"{what} is {a_type(value)} where a list is required")


def as_map(value: object, what: str = "the argument") -> Mapping[str, object]:
    if isinstance(value, Mapping):
        return value
    if value is None:
        raise EvalError(f"{what} is null where a map is required")
    raise EvalError(f"{what} is {a_type(value)} where a map is required")


def as_int(value: object, what: str = "the argument") -> int:
    found = to_number(value, what)
    if not isinstance(found, int):
        raise EvalError(f"{what} is {number_text(found)} where a whole number is required")
    return found


def unify(items: list[object]) -> list[object]:
    """Elements converted to one type as tolist/toset/tomap do: mixed strings and numbers become strings."""
    kinds = {type_name(v) for v in items if v is not None and not isinstance(v, Unknown)}
    scalar = kinds & {"string", "number", "bool"}
    if len(kinds) <= 1:
        return items
    if kinds != scalar:
        raise EvalError(f"the elements have different types ({', '.join(sorted(kinds))})")
    if "string" not in kinds:
        raise EvalError("the elements mix numbers and bools, which have no common type")
    return [v if v is None or isinstance(v, Unknown) else to_text(v) for v in items]


# -- unknowns, equality and sets ---------------------------------------------------------------------------


def first_unknown(value: object, budget: Budget, depth: int = 0) -> Unknown | None:
    """The first Unknown anywhere inside a value."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, list | tuple | Mapping):
        if depth > MAX_VALUE_DEPTH:
            raise Stop(TOO_DEEP_VALUE)
        budget.spend(len(value))
        for item in value.values() if isinstance(value, Mapping) else value:
            if isinstance(item, Unknown | list | tuple | Mapping):
                found = first_unknown(item, budget, depth + 1)
                if found is not None:
                    return found
    return None


def equal(a: object, b: object, budget: Budget, depth: int = 0) -> bool | Unknown:
    """Terraform's `==`: deep, without conversion between types; Unknown when an unknown part decides."""
    budget.spend()
    if isinstance(a, Unknown):
        return a
    if isinstance(b, Unknown):
        return b
    if a is None or b is None:
        return a is None and b is None
    if type_name(a) != type_name(b):
        return False
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return False
        pairs: Iterable[tuple[object, object]] = zip(a, b, strict=True)
    elif isinstance(a, Mapping) and isinstance(b, Mapping):
        if a.keys() != b.keys():
            return False
        pairs = ((a[k], b[k]) for k in a)
    else:
        return a == b
    if depth > MAX_VALUE_DEPTH:
        raise Stop(TOO_DEEP_VALUE)
    unknown: Unknown | None = None
    for x, y in pairs:
        same = equal(x, y, budget, depth + 1)
        if same is False:
            return False
        if isinstance(same, Unknown) and unknown is None:
            unknown = same
    return True if unknown is None else unknown


def canon(value: object, budget: Budget, depth: int = 0) -> object:
    """A hashable key equal for values Terraform takes as equal (1 and "1" differ), for sets and distinct."""
    budget.spend()
    if depth > MAX_VALUE_DEPTH:
        raise Stop(TOO_DEEP_VALUE)
    if isinstance(value, Mapping):
        return ("object", tuple((k, canon(v, budget, depth + 1)) for k, v in sorted(value.items())))
    if isinstance(value, list | tuple):
        return (type_name(value), tuple(canon(v, budget, depth + 1) for v in value))
    return (type_name(value), value)


def make_set(items: Iterable[object], budget: Budget) -> SetValue:
    """Distinct elements in Terraform's set order: strings and numbers sorted, others as they came."""
    seen: set[object] = set()
    out = []
    for item in items:
        key = canon(item, budget)
        if key not in seen:
            seen.add(key)
            out.append(item)
    if all(isinstance(v, str) for v in out):
        out.sort()
    elif all(type_name(v) == "number" for v in out):
        out.sort(key=float)  # type: ignore[arg-type]
    return SetValue(out)
