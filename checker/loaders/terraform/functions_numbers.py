"""Terraform's numeric functions: abs, ceil, floor, max, min, signum, parseint, pow.

Numbers are held as Python int (when whole) or float; `values.number` refuses what is infinite or wider than
pipelint follows, so a function here never has to.
"""

from __future__ import annotations

import math

from checker.loaders.terraform.values import (
    MAX_NUMBER_BITS, TOO_BIG_NUMBER, Call, EvalError, Function, Stop, as_int, number, short, to_number,
    to_text,
)  # fmt: skip


def _abs(a: list[object], c: Call) -> object:
    return number(abs(to_number(a[0])))


def _ceil(a: list[object], c: Call) -> object:
    return number(math.ceil(to_number(a[0])))


def _floor(a: list[object], c: Call) -> object:
    return number(math.floor(to_number(a[0])))


def _max(a: list[object], c: Call) -> object:
    return max(to_number(v) for v in a)


def _min(a: list[object], c: Call) -> object:
    return min(to_number(v) for v in a)


def _signum(a: list[object], c: Call) -> object:
    found = to_number(a[0])
    return (found > 0) - (found < 0)


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parseint(a: list[object], c: Call) -> object:
    text, base = to_text(a[0]), as_int(a[1], "the base")
    if not 2 <= base <= 62:
        raise EvalError(f"the base must be between 2 and 62, not {base}")
    body = text[1:] if text[:1] in ("+", "-") else text
    if len(body) > 400:
        raise Stop(TOO_BIG_NUMBER)
    value = 0
    for char in body:
        digit = _DIGITS.find(char if base > 36 else char.lower())
        if not 0 <= digit < base:
            raise EvalError(f'"{short(text)}" is not a base {base} integer')
        value = value * base + digit
    if not body:
        raise EvalError(f'"{text}" is not a base {base} integer')
    return number(-value if text[:1] == "-" else value)


def _pow(a: list[object], c: Call) -> object:
    base, exponent = to_number(a[0]), to_number(a[1])
    whole = isinstance(base, int) and isinstance(exponent, int) and exponent >= 0
    if whole and int(base).bit_length() * int(exponent) <= 2 * MAX_NUMBER_BITS:  # exact, and small enough
        return number(int(base) ** int(exponent))
    try:
        return number(math.pow(base, exponent))
    except (OverflowError, ValueError):  # past a double, or a root of a negative number
        raise Stop(TOO_BIG_NUMBER) from None


FUNCTIONS: dict[str, Function] = {
    "abs": Function(_abs, 1, 1), "ceil": Function(_ceil, 1, 1), "floor": Function(_floor, 1, 1),
    "max": Function(_max, 1, None), "min": Function(_min, 1, None), "signum": Function(_signum, 1, 1),
    "parseint": Function(_parseint, 2, 2), "pow": Function(_pow, 2, 2),
}  # fmt: skip
