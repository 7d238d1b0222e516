"""Pipeline variables: `#{Namespace.Name}` in action configuration, resolved when the action starts."""

from __future__ import annotations

import re
from typing import Any

_REFERENCE = re.compile(r"#\{([A-Za-z0-9@_\-]+)\.([A-Za-z0-9@_\-.]+)\}")


class Unresolved(Exception):
    """A variable no earlier action produced: CodePipeline fails the action."""


def resolve(configuration: Any, variables: dict[str, dict[str, str]]) -> dict[str, str]:
    return {str(key): resolve_text(str(value), variables) for key, value in dict(configuration).items()}


def resolve_text(text: str, variables: dict[str, dict[str, str]]) -> str:
    def one(match: re.Match[str]) -> str:
        namespace, name = match.group(1), match.group(2)
        values = variables.get(namespace)
        if values is None:
            raise Unresolved(f"variable #{{{namespace}.{name}}}: no earlier action has the namespace {namespace}")
        if name not in values:
            have = ", ".join(sorted(values)) or "none"
            raise Unresolved(f"variable #{{{namespace}.{name}}}: namespace {namespace} has no {name} (it has: {have})")
        return values[name]

    return _REFERENCE.sub(one, text)
