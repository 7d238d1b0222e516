"""The rules a run can use: pipelint's own (an explicit list) and third-party packs (entry points).

A pack is a distribution that declares, in its pyproject.toml:

    [project.entry-points."pipelint.rules"]
    mypack = "mypack.rules:RULES"      # a tuple of Rule subclasses

A pack whose entry point cannot be loaded, or that reuses a code, is reported, not silently dropped.
"""

from __future__ import annotations

from functools import cache

from checker.packs import RULE_PACK_GROUP, declared
from checker.rules.base import Rule

ENTRY_POINT_GROUP = RULE_PACK_GROUP


class RulePackError(Exception):
    """A third-party rule pack that cannot be used."""


def builtin_rules() -> tuple[type[Rule], ...]:
    from checker.rules import ALL_RULES

    return ALL_RULES


@cache
def catalog() -> tuple[type[Rule], ...]:
    """Every rule: pipelint's own, then the packs' in entry-point name order. Codes are unique."""
    rules = list(builtin_rules())
    seen = {rule.code: "pipelint" for rule in rules}
    for point in sorted(_entry_points(), key=lambda p: p.name):
        try:
            loaded = point.load()
        except Exception as error:  # noqa: BLE001 - a broken pack is named, not a traceback
            raise RulePackError(f"rule pack '{point.name}' ({point.value}) cannot be loaded: {error}") from None
        pack = tuple(loaded) if isinstance(loaded, (list, tuple)) else (loaded,)
        for rule in pack:
            if not (isinstance(rule, type) and issubclass(rule, Rule)):
                raise RulePackError(f"rule pack '{point.name}' lists {rule!r}, which is not a Rule subclass")
            if rule.code in seen:
                raise RulePackError(f"rule pack '{point.name}' reuses code {rule.code} (already from {seen[rule.code]})")
            seen[rule.code] = point.name
            rules.append(rule)
    return tuple(rules)


def _entry_points() -> list:
    if not declared():  # the usual case, told without importing importlib.metadata
        return []
    from importlib.metadata import entry_points

    return list(entry_points(group=ENTRY_POINT_GROUP))


def by_code() -> dict[str, type[Rule]]:
    return {rule.code: rule for rule in catalog()}
