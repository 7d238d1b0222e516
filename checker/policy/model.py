"""A policy pack, as the engine uses it: environment mapping, rule selection, severities, settings,
exemptions and compliance frameworks. Loading and validating a pack lives in `checker.policy.load`."""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from checker.analysis.environment import EnvironmentMap
from checker.model import Severity, SourceRef


@dataclass(frozen=True, slots=True, kw_only=True)
class Exemption:
    """A known, accepted failure of one rule for matching pipelines, with who accepted it and until when."""

    rule: str  # a rule code
    pipeline: str  # a pipeline name; shell-style wildcards allowed ("legacy-*")
    reason: str
    owner: str
    expires: datetime.date | None = None
    file: str | None = None  # optional: only pipelines in files matching this wildcard
    ref: SourceRef  # where the exemption is written in the policy file

    def matches(self, code: str, pipeline: str, file: str) -> bool:
        if code != self.rule or not fnmatch.fnmatchcase(pipeline, self.pipeline):
            return False
        return self.file is None or fnmatch.fnmatchcase(file, self.file) or file.endswith("/" + self.file)

    def expired(self, today: datetime.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True, slots=True, kw_only=True)
class Control:
    id: str  # "CC8.1", "A.8.32", "CM-3"
    title: str
    rules: tuple[str, ...]  # rule codes that give evidence for the control
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Framework:
    id: str  # "soc2"
    name: str  # "SOC 2 (2017 Trust Services Criteria)"
    url: str = ""
    suggested: bool = True  # a suggested mapping, not an auditor's opinion
    controls: tuple[Control, ...] = ()
    file: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    name: str = "default"
    file: str | None = None  # None: the built-in default pack
    environments: EnvironmentMap = field(default_factory=EnvironmentMap)
    select: tuple[str, ...] = ("PL",)  # code prefixes
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    settings: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    exemptions: tuple[Exemption, ...] = ()
    frameworks: tuple[Framework, ...] = ()

    def selects(self, code: str) -> bool:
        """The most specific prefix wins, as in ruff: select PL1 + ignore PL102 runs PL101 but not PL102."""
        chosen = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        dropped = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return chosen > dropped

    def severity_of(self, code: str, default: Severity) -> Severity:
        return self.severity.get(code, default)

    def options_for(self, code: str, defaults: Mapping[str, object]) -> dict[str, object]:
        return {**defaults, **self.settings.get(code, {})}

    def with_selection(self, select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> Policy:
        """The command line's --select replaces the pack's selection; --ignore adds to its ignores."""
        return replace(self, select=select or self.select, ignore=self.ignore + ignore)
