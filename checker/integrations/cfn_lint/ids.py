"""The cfn-lint ids of pipelint's rules: stable, unique, and the table the README shows.

cfn-lint reads a rule's level from the first letter of its id (E error, W warning, I informational) and
selects rules by id prefix (`--ignore-checks W`, `--include-checks I`). The id of PL<nnn> is therefore
<level>9<nnn>: the level from the rule's default severity (critical and high → E, medium and low → W, info →
I), then 9 — cfn-lint's own rules stop at 8999, and rule packs for it number theirs 9xxx — then the rule's
three digits. No two ids differ only by their letter, so the number alone says which pipelint rule it is.

pipelint's own failures inside cfn-lint (a template it cannot load, PL000; a rule that crashed, PL001; or an
internal error) share one id, E9000. cfn-lint numbers the rules of a `--custom-rules` file 9000 + line number,
so a file of more than 100 lines also uses 91xx ids, and its rule replaces ours where an id is the same.

Only PL-coded rules are mapped (pipelint's own, and a pack's that use PL codes): a pack's other prefix has no
number cfn-lint could keep apart from ours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from checker.model import Severity
from checker.rules.base import HELP_URI, Rule
from checker.rules.registry import RulePackError, builtin_rules, catalog
from checker.rules.tool import INPUT_NOT_LOADED, RULE_FAILED

LEVEL = {Severity.CRITICAL: "E", Severity.HIGH: "E", Severity.MEDIUM: "W", Severity.LOW: "W", Severity.INFO: "I"}
LEVEL_NAME = {"E": "error", "W": "warning", "I": "informational"}
MAPPED_CODE = re.compile(r"PL(\d{3})")
FAILED_ID = "E9000"
TAGS = ("pipelint", "deployment-pipeline")


class UnmappedCode(ValueError):
    """A rule code that has no cfn-lint id (not PL and three digits)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CfnRuleSpec:
    """One cfn-lint rule class to generate: its id and texts, and the pipelint codes whose findings it reports."""

    id: str
    codes: tuple[str, ...]
    name: str  # kebab-case, pipelint's
    shortdesc: str
    description: str
    source_url: str
    tags: tuple[str, ...]

    @property
    def level(self) -> str:
        return LEVEL_NAME[self.id[0]]

    @property
    def class_name(self) -> str:
        """A Python class name from the kebab-case name: cfn-lint lists rules by it."""
        return "Pipelint" + "".join(part.capitalize() for part in self.name.split("-"))


def cfn_id(code: str, severity: Severity) -> str:
    """PL101 at high severity → E9101."""
    found = MAPPED_CODE.fullmatch(code)
    if found is None:
        raise UnmappedCode(f"{code} has no cfn-lint id: only PL codes of three digits are mapped")
    return f"{LEVEL[severity]}9{found.group(1)}"


def specs(rules: Sequence[type[Rule]] | None = None) -> tuple[CfnRuleSpec, ...]:
    """The failure rule, then one spec per mapped rule (default: the catalog's), in the rules' order.

    A rule pack that cannot be loaded leaves the built-in rules: cfn-lint imports this while it starts, and a
    traceback there would stop it; the pack's error is reported on every template instead (check.py)."""
    if rules is None:
        try:
            rules = catalog()
        except RulePackError:
            rules = builtin_rules()
    found = [_failure_spec()]
    numbers = {FAILED_ID[1:]}
    for rule in rules:
        if MAPPED_CODE.fullmatch(rule.code) is None:
            continue
        spec = _rule_spec(rule)
        if spec.id[1:] in numbers:  # a pack's PL000 or PL001: the failure rule keeps the number
            continue
        numbers.add(spec.id[1:])
        found.append(spec)
    return tuple(found)


def _rule_spec(rule: type[Rule]) -> CfnRuleSpec:
    why = " ".join(rule.section("Why is this bad?").split())
    return CfnRuleSpec(
        id=cfn_id(rule.code, rule.severity), codes=(rule.code,), name=rule.name, shortdesc=rule.summary(),
        description=f"pipelint {rule.code} {rule.name}: {why}", source_url=HELP_URI.format(code=rule.code.lower()),
        tags=(*TAGS, rule.code, rule.name),
    )  # fmt: skip


def _failure_spec() -> CfnRuleSpec:
    return CfnRuleSpec(
        id=FAILED_ID, codes=(INPUT_NOT_LOADED.code, RULE_FAILED.code), name="pipelint-failed",
        shortdesc="pipelint could not check this template, or not all of it",
        description="pipelint could not load the template (PL000), a rule failed on a pipeline in it (PL001), or "
                    "pipelint itself failed; the message says which. Its pipeline checks are missing there.",
        source_url=HELP_URI.format(code=INPUT_NOT_LOADED.code.lower()), tags=(*TAGS, "PL000", "PL001"),
    )  # fmt: skip


def table(rules: Sequence[type[Rule]] | None = None) -> str:
    """The README's table: every cfn-lint id with its pipelint code, level and name."""
    lines = ["| cfn-lint id | level | pipelint | name |", "|---|---|---|---|"]
    for spec in specs(rules):
        codes = ", ".join(f"[{code}](docs/rules.md#{code.lower()})" for code in spec.codes)  # relative: in the README
        lines.append(f"| {spec.id} | {spec.level} | {codes} | {spec.name} |")
    return "\n".join(lines) + "\n"
