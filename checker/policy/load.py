"""Loading a policy pack: a shipped one by name, or a user's file, validated with the exact place of any error.

A user's pack is checked in two layers: its shape by JSON Schema (`schema.json`), then what a schema cannot
know (`checks`). The shipped packs are loaded without either: they are checked by the tests, and the default
pack is read on every run, where importing jsonschema and the rule catalog would cost more than the run saves.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from checker.analysis.environment import EnvironmentMap, Tier
from checker.model import Severity, SourceRef
from checker.model.values import FrozenDict, freeze
from checker.policy.checks import Catalog, pack_problems, parse_date
from checker.policy.document import read_document
from checker.policy.errors import PolicyError, error_at, first_of
from checker.policy.frameworks import read_framework
from checker.policy.model import Exemption, Framework, Policy
from checker.sources.read import note

__all__ = ["SHIPPED", "PolicyError", "load_framework", "load_policy", "shipped_path"]

SHIPPED = ("default", "strict")  # packs that ship with pipelint, by name


def load_policy(path: str | None, *, rules: Iterable[Any] | None = None) -> Policy:
    """The pack at `path`, or the shipped pack of that name ("strict"); None is the default pack.

    `rules` are the rule classes a pack may name (default: the catalog, with third-party packs). A shipped pack
    is trusted and cached. Raises PolicyError with the file, key path, line and column of the first problem.
    """
    if path is None:
        return _shipped("default")
    note(path)  # a file named like a shipped pack takes its place: the cache must see it appear
    if not os.path.exists(path):
        if path in SHIPPED:
            return _shipped(path)
        raise PolicyError(
            f"no such file, and not the name of a shipped pack ({', '.join(SHIPPED)})", file=path
        )
    return _Loader(rules).pack(path)


def load_framework(path: str, *, rules: Iterable[Any] | None = None) -> Framework:
    """One framework mapping file, validated (for tools that read a framework without a pack)."""
    return read_framework(path, _Loader(rules).catalog())


@cache
def packs_dir() -> str:
    """Where the shipped packs are: checker/policies in an installed wheel, policies/ in a source checkout."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    candidates = (os.path.join(package, "policies"), os.path.join(os.path.dirname(package), "policies"))
    for candidate in candidates:
        if os.path.isfile(os.path.join(candidate, "default.yaml")):
            return candidate
    raise PolicyError(
        f"the shipped policy packs are missing (looked in {' and '.join(candidates)}): reinstall pipelint"
    )


def shipped_path(name: str) -> str:
    return os.path.join(packs_dir(), f"{name}.yaml")


@cache
def _shipped(name: str) -> Policy:
    # Cached: a shipped pack cannot change while pipelint runs, and the result is immutable.
    return _Loader(None, trusted=True).pack(shipped_path(name), shipped=name)


class _Loader:
    """One load, with its rule catalog (built once) and the packs being loaded (to stop `extends` cycles)."""

    def __init__(self, rules: Iterable[Any] | None, *, trusted: bool = False) -> None:
        self.rules = rules
        self.trusted = trusted
        self._catalog: Catalog | None = None
        self.chain: list[str] = []

    def catalog(self) -> Catalog:
        if self._catalog is None:
            if self.rules is None:
                from checker.rules.registry import catalog

                self.rules = catalog()
            self._catalog = Catalog(self.rules)
        return self._catalog

    def pack(self, file: str, *, shipped: str | None = None) -> Policy:
        document = read_document(file)
        raw: dict[str, Any] = document.value  # type: ignore[assignment]
        if not self.trusted:
            from checker.policy.schema import check_shape

            check_shape(document, "policy")
            problems = pack_problems(document, self.catalog())
            if problems:
                raise first_of(problems)
        self.chain.append(os.path.realpath(file))
        try:
            base = self._extends(document, raw["extends"]) if "extends" in raw else None
            frameworks = self._frameworks(document, raw.get("frameworks"))
        finally:
            self.chain.pop()
        policy = _build(
            raw, file=None if shipped else file, name=shipped or _stem(file), frameworks=frameworks
        )
        return policy if base is None else _merge(base, policy, raw)

    def _extends(self, document: Any, target: str) -> Policy:
        if target in SHIPPED:
            return _shipped(target)
        file = os.path.join(os.path.dirname(document.file), target)
        if os.path.realpath(file) in self.chain:
            raise error_at(document, ("extends",), f"'{target}' extends this pack again (a cycle of extends)")
        if not os.path.isfile(file):
            shipped = ", ".join(SHIPPED)
            raise error_at(
                document,
                ("extends",),
                f"no pack '{target}': not a shipped pack ({shipped}) and no file {file}",
            )
        return self.pack(file)

    def _frameworks(self, document: Any, names: list[str] | None) -> tuple[Framework, ...] | None:
        if names is None:
            return None
        frameworks: list[Framework] = []
        seen: dict[str, int] = {}
        for index, name in enumerate(names):
            file = os.path.join(os.path.dirname(document.file), name)
            if not os.path.isfile(file):
                raise error_at(
                    document, ("frameworks", index), f"framework file '{name}' not found (no file {file})"
                )
            framework = read_framework(file, None if self.trusted else self.catalog())
            if framework.id in seen:
                again = (
                    f"'{name}' is framework '{framework.id}' again (also frameworks[{seen[framework.id]}])"
                )
                raise error_at(document, ("frameworks", index), again)
            seen[framework.id] = index
            frameworks.append(framework)
        return tuple(frameworks)


def _stem(file: str) -> str:
    return os.path.splitext(os.path.basename(file))[0]


def _build(
    raw: Mapping[str, Any], *, file: str | None, name: str, frameworks: tuple[Framework, ...] | None
) -> Policy:
    """The Policy a checked pack says (shape and semantics are already known to be right)."""
    accounts: list[tuple[str, Tier]] = []
    patterns: list[tuple[re.Pattern[str], Tier]] = []
    for tier, spec in (raw.get("environments") or {}).items():  # in the pack's order: the first match wins
        accounts += [(account, Tier(tier)) for account in (spec or {}).get("accounts") or ()]
        patterns += [(re.compile(pattern), Tier(tier)) for pattern in (spec or {}).get("names") or ()]
    rules = raw.get("rules") or {}
    protected = tuple(raw["protected_environments"] or ()) if "protected_environments" in raw else None
    exemptions = tuple(
        Exemption(
            rule=item["rule"],
            pipeline=item["pipeline"],
            reason=item["reason"],
            owner=item["owner"],
            expires=parse_date(item["expires"]) if "expires" in item else None,
            file=item.get("file"),
            ref=SourceRef(file or name, ("exemptions", index)),
        )
        for index, item in enumerate(raw.get("exemptions") or ())
    )
    return Policy(
        name=raw.get("name") or name,
        file=file,
        environments=EnvironmentMap(accounts=tuple(accounts), patterns=tuple(patterns), protected=protected),
        select=tuple(rules.get("select", ("PL",))),
        ignore=tuple(rules.get("ignore", ())),
        severity=FrozenDict((code, Severity(word)) for code, word in (rules.get("severity") or {}).items()),
        settings=freeze(rules.get("settings") or {}),
        exemptions=exemptions,
        frameworks=frameworks or (),
    )


def _merge(base: Policy, child: Policy, raw: Mapping[str, Any]) -> Policy:
    """`extends`: the child's values win; mappings merge key by key, exemptions add up, lists replace."""
    rules = raw.get("rules") or {}
    settings = {code: FrozenDict(values) for code, values in base.settings.items()}
    for code, values in child.settings.items():
        settings[code] = FrozenDict({**settings.get(code, {}), **values})
    return Policy(
        name=child.name,
        file=child.file,
        # The child's accounts and patterns come first, so they win where both packs match.
        environments=EnvironmentMap(
            accounts=child.environments.accounts + base.environments.accounts,
            patterns=child.environments.patterns + base.environments.patterns,
            protected=child.environments.protected if "protected_environments" in raw else base.environments.protected,
        ),
        select=child.select if "select" in rules else base.select,
        ignore=child.ignore if "ignore" in rules else base.ignore,
        severity=FrozenDict({**base.severity, **child.severity}),
        settings=FrozenDict(settings),
        exemptions=base.exemptions + child.exemptions,
        frameworks=child.frameworks if "frameworks" in raw else base.frameworks,
    )
