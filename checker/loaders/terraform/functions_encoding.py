"""Terraform's encoding and type conversion functions, and the JSON writer jsonencode and format's %v share.

The writer follows Terraform byte for byte where a pipeline can tell: object attributes in sorted order
(Terraform's objects and maps keep no written order, so `{name, value, type}` encodes as name, type, value),
no spaces, and <, >, & escaped. An unknown part is written as a JSON string of its text (`"${var.account}"`),
so the result stays JSON that the analysis can still parse, with the unknown in the place Terraform puts it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from urllib.parse import quote_plus

from checker.loaders.terraform.values import (
    MAX_STRING, MAX_VALUE_DEPTH, TOO_BIG_NUMBER, TOO_DEEP_VALUE, TOO_LONG, Budget, Call, EvalError, Function,
    Impl, Stop, a_type, as_map, first_unknown, is_list, json_string, make_set, number, to_bool, to_number,
    to_text, unify,
)  # fmt: skip
from checker.model.values import Unknown


# -- JSON --------------------------------------------------------------------------------------------------


class _Json:
    """JSON text of a value; an unknown part is written as a string holding its text, and remembered."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.parts: list[str] = []
        self.length = 0
        self.unknown: Unknown | None = None

    def add(self, text: str) -> None:
        self.length += len(text)
        if self.length > MAX_STRING:
            raise Stop(TOO_LONG)
        self.parts.append(text)

    def write(self, value: object, where: str, depth: int = 0) -> None:
        self.budget.spend()
        if depth > MAX_VALUE_DEPTH:
            raise Stop(TOO_DEEP_VALUE)
        if isinstance(value, Unknown):
            self.unknown = self.unknown or value
            self.add(json_string(value.text if value.text is not None else f"${{{where}}}"))
        elif value is None or isinstance(value, bool | int | float):
            self.add("null" if value is None else to_text(value))
        elif isinstance(value, str):
            self.add(json_string(value))
        elif isinstance(value, Mapping):
            self.add("{")
            # sorted as Terraform writes them: its objects and maps have no order of their own to keep
            for i, key in enumerate(sorted(value, key=str)):
                self.add(("," if i else "") + json_string(str(key)) + ":")
                named = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", str(key))  # where: as Terraform source
                step = f".{key}" if named else f"[{json_string(str(key))}]"
                self.write(value[key], where + step, depth + 1)
            self.add("}")
        elif isinstance(value, list | tuple):
            self.add("[")
            for i, item in enumerate(value):
                self.add("," if i else "")
                self.write(item, f"{where}[{i}]", depth + 1)
            self.add("]")
        else:
            raise EvalError(f"{a_type(value)} cannot be written as JSON")

    def text(self) -> str:
        return "".join(self.parts)


def to_json(value: object, budget: Budget, where: str = "value") -> tuple[str, Unknown | None]:
    writer = _Json(budget)
    writer.write(value, where)
    return writer.text(), writer.unknown


# -- the functions ---------------------------------------------------------------------------------------


def _jsonencode(a: list[object], c: Call) -> object:
    if isinstance(a[0], Unknown):
        return c.unknown(a[0])
    text, unknown = to_json(a[0], c.budget, c.arg_sources[0] if c.arg_sources else "value")
    return text if unknown is None else Unknown(unknown.reason, text)


def _json_reject(constant: str) -> object:
    raise EvalError(f"{constant} is not JSON")


def _json_int(text: str) -> object:
    if len(text) > 400:  # before int(), which refuses (slowly) past 4300 digits
        raise Stop(TOO_BIG_NUMBER)
    return number(int(text))


def _json_float(text: str) -> object:
    return number(float(text))


def _jsondecode(a: list[object], c: Call) -> object:
    text = to_text(a[0])
    try:
        value = json.loads(text, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_reject)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise EvalError(f"the string is not JSON: {error.msg} at {where}") from None
    except RecursionError:
        raise Stop(TOO_DEEP_VALUE) from None
    first_unknown(value, c.budget)  # counts it, and refuses what is nested too deep to walk
    return value


def _base64encode(a: list[object], c: Call) -> object:
    raw = to_text(a[0]).encode("utf-8")
    c.budget.reserve(len(raw) * 4 // 3 + 4)
    return base64.b64encode(raw).decode("ascii")


def _base64decode(a: list[object], c: Call) -> object:
    text = to_text(a[0]).replace("\r", "").replace("\n", "")  # Go's decoder skips line breaks
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except binascii.Error:
        raise EvalError("the string is not base64") from None
    except UnicodeDecodeError:
        raise EvalError("the decoded bytes are not UTF-8 text") from None


def _urlencode(a: list[object], c: Call) -> object:
    return quote_plus(to_text(a[0]), safe="")  # Go's QueryEscape: space as +, all but A-Za-z0-9-_.~ as %XX


def _converter(convert: Callable[[object], object]) -> Impl:
    return lambda a, c: None if a[0] is None else convert(a[0])


def _tolist(value: object) -> object:
    if not is_list(value):
        raise EvalError(f"{a_type(value)} cannot be converted to a list")
    return unify(list(value))  # type: ignore[call-overload]


def _tomap(value: object) -> object:
    found = as_map(value, "the value")
    return dict(zip(found, unify(list(found.values())), strict=True))


def _toset(a: list[object], c: Call) -> object:
    if a[0] is None:
        return None
    if not is_list(a[0]):
        raise EvalError(f"{a_type(a[0])} cannot be converted to a set")
    return make_set(unify(list(a[0])), c.budget)  # type: ignore[call-overload]


FUNCTIONS: dict[str, Function] = {
    "jsonencode": Function(_jsonencode, 1, 1, "self"), "jsondecode": Function(_jsondecode, 1, 1),
    "base64encode": Function(_base64encode, 1, 1), "base64decode": Function(_base64decode, 1, 1),
    "urlencode": Function(_urlencode, 1, 1),
    "tobool": Function(_converter(to_bool), 1, 1, "top"),
    "tonumber": Function(_converter(to_number), 1, 1, "top"),
    "tostring": Function(_converter(to_text), 1, 1, "top"),
    "tolist": Function(_converter(_tolist), 1, 1, "top"),
    "tomap": Function(_converter(_tomap), 1, 1, "top"), "toset": Function(_toset, 1, 1),
}  # fmt: skip
