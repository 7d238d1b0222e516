"""The rule set. ALL_RULES lists every built-in rule explicitly, in code order; docs are generated from it."""

from checker.rules.base import Rule

ALL_RULES: tuple[type[Rule], ...] = ()
