"""Evaluate a resource once per scenario its conditions allow, and merge the scenarios that agree.

The parameters that matter are those the resource's conditions read (its own `Condition` and every `Fn::If`
inside it). Each takes the values it can have: the value given on the command line; else its AllowedValues;
else its default and every constant the template compares it with, plus "any other value" when those do not
cover both outcomes. Parameters with AllowedValues that the resource uses directly are enumerated too. Beyond
MAX_SCENARIOS combinations, each parameter keeps only the values that change a condition's outcome (the rest
stand together as "any other value"); beyond that again, the conditions stay undecided and what depends on them
is Unknown.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from typing import Callable, Iterator, TypeVar

from checker.loaders.cloudformation.evaluate import Evaluator
from checker.loaders.cloudformation.template import PSEUDO, Template
from checker.model import ANY_OTHER, Scenario

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9_:]+)\}")

MAX_SCENARIOS = 16
M = TypeVar("M")


def _walk(value: object) -> Iterator[dict]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def conditions_used(resource: dict) -> set[str]:
    names = {resource["Condition"]} if isinstance(resource.get("Condition"), str) else set()
    for mapping in _walk(resource.get("Properties")):
        arg = mapping.get("Fn::If")
        if len(mapping) == 1 and isinstance(arg, list) and arg and isinstance(arg[0], str):
            names.add(arg[0])
    return names


def _closure(template: Template, names: set[str]) -> set[str]:
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for mapping in _walk(template.conditions.get(name)):
            if isinstance(mapping.get("Condition"), str):
                todo.append(mapping["Condition"])
    return seen


def _direct(template: Template, resource: dict) -> set[str]:
    """Parameters with AllowedValues the resource uses in its values (`!Ref Env`, `!Sub app-${Env}`)."""
    names = set()
    for mapping in _walk(resource.get("Properties")):
        ref, sub = mapping.get("Ref"), mapping.get("Fn::Sub")
        if isinstance(ref, str):
            names.add(ref)
        text = sub[0] if isinstance(sub, list) and sub else sub
        if isinstance(text, str):
            names.update(_SUB_NAME.findall(text))
    return {n for n in names if (p := template.parameters.get(n)) is not None and p.allowed}


def domains(template: Template, resource: dict) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Each relevant parameter's values: all it can take, and (for when those are too many) only the ones that
    change a condition's outcome, the rest standing together as "any other value"."""
    conditions = _closure(template, conditions_used(resource))
    in_conditions = {
        m["Ref"] for c in conditions for m in _walk(template.conditions.get(c)) if isinstance(m.get("Ref"), str)
    }
    compared = template.compared
    full, reduced = {}, {}
    for name in sorted(in_conditions | _direct(template, resource)):
        if name in template.given or (name not in template.parameters and name not in PSEUDO):
            continue
        param = template.parameters.get(name)
        constants = compared.get(name, set()) if name in in_conditions else set()
        default = param.default if param else None
        if param is not None and param.allowed:
            full[name] = list(param.allowed)
            distinct = [v for v in param.allowed if v in constants]
            others = len(distinct) < len(param.allowed)
        else:
            full[name] = ([default] if default is not None else []) + sorted(constants - {default})
            if default is None or constants <= {default}:
                full[name].append(ANY_OTHER)
            distinct, others = sorted(constants), True
        reduced[name] = distinct + ([ANY_OTHER] if others else [])
    return full, reduced


def _plan(template: Template, resource: dict) -> tuple[dict[str, list[str]], frozenset[str]]:
    full, reduced = domains(template, resource)
    for found in (full, reduced):
        if _count(found) <= MAX_SCENARIOS:
            return found, frozenset()
    return {}, frozenset(_closure(template, conditions_used(resource)))


def _count(found: dict[str, list[str]]) -> int:
    total = 1
    for values in found.values():
        total *= len(values)
    return total


def variants(template: Template, resource: dict, build: Callable[[Evaluator], tuple[M, ...]]) -> list[tuple[M, Scenario]]:
    """`build` under every scenario; equal results merged, each tagged with the scenario it holds in."""
    found, undecided = _plan(template, resource)
    names = list(found)
    groups: dict[tuple, list[tuple[str, ...]]] = {}
    for combo in itertools.product(*(found[n] for n in names)):
        models = build(Evaluator(template, dict(zip(names, combo)), undecided))
        groups.setdefault(models, []).append(combo)
    result = []
    for models, combos in groups.items():
        scenario = Scenario(_simplify(names, found, combos), tuple(sorted(undecided)))
        result.extend((model, scenario) for model in models)
    return result


def _simplify(names: list[str], found: dict[str, list[str]], combos: list[tuple[str, ...]]) -> tuple:
    """Drop the parameters that do not matter within a group of combinations; the rest describe it."""
    names, rows = list(names), list(dict.fromkeys(tuple(c) for c in combos))  # in the template's order
    index = 0
    while index < len(names):
        values, present = found[names[index]], set(rows)
        if all(row[:index] + (v,) + row[index + 1 :] in present for row in rows for v in values):
            rows = list(dict.fromkeys(row[:index] + row[index + 1 :] for row in rows))
            names.pop(index)
        else:
            index += 1
    if not names:
        return ()
    return tuple(tuple(zip(names, row)) for row in rows)


def tag(model: M, scenario: Scenario, **fields: object) -> M:
    return dataclasses.replace(model, scenario=scenario, **fields)  # type: ignore[type-var]
