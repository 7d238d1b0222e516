"""Terraform's collection functions: lists, maps and sets.

Several decide with unknowns inside their arguments, as Terraform does ("self" in their declaration): the
length of a list of unknown strings is known, `merge` keeps the known attributes, `contains` finds a known
match past an unknown element. Sets are `values.SetValue`s in Terraform's order. Whatever a function builds
is counted against the `Budget` first, so `setproduct` of two long lists is refused before it is built.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

from checker.loaders.terraform.values import (
    MAX_VALUE_DEPTH, TOO_DEEP_VALUE, Call, EvalError, Function, SetValue, Stop, a_type, as_int, as_list,
    as_map, canon, chars, equal, first_unknown, is_list, make_set, number, short, to_bool, to_number, to_text,
    type_name,
)  # fmt: skip
from checker.model.values import Unknown


def _alltrue(a: list[object], c: Call) -> object:
    return _logic_over(a[0], c, decisive=False)


def _anytrue(a: list[object], c: Call) -> object:
    return _logic_over(a[0], c, decisive=True)


def _logic_over(items: object, c: Call, decisive: bool) -> object:
    """alltrue (one false decides) and anytrue (one true decides); null counts as false, as Terraform does."""
    if isinstance(items, Unknown):
        return c.unknown(items)
    unknown: Unknown | None = None
    for item in as_list(items, "the list"):
        if isinstance(item, Unknown):
            unknown = unknown or item
        elif (item is not None and to_bool(item, "an element")) == decisive:
            return decisive
    return (not decisive) if unknown is None else c.unknown(unknown)


def _chunklist(a: list[object], c: Call) -> object:
    items, size = as_list(a[0], "the list"), as_int(a[1], "the size")
    if size < 0:
        raise EvalError("the size must not be negative")
    c.budget.spend(len(items))
    if not items:
        return []
    if size == 0:
        return [list(items)]
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _coalesce(a: list[object], c: Call) -> object:
    for value in a:
        if isinstance(value, Unknown):
            return c.unknown(value)  # it might be the first non-null, non-empty one
        if value is not None and value != "":
            kinds = {type_name(v) for v in a}
            return to_text(value) if "string" in kinds and type_name(value) in ("number", "bool") else value
    raise EvalError("all arguments are null or empty strings")


def _coalescelist(a: list[object], c: Call) -> object:
    for number_of_arg, value in enumerate(a, 1):
        if isinstance(value, Unknown):
            return c.unknown(value)
        if value is not None and as_list(value, f"argument {number_of_arg}"):
            return list(value)  # type: ignore[call-overload]
    raise EvalError("all arguments are null or empty lists")


def _compact(a: list[object], c: Call) -> object:
    return [to_text(v, "an element") for v in as_list(a[0], "the list") if v is not None and v != ""]


def _concat(a: list[object], c: Call) -> object:
    lists = [as_list(v, f"argument {i}") for i, v in enumerate(a, 1)]
    c.budget.spend(sum(map(len, lists)))
    return [item for items in lists for item in items]


def _contains(a: list[object], c: Call) -> object:
    items, value = a
    if isinstance(items, Unknown):
        return c.unknown(items)
    if not as_list(items, "the list"):
        return False
    unknown: Unknown | None = value if isinstance(value, Unknown) else None
    for item in items:  # type: ignore[attr-defined]
        same = equal(item, value, c.budget)
        if same is True:
            return True
        unknown = unknown or (same if isinstance(same, Unknown) else None)
    return False if unknown is None else c.unknown(unknown)


def _distinct(a: list[object], c: Call) -> object:
    seen: set[object] = set()
    out = []
    for item in as_list(a[0], "the list"):
        key = canon(item, c.budget)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _element(a: list[object], c: Call) -> object:
    if isinstance(a[0], SetValue):
        raise EvalError("a set has no order to read an element by")
    items, index = as_list(a[0], "the list"), as_int(a[1], "the index")
    if not items:
        raise EvalError("the list is empty")
    return items[index % len(items)]


def _flatten(a: list[object], c: Call) -> object:
    if isinstance(a[0], Unknown):
        return c.unknown(a[0])
    out: list[object] = []

    def walk(items: Sequence[object], depth: int) -> Unknown | None:
        for item in items:
            c.budget.spend()
            if isinstance(item, Unknown):
                return item  # it may be a list, whose elements the result would hold
            if not is_list(item):
                out.append(item)
                continue
            if depth >= MAX_VALUE_DEPTH:
                raise Stop(TOO_DEEP_VALUE)
            found = walk(item, depth + 1)  # type: ignore[arg-type]
            if found is not None:
                return found
        return None

    found = walk(as_list(a[0], "the list"), 0)
    return out if found is None else c.unknown(found)


def _index(a: list[object], c: Call) -> object:
    for position, item in enumerate(as_list(a[0], "the list")):
        if equal(item, a[1], c.budget) is True:
            return position
    raise EvalError("the value is not in the list")


def _keys(a: list[object], c: Call) -> object:
    return sorted(as_map(a[0]))


def _values(a: list[object], c: Call) -> object:
    found = as_map(a[0])
    return [found[k] for k in sorted(found)]


def _length(a: list[object], c: Call) -> object:
    value = a[0]
    if isinstance(value, Unknown):
        return c.unknown(value)
    if isinstance(value, str):
        return len(chars(value))
    if isinstance(value, list | tuple | Mapping):
        return len(value)
    raise EvalError(f"{a_type(value)} has no length")


def _lookup(a: list[object], c: Call) -> object:
    for value in a[:2]:
        if isinstance(value, Unknown):
            return c.unknown(value)
    found, key = as_map(a[0], "the map"), to_text(a[1], "the key")
    if key in found:
        return found[key]
    if len(a) == 3:
        return a[2]
    raise EvalError(f'the map has no key "{short(key)}" and no default is given')


def _merge(a: list[object], c: Call) -> object:
    maps = [as_map(v, f"argument {i}") for i, v in enumerate(a, 1) if v is not None]
    c.budget.spend(sum(map(len, maps)))
    out: dict[str, object] = {}
    for found in maps:
        out.update(found)
    return out


def _one(a: list[object], c: Call) -> object:
    items = as_list(a[0], "the list")
    if len(items) > 1:
        raise EvalError(f"the list has {len(items)} elements; one() takes a list of at most one")
    return items[0] if items else None


_RANGE_LIMIT = 1024  # Terraform's own: range() fails rather than make more


def _range(a: list[object], c: Call) -> object:
    found = [to_number(v) for v in a]
    start, limit = (0, found[0]) if len(found) == 1 else (found[0], found[1])
    step = found[2] if len(found) == 3 else 1 if limit >= start else -1
    if step == 0:
        raise EvalError("the step must not be zero")
    if (limit - start) * step < 0:
        raise EvalError("the limit is on the wrong side of the start for the step's sign")
    if (limit - start) / step > _RANGE_LIMIT:
        raise EvalError(f"more than {_RANGE_LIMIT} values were generated; Terraform stops range() there")
    out: list[object] = []
    value = start
    while (value < limit if step > 0 else value > limit) and len(out) <= _RANGE_LIMIT:
        out.append(number(value))
        value += step
    if len(out) > _RANGE_LIMIT:
        raise EvalError(f"more than {_RANGE_LIMIT} values were generated; Terraform stops range() there")
    return out


def _reverse(a: list[object], c: Call) -> object:
    return list(reversed(as_list(a[0], "the list")))


def _slice(a: list[object], c: Call) -> object:
    items = as_list(a[0], "the list")
    start, end = as_int(a[1], "the start index"), as_int(a[2], "the end index")
    if start < 0 or end > len(items) or start > end:
        raise EvalError(f"[{start}:{end}] is not a slice of a list of {len(items)} elements")
    return list(items[start:end])


def _sort(a: list[object], c: Call) -> object:
    items = as_list(a[0], "the list")
    if any(v is None for v in items):
        raise EvalError("an element is null; null cannot be sorted")
    return sorted(to_text(v, "an element") for v in items)


def _sum(a: list[object], c: Call) -> object:
    items = as_list(a[0], "the list")
    if not items:
        raise EvalError("the list is empty; there is nothing to sum")
    total: int | float = 0
    for item in items:
        total = number(total + to_number(item, "an element"))
    return total


def _zipmap(a: list[object], c: Call) -> object:
    for value in a:
        if isinstance(value, Unknown):
            return c.unknown(value)
    keys, values = as_list(a[0], "the keys"), as_list(a[1], "the values")
    found = first_unknown(keys, c.budget)
    if found is not None:
        return c.unknown(found)
    if len(keys) != len(values):
        raise EvalError(f"there are {len(keys)} keys and {len(values)} values")
    return {to_text(k, "a key"): v for k, v in zip(keys, values, strict=True)}


def _setunion(a: list[object], c: Call) -> object:
    return make_set((v for i, s in enumerate(a, 1) for v in as_list(s, f"argument {i}")), c.budget)


def _setintersection(a: list[object], c: Call) -> object:
    others = [{canon(v, c.budget) for v in as_list(s, f"argument {i}")} for i, s in enumerate(a[1:], 2)]
    first = as_list(a[0], "argument 1")
    return make_set((v for v in first if all(canon(v, c.budget) in other for other in others)), c.budget)


def _setsubtract(a: list[object], c: Call) -> object:
    removed = {canon(v, c.budget) for v in as_list(a[1], "argument 2")}
    return make_set((v for v in as_list(a[0], "argument 1") if canon(v, c.budget) not in removed), c.budget)


def _setproduct(a: list[object], c: Call) -> object:
    lists = [as_list(v, f"argument {i}") for i, v in enumerate(a, 1)]
    c.budget.spend(math.prod(len(items) for items in lists) * len(lists))  # before building any of it
    product = [list(combination) for combination in itertools.product(*lists)]
    return SetValue(product) if any(isinstance(v, SetValue) for v in a) else product


def _transpose(a: list[object], c: Call) -> object:
    found, out = as_map(a[0]), {}  # type: ignore[var-annotated]
    for key in sorted(found):
        for item in as_list(found[key], f'the value of "{key}"'):
            c.budget.spend()
            out.setdefault(to_text(item, f'an element of "{key}"'), []).append(key)
    return {k: out[k] for k in sorted(out)}


FUNCTIONS: dict[str, Function] = {
    "alltrue": Function(_alltrue, 1, 1, "self"), "anytrue": Function(_anytrue, 1, 1, "self"),
    "chunklist": Function(_chunklist, 2, 2, "top"), "coalesce": Function(_coalesce, 1, None, "self"),
    "coalescelist": Function(_coalescelist, 1, None, "self"), "compact": Function(_compact, 1, 1),
    "concat": Function(_concat, 1, None, "top"), "contains": Function(_contains, 2, 2, "self"),
    "distinct": Function(_distinct, 1, 1), "element": Function(_element, 2, 2, "top"),
    "index": Function(_index, 2, 2), "flatten": Function(_flatten, 1, 1, "self"),
    "keys": Function(_keys, 1, 1, "top"), "length": Function(_length, 1, 1, "self"),
    "lookup": Function(_lookup, 2, 3, "self"), "merge": Function(_merge, 0, None, "top"),
    "one": Function(_one, 1, 1, "top"), "range": Function(_range, 1, 3),
    "reverse": Function(_reverse, 1, 1, "top"),
    "slice": Function(_slice, 3, 3, "top"), "sort": Function(_sort, 1, 1), "sum": Function(_sum, 1, 1),
    "values": Function(_values, 1, 1, "top"), "zipmap": Function(_zipmap, 2, 2, "self"),
    "setunion": Function(_setunion, 1, None), "setintersection": Function(_setintersection, 1, None),
    "setsubtract": Function(_setsubtract, 2, 2), "setproduct": Function(_setproduct, 2, None),
    "transpose": Function(_transpose, 1, 1),
}  # fmt: skip
