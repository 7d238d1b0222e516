"""Values as the model holds them: resolved, or explicitly unknown with a reason.

A value in a pipeline definition can depend on things the files do not say: a template parameter without a
default, an export of another stack, an attribute known only after deployment. Such a value is an `Unknown`
with the reason, never a guess. When the unknown value is a string with known parts (an ARN whose account is a
parameter), `text` keeps it with the unknown parts written as `${Name}`, so the analysis can still read the known
parts and compare like with like (two ARNs in `${ProdAccount}` are in the same account).
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Mapping, TypeAlias
from checker.model.record import record


@record()
class Unknown:
    """A value the files do not determine, with why."""

    reason: str
    text: str | None = None

    def __str__(self) -> str:
        return self.text if self.text is not None else f"<unknown: {self.reason}>"


class FrozenDict(dict):  # type: ignore[type-arg]
    """A read-only dict: hashable, comparable and JSON-serialisable like a dict."""

    __slots__ = ("_hash",)

    def __hash__(self) -> int:  # type: ignore[override]
        try:
            return self._hash
        except AttributeError:
            self._hash: int = hash(frozenset(self.items()))
            return self._hash

    def _read_only(self, *_args: Any, **_kwargs: Any) -> None:
        raise TypeError("FrozenDict is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _read_only  # type: ignore

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"

    def __reduce__(self) -> tuple:
        # built whole from a plain dict (pickle would set item by item); the cached hash is not kept: string
        # hashes differ between processes
        return (FrozenDict, (dict(self),))


EMPTY: FrozenDict = FrozenDict()

Scalar: TypeAlias = str | int | float | bool | None
Value: TypeAlias = "Scalar | Unknown | tuple[Value, ...] | FrozenDict"


def freeze(value: Any) -> Any:
    """Turn nested lists and dicts into tuples and FrozenDicts."""
    if isinstance(value, dict) and not isinstance(value, FrozenDict):
        return FrozenDict((k, freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


def as_text(value: object) -> str | None:
    """The string a value reads as, with unknown parts as `${Name}`; None when it is not a string at all."""
    if isinstance(value, str):
        return value
    if isinstance(value, Unknown):
        return value.text
    return None


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def as_bool(value: object, default: bool | None = None) -> bool | Unknown | None:
    """Booleans as AWS reads them: real booleans, and the strings 'true'/'True'/'false' templates often carry."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, Unknown):
        return value
    if isinstance(value, (int, str)):
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return Unknown(f"{value!r} is not a boolean")


def as_int(value: object) -> int | Unknown | None:
    if value is None or isinstance(value, (Unknown, int)) and not isinstance(value, bool):
        return value  # type: ignore[return-value]
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,18}\s*", value):
        return int(value)
    return Unknown(f"{value!r} is not a whole number")


def walk_strings(value: object) -> Iterator[str]:
    """Every string inside a value (unknown strings by their known text)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Unknown):
        if value.text:
            yield value.text
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from walk_strings(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from walk_strings(item)
