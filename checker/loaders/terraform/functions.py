"""Terraform's built-in functions that pipelint evaluates, and how the evaluator calls one.

The functions themselves live by kind (numbers, text, collections, encodings and conversions), each module
declaring its own with their arities; this module joins those tables, refusing a name declared twice, and
does for every call what Terraform does before a function runs: count the arguments, and give an Unknown
for an unknown argument unless the function can still decide. A function not listed here is not evaluated:
the evaluator gives an Unknown that names it, never a guess.
"""

from __future__ import annotations

from checker.loaders.terraform import (
    functions_collections,
    functions_encoding,
    functions_numbers,
    functions_text,
)
from checker.loaders.terraform.values import TOO_BIG_NUMBER, Call, EvalError, Function, Stop, first_unknown
from checker.model.values import Unknown


def _join(*tables: dict[str, Function]) -> dict[str, Function]:
    joined: dict[str, Function] = {}
    for table in tables:
        twice = joined.keys() & table.keys()
        if twice:  # a later table would silently replace a function: fail at import instead
            raise ValueError(f"functions declared twice: {', '.join(sorted(twice))}")
        joined.update(table)
    return joined


FUNCTIONS: dict[str, Function] = _join(
    functions_numbers.FUNCTIONS,
    functions_text.FUNCTIONS,
    functions_collections.FUNCTIONS,
    functions_encoding.FUNCTIONS,
)


def call(name: str, args: list[object], context: Call) -> object:
    """A built-in function applied to evaluated arguments; EvalError when Terraform would reject the call."""
    spec = FUNCTIONS[name]
    if len(args) < spec.min_args or (spec.max_args is not None and len(args) > spec.max_args):
        low, high = spec.min_args, spec.max_args
        wanted = f"{low}" if high == low else f"{low} or more" if high is None else f"{low} to {high}"
        raise EvalError(f"{name}() takes {wanted} argument{'' if wanted == '1' else 's'}, not {len(args)}")
    if spec.unknowns == "deep":
        for arg in args:
            found = first_unknown(arg, context.budget)
            if found is not None:
                return context.unknown(found)
    elif spec.unknowns == "top":
        for arg in args:
            if isinstance(arg, Unknown):
                return context.unknown(arg)
    try:
        return context.budget.charge(spec.impl(args, context))
    except EvalError as error:
        raise EvalError(f"{name}(): {error}") from None
    except OverflowError:  # a number past what a double holds, met by float() or the % operator
        raise Stop(TOO_BIG_NUMBER) from None
