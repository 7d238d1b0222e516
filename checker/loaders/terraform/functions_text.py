"""Terraform's string functions, with format's verbs as Go's fmt writes them.

A string built here is refused before it is built when it would pass `values.MAX_STRING` (`Budget.reserve`).
format and join keep an unknown argument's text in the result (`arn:aws:iam::${var.prod}:role/deploy`) when
the text can still say where it goes, so the analysis can compare the known parts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal

from checker.loaders.terraform.functions_encoding import to_json
from checker.loaders.terraform.values import (
    MAX_STRING, TOO_LONG, Budget, Call, EvalError, Function, Impl, Stop, a_type, as_int, as_list,
    chars, first_unknown, is_list, json_string, short, to_bool, to_number, to_text,
)  # fmt: skip
from checker.model.values import Unknown


# -- format ------------------------------------------------------------------------------------------------


_VERB = re.compile(r"%([-+# 0]*)(?:\[(\d+)\])?(\d+)?(?:\.(\d*))?(?:\[(\d+)\])?(.?)", re.DOTALL)


def _go_shortest_g(value: float) -> str:
    """Go's %g without precision: the shortest digits, exponent form below 1e-4 or from 1e6."""
    if value == 0:
        return "0"
    _, digits, exponent = Decimal(repr(abs(value))).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(digits) + int(exponent)  # where the decimal point falls in `text`
    prefix = "-" if value < 0 else ""
    if point - 1 < -4 or point - 1 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{prefix}{mantissa}e{point - 1:+03d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    if point >= len(text):
        return prefix + text + "0" * (point - len(text))
    return f"{prefix}{text[:point]}.{text[point:]}"


def _pad(text: str, flags: str, width: int | None) -> str:
    if width is None or len(text) >= width:
        return text
    return text.ljust(width) if "-" in flags else text.rjust(width)


def _format_int(value: int, verb: str, flags: str, width: int | None, precision: int | None) -> str:
    base = {"d": "d", "b": "b", "o": "o", "x": "x", "X": "X"}[verb]
    digits = format(abs(value), base)
    if precision is not None:
        digits = digits.zfill(precision)
    prefix = {"o": "0", "x": "0x", "X": "0X", "b": "0b"}.get(verb, "") if "#" in flags else ""
    sign = "-" if value < 0 else "+" if "+" in flags else " " if " " in flags else ""
    if "0" in flags and "-" not in flags and precision is None and width is not None:
        digits = digits.zfill(width - len(sign) - len(prefix))
    return _pad(sign + prefix + digits, flags, width)


def format_one(
    verb: str, flags: str, width: int | None, precision: int | None, value: object, budget: Budget
) -> str:
    """One `%` verb of Terraform's format with its argument (known)."""
    if verb in "vs" and not (verb == "v" and "#" in flags) and not isinstance(value, list | tuple | Mapping):
        text = "null" if value is None and verb == "v" else to_text(value)
        return _pad(text[:precision] if precision is not None and verb == "s" else text, flags, width)
    if verb == "v" or verb == "q":
        text = to_json(value, budget)[0] if verb == "v" else json_string(to_text(value))
        return _pad(text, flags, width)
    if verb == "s":
        raise EvalError(f"%s takes a string, a number or a bool, not {a_type(value)}")
    if verb == "t":
        return _pad("true" if to_bool(value) else "false", flags, width)
    if verb in "dboxX":
        return _format_int(as_int(value), verb, flags, width, precision)
    if verb in "eEfFgG":
        found = float(to_number(value))
        if verb in "gG" and precision is None:
            text = _go_shortest_g(found)
            return _pad(text.upper() if verb == "G" else text, flags, width)
        spec = f"%{flags}{width or ''}{'' if precision is None else f'.{precision}'}{verb}"
        return spec % found  # Python's printf verbs for floats are C's, as Go's are
    raise EvalError(f"format: %{verb} is not a format verb Terraform knows")


def _count(digits: str) -> int:
    """A width, precision or argument number: a long one need only read as too big (int() refuses some)."""
    return int(digits) if len(digits) < 10 else 10**10


def format_text(spec: str, args: list[object], budget: Budget) -> tuple[str, Unknown | None, bool]:
    """Terraform's format: the text, the first unknown argument used, and whether the text still says where
    each unknown part goes (only a plain %s or %v of an unknown with a text can)."""
    out: list[str] = []
    length, position, used, next_arg = 0, 0, 0, 0
    unknown: Unknown | None = None
    readable = True
    while (start := spec.find("%", position)) >= 0:
        out.append(spec[position:start])
        match = _VERB.match(spec, start)
        assert match is not None  # the pattern matches any text after %
        flags, index, width_text, precision_text, index_late, verb = match.groups()
        position = match.end()
        if verb == "%":
            out.append("%")
            continue
        if not verb:
            raise EvalError("the format specification ends with a lone %")
        width = _count(width_text) if width_text else None
        precision = _count(precision_text or "0") if precision_text is not None else None
        if max(width or 0, precision or 0) > MAX_STRING:
            raise Stop(TOO_LONG)
        chosen = index or index_late
        slot = _count(chosen) - 1 if chosen else next_arg
        if not 0 <= slot < len(args):
            raise EvalError(f"not enough arguments for {short(match.group(0))} (argument {slot + 1})")
        next_arg, used = slot + 1, max(used, slot + 1)
        value = args[slot]
        hidden = first_unknown(value, budget)
        if hidden is not None:
            unknown = unknown or hidden
            plain = value is hidden and verb in "sv" and not flags and width is None and precision is None
            readable = readable and plain and hidden.text is not None
            text = hidden.text or "" if plain else ""
        else:
            text = format_one(verb, flags, width, precision, value, budget)
        length += len(text)
        if length > MAX_STRING:
            raise Stop(TOO_LONG)
        budget.spend(len(text) // 100)
        out.append(text)
    out.append(spec[position:])
    if used < len(args):
        raise EvalError(f"too many arguments: the format specification uses {used} of {len(args)}")
    return "".join(out), unknown, readable


# -- the functions ---------------------------------------------------------------------------------------


def _chomp(a: list[object], c: Call) -> object:
    return to_text(a[0]).rstrip("\r\n")


def _format(a: list[object], c: Call) -> object:
    if isinstance(a[0], Unknown):
        return c.unknown(a[0])
    text, unknown, readable = format_text(to_text(a[0], "the format"), a[1:], c.budget)
    if unknown is None:
        return text
    return Unknown(unknown.reason, text if readable else f"${{{c.source}}}")


def _formatlist(a: list[object], c: Call) -> object:
    spec, rest = to_text(a[0], "the format"), a[1:]
    lengths = {len(v) for v in rest if is_list(v)}  # type: ignore[arg-type]
    if len(lengths) > 1:
        raise EvalError(f"the lists have different lengths ({', '.join(map(str, sorted(lengths)))})")
    count = lengths.pop() if lengths else 1
    c.budget.spend(count)
    rows = ([v[i] if is_list(v) else v for v in rest] for i in range(count))  # type: ignore[index]
    return [format_text(spec, row, c.budget)[0] for row in rows]


def _indent(a: list[object], c: Call) -> object:
    spaces, text = as_int(a[0], "the number of spaces"), to_text(a[1])
    if spaces < 0:
        raise EvalError("the number of spaces must not be negative")
    if "\n" not in text:
        return text
    c.budget.reserve(len(text) + text.count("\n") * spaces)
    return text.replace("\n", "\n" + " " * spaces)


def _join(a: list[object], c: Call) -> object:
    if isinstance(a[0], Unknown):
        return c.unknown(a[0])
    separator, parts = to_text(a[0], "the separator"), []
    unknown: Unknown | None = None
    readable = True
    for number_of_list, items in enumerate(a[1:], 1):
        if isinstance(items, Unknown):
            return c.unknown(items)
        for item in as_list(items, f"list {number_of_list}"):
            if isinstance(item, Unknown):
                unknown, readable = unknown or item, readable and item.text is not None
                parts.append(item.text or "")
            elif item is None:
                raise EvalError(f"an element of list {number_of_list} is null; null cannot be joined")
            else:
                parts.append(to_text(item, f"an element of list {number_of_list}"))
    c.budget.reserve(sum(map(len, parts)) + len(separator) * max(len(parts) - 1, 0))
    text = separator.join(parts)
    return text if unknown is None else Unknown(unknown.reason, text if readable else f"${{{c.source}}}")


def _replace(a: list[object], c: Call) -> object:
    text, old, new = (to_text(v) for v in a)
    if len(old) > 1 and old[0] == old[-1] == "/":
        reason = "replace() with a regular expression (a pattern in /.../) is not evaluated by pipelint"
        return Unknown(reason, f"${{{c.source}}}")
    count = text.count(old) if old else len(text) + 1
    c.budget.reserve(len(text) + count * len(new))
    return text.replace(old, new)


def _split(a: list[object], c: Call) -> object:
    separator, text = to_text(a[0], "the separator"), to_text(a[1])
    c.budget.spend(text.count(separator) + 1 if separator else len(text))
    return text.split(separator) if separator else list(text)


def _substr(a: list[object], c: Call) -> object:
    text, offset, length = chars(to_text(a[0])), as_int(a[1], "the offset"), as_int(a[2], "the length")
    if offset < 0:
        offset = max(offset + len(text), 0)
    rest = text[offset:]
    return rest if length < 0 else rest[:length]


def _go_separator(char: str) -> bool:
    """Where Go's strings.Title starts a word: after anything but a letter, a digit or an underscore."""
    if char.isascii():
        return not (char.isalnum() or char == "_")
    return not (char.isalpha() or char.isdigit()) and char.isspace()


def _title(a: list[object], c: Call) -> object:
    out, previous = [], " "
    for char in to_text(a[0]):
        upper = char.upper()
        out.append(upper if _go_separator(previous) and len(upper) == 1 else char)
        previous = char
    return "".join(out)


def _string_function(method: Callable[..., object]) -> Impl:
    return lambda a, c: method(*(to_text(v) for v in a))


FUNCTIONS: dict[str, Function] = {
    "chomp": Function(_chomp, 1, 1), "format": Function(_format, 1, None, "self"),
    "formatlist": Function(_formatlist, 1, None), "indent": Function(_indent, 2, 2),
    "join": Function(_join, 2, None, "self"), "replace": Function(_replace, 3, 3),
    "split": Function(_split, 2, 2), "substr": Function(_substr, 3, 3), "title": Function(_title, 1, 1),
    "lower": Function(_string_function(str.lower), 1, 1),
    "upper": Function(_string_function(str.upper), 1, 1),
    "trim": Function(_string_function(str.strip), 2, 2),
    "trimspace": Function(_string_function(str.strip), 1, 1),
    "trimprefix": Function(_string_function(str.removeprefix), 2, 2),
    "trimsuffix": Function(_string_function(str.removesuffix), 2, 2),
    "startswith": Function(_string_function(str.startswith), 2, 2),
    "endswith": Function(_string_function(str.endswith), 2, 2),
    "strcontains": Function(_string_function(lambda s, part: part in s), 2, 2),
    "strrev": Function(_string_function(lambda s: chars(s)[::-1]), 1, 1),
}  # fmt: skip
