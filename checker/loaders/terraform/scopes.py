"""What names in an expression refer to, and how attribute and index steps walk into a value.

The evaluator does not know what `var.x` or `aws_iam_role.deploy.arn` is: it asks a `Scope` (the module
loader's, or `Bound` for names a `for` or a dynamic block binds), then applies the steps the scope left with
`traverse`, which Scope implementations use too, so that a missing key reads the same wherever it is met. A
step through an Unknown keeps the reason and writes the whole reference as the Unknown's text
(`${var.config.stages[0]}`), which is how a later reader sees what is missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

from checker.loaders.terraform.values import (
    EvalError, SetValue, a_type, json_string, parse_number, snippet, to_text,
)  # fmt: skip
from checker.model.values import Unknown

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")  # a name a step can be written with: `.name`


class Scope(Protocol):
    def resolve(self, root: str, steps: tuple[object, ...]) -> tuple[object, int]:
        """The value of a reference: `root` is the first identifier (var, local, each, count, path,
        terraform, self, data, module, a resource type such as aws_iam_role, or any other name);
        `steps` are the attribute names (str) and index keys (str | int | Unknown) that follow it, in
        order, up to (not including) the first splat. Returns the value and how many of the steps it
        consumed; the evaluator applies the remaining steps itself."""
        ...


class Bound:
    """A child scope: names bound by for-expressions (and by the caller for dynamic-block iterators)."""

    def __init__(self, parent: Scope, names: dict[str, object]) -> None:
        self.parent = parent
        self.names = names

    def resolve(self, root: str, steps: tuple[object, ...]) -> tuple[object, int]:
        if root in self.names:
            return traverse(self.names[root], steps, root), len(steps)
        return self.parent.resolve(root, steps)


def step_text(step: object) -> str:
    """A step as Terraform source: `.name`, `["key"]`, `[0]`, or `[<source>]` for an unknown key."""
    if isinstance(step, Unknown):
        text = step.text or ""
        return f"[{text[2:-1]}]" if text.startswith("${") and text.endswith("}") else "[?]"
    if isinstance(step, str):
        return f".{step}" if IDENTIFIER.fullmatch(step) else f"[{json_string(step)}]"
    return f"[{to_text(step)}]" if isinstance(step, int | float | bool) else f"[{step!r}]"


def path_text(root: str, steps: tuple[object, ...]) -> str:
    return root + "".join(step_text(s) for s in steps)


def traverse(value: object, steps: tuple[object, ...], where: str) -> object:
    """Apply attribute/index steps to a value (for Scope implementations too): dict key, list index;
    through an Unknown gives an Unknown (keep the reason; `where` names the reference for messages);
    raises EvalError for a missing key / bad index on known values."""
    for position, step in enumerate(steps):
        cause = value if isinstance(value, Unknown) else step if isinstance(step, Unknown) else None
        if cause is not None:
            return Unknown(cause.reason, f"${{{where}{''.join(step_text(s) for s in steps[position:])}}}")
        value = _step_into(value, step, where)
        where += step_text(step)
    return value


def _step_into(value: object, step: object, where: str) -> object:
    if isinstance(value, Mapping):
        key = step if isinstance(step, str) else to_text(step, f"the key into {where}")
        if key not in value:
            raise EvalError(f'{snippet(where)} has no attribute or key "{snippet(key)}"')
        return value[key]
    if isinstance(value, SetValue):
        raise EvalError(f"{snippet(where)} is a set; Terraform cannot reach an element of a set by index")
    if isinstance(value, list | tuple):
        index = parse_number(step) if isinstance(step, str) else step
        if index is None:
            raise EvalError(f'{snippet(where)} is a list; it has no attribute "{snippet(str(step))}"')
        if isinstance(index, bool) or not isinstance(index, int | float) or index != int(index):
            raise EvalError(f"{snippet(where)} is a list; its index must be whole, not {step_text(step)}")
        if not 0 <= index < len(value):
            what = f"{snippet(where)}{step_text(step)}"
            raise EvalError(f"{what} is out of range: the list has {len(value)} elements")
        return value[int(index)]
    if value is None:
        raise EvalError(f"{snippet(where)} is null, so it has no {step_text(step)}")
    raise EvalError(f"{snippet(where)} is {a_type(value)}; it has no {step_text(step)}")


def iteration(collection: object, where: str) -> list[tuple[object, object]]:
    """What a `for` walks: index and element of a list, key and value of a map (keys sorted), the element
    twice for a set."""
    if isinstance(collection, SetValue):
        return [(item, item) for item in collection]
    if isinstance(collection, list | tuple):
        return list(enumerate(collection))
    if isinstance(collection, Mapping):
        return [(key, collection[key]) for key in sorted(collection)]
    raise EvalError(f"{snippet(where)} is {a_type(collection)}, which a for expression cannot walk")


def bind(scope: Scope, names: tuple[str, ...], key: object, value: object) -> Bound:
    """`for v in ...` binds the value, `for k, v in ...` the key (or index) too."""
    return Bound(scope, {names[0]: key, names[1]: value} if len(names) == 2 else {names[0]: value})
