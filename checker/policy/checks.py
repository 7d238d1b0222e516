"""The second layer of validation: what a schema cannot know.

Rule codes and prefixes must name rules that exist (the catalog includes third-party packs), settings must be
options the rule has, with the type of its default, name patterns must compile, dates must be on the calendar,
and an account belongs to one environment. Every problem is reported at its key; the caller raises the first.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Any

from checker.model.source import Path
from checker.policy.errors import PolicyError, close_matches, error_at, kind_of, readable
from checker.sources.document import Document

DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_CODE = re.compile(r"[A-Z]{2,6}\d{3}")


class Catalog:
    """The rules a pack may name: codes, names and options, from rule classes."""

    def __init__(self, rules: Iterable[Any]) -> None:
        self.rules = {rule.code: rule for rule in rules}
        self.names = {rule.name: rule.code for rule in self.rules.values()}

    def problem(self, value: str, *, prefix: bool) -> str | None:
        """None when `value` names a rule (or, for a prefix, at least one); else what is wrong, with a hint."""
        if value in self.rules or prefix and any(code.startswith(value) for code in self.rules):
            return None
        if value in self.names:
            return f"'{value}' is the name of rule {self.names[value]}; policy packs use rule codes"
        upper = value.upper()
        if upper != value and self.problem(upper, prefix=prefix) is None:
            return f"rule codes are written in capitals: '{upper}'"
        if prefix and not _CODE.fullmatch(upper):
            message = f"no rule code starts with '{value}'"
        else:
            message = f"unknown rule code '{value}'"
        close = close_matches(upper, self.rules)
        if close:
            message += (
                "; did you mean "
                + (" or ".join(close) if len(close) < 3 else f"{close[0]}, {close[1]} or {close[2]}")
                + "?"
            )
        elif not self.rules:
            message += " (no rules are installed)"
        return message


def pack_problems(document: Document, catalog: Catalog) -> list[PolicyError]:
    """Every semantic problem of a policy pack whose shape already fits the schema."""
    raw: Mapping[str, Any] = document.value  # type: ignore[assignment]
    problems: list[PolicyError] = []

    def report(path: Path, message: str | None) -> None:
        if message:
            problems.append(error_at(document, path, message))

    _environments(raw.get("environments") or {}, report)
    rules = raw.get("rules") or {}
    for key in ("select", "ignore"):
        for index, prefix in enumerate(rules.get(key) or ()):
            report(("rules", key, index), catalog.problem(prefix, prefix=True))
    for code in rules.get("severity") or {}:
        report(("rules", "severity", code), catalog.problem(code, prefix=False))
    for code, values in (rules.get("settings") or {}).items():
        unknown = catalog.problem(code, prefix=False)
        report(("rules", "settings", code), unknown)
        if unknown is None:
            for name, value in values.items():
                report(("rules", "settings", code, name), setting_problem(catalog.rules[code], name, value))
    for index, exemption in enumerate(raw.get("exemptions") or ()):
        report(("exemptions", index, "rule"), catalog.problem(exemption["rule"], prefix=False))
        if "expires" in exemption:
            report(("exemptions", index, "expires"), date_problem(exemption["expires"]))
    return problems


def _environments(environments: Mapping[str, Any], report: Any) -> None:
    owner: dict[str, tuple[str, Path]] = {}
    for tier, spec in environments.items():
        for index, account in enumerate((spec or {}).get("accounts") or ()):
            path: Path = ("environments", tier, "accounts", index)
            if account in owner and owner[account][0] != tier:
                first_tier, first_path = owner[account]
                already = f"account {account} is already under {first_tier} ({readable(first_path)})"
                report(path, already + "; an account belongs to one environment")
            owner.setdefault(account, (tier, path))
        for index, pattern in enumerate((spec or {}).get("names") or ()):
            report(("environments", tier, "names", index), regex_problem(pattern))


def regex_problem(pattern: str) -> str | None:
    try:
        re.compile(pattern)
    except re.error as error:
        where = f" at position {error.pos}" if error.pos is not None else ""
        return f"invalid regular expression {pattern!r}: {error.msg}{where}"
    return None


def setting_problem(rule: Any, name: str, value: object) -> str | None:
    options: Mapping[str, object] = getattr(rule, "options", {}) or {}
    if name not in options:
        if not options:
            return f"{rule.code} has no settings"
        message = f"{rule.code} has no setting '{name}'"
        close = close_matches(name, options, limit=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return message + hint + f" (its settings: {', '.join(options)})"
    default = options[name]
    if same_kind(value, default):
        return None
    return f"{rule.code} {name} takes {kind_of(default)} (default {default!r}), not {kind_of(value)}"


def same_kind(value: object, default: object) -> bool:
    """Of the default's type; bool is not int here, but an integer is a fine number."""
    if isinstance(default, float) and not isinstance(default, bool) and type(value) is int:
        return True
    return kind_of(value) == kind_of(default)


def date_problem(value: object) -> str | None:
    """A YYYY-MM-DD date that exists. YAML 1.2 (the reader's schema) keeps dates as strings, quoted or not."""
    match = DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return f"write the date as YYYY-MM-DD, not {value!r}"
    try:
        datetime.date(*map(int, match.groups()))
    except ValueError as error:
        return f"{value} is not a date on the calendar ({error})"
    return None


def parse_date(value: str) -> datetime.date:
    return datetime.date(*map(int, DATE.fullmatch(value).groups()))  # type: ignore[union-attr]
