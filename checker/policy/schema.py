"""The first layer of validation: the shape of a pack or framework file, by JSON Schema (draft 2020-12).

jsonschema is imported here, and this module only when a user's file is checked: it costs more to import than
loading the whole default pack, which is checked by the tests instead. Of several errors, the most relevant
one (jsonschema's `best_match`: the one highest in the document) is reported, in our words, at its exact key.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path as FilePath
from typing import Any

from checker.model.source import Path
from checker.policy.errors import PolicyError, close_matches, error_at, kind_of, shown
from checker.sources.document import Document

SCHEMAS = {"policy": "schema.json", "framework": "framework-schema.json"}
_TYPE_WORDS = {
    "object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
    "number": "a number", "boolean": "true/false", "null": "empty (null)",
}  # fmt: skip


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema for "policy" or "framework" files, as shipped beside this module."""
    return json.loads((FilePath(__file__).parent / SCHEMAS[kind]).read_text(encoding="utf-8"))


@cache
def _validator(kind: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(kind))


def check_shape(document: Document, kind: str) -> None:
    """Raise a PolicyError for the most relevant way `document` breaks its schema; nothing when it fits."""
    try:
        validator = _validator(kind)
        from jsonschema.exceptions import best_match
    except ImportError:
        raise PolicyError(
            "checking a policy pack needs the jsonschema package: pip install 'jsonschema>=4.18,<5'",
            file=document.file,
        ) from None
    error = best_match(validator.iter_errors(document.value))
    if error is not None:
        path, message = explain(error)
        raise error_at(document, path, message)


def explain(error: Any) -> tuple[Path, str]:
    """A jsonschema error as (the path of the offending key or item, a message a YAML author understands)."""
    path: Path = tuple(error.absolute_path)
    keyword, expected, instance = error.validator, error.validator_value, error.instance
    custom = error.schema.get("x-message") if isinstance(error.schema, dict) else None
    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {}))
        extra = next(key for key in instance if key not in allowed)
        message = f"unknown key '{extra}'"
        close = close_matches(str(extra), allowed, limit=1)
        if close:
            message += f"; did you mean '{close[0]}'?"
        return (*path, extra), message + f" (allowed here: {', '.join(allowed)})"
    if keyword == "required" and isinstance(instance, dict):
        missing = [key for key in expected if key not in instance]
        where = "at the top of the file" if not path else "here"
        return path, f"the required key '{missing[0]}' is missing {where}"
    if keyword == "type":
        wanted = " or ".join(
            _TYPE_WORDS.get(t, t) for t in ([expected] if isinstance(expected, str) else expected)
        )
        return path, f"{custom or 'expected ' + wanted}, not {kind_of(instance)}"
    if keyword in ("const", "enum", "pattern") and custom:
        return path, f"{custom}, not {shown(instance)}"
    if keyword == "enum":
        return path, f"expected one of {', '.join(map(str, expected))}, not {shown(instance)}"
    if keyword == "minLength":
        return path, "must not be empty"
    if keyword == "minItems":
        return path, f"needs at least {expected} item{'s' if expected != 1 else ''}"
    if keyword == "uniqueItems" and isinstance(instance, list):
        seen: list[object] = []
        for index, item in enumerate(instance):
            if item in seen:
                return (*path, index), f"{shown(item)} is listed twice"
            seen.append(item)
    return path, custom or error.message
