"""The rules' documentation, generated from the rule classes: a listing, one rule's page, and docs/rules.md."""

from __future__ import annotations

from collections.abc import Sequence

from checker.rules.base import Rule
from checker.rules.tool import TOOL_CODES
from checker.views.style import Style


def listing(rules: Sequence[type[Rule]], style: Style) -> str:
    width = max((len(r.name) for r in rules), default=0)
    lines = [f"{style.bold(r.code)}  {r.name:<{width}}  {r.severity.value:<8}  {r.summary()}" for r in rules]
    lines.append(f"\n{len(rules)} rules. `pipelint rules CODE` prints one rule's documentation.")
    return "\n".join(lines) + "\n"


def page(rule: type[Rule]) -> str:
    options = "".join(f"\n- `{name}` (default {default!r})" for name, default in rule.options.items())
    head = f"# {rule.code} {rule.name}\n\nSeverity: {rule.severity.value}."
    if options:
        head += "\nOptions (set them in a policy pack under `rules.settings`):" + options
    return f"{head}\n\n{rule.docs()}\n"


def markdown(rules: Sequence[type[Rule]]) -> str:
    """docs/rules.md: a table of all rules, then every rule's page (anchors are the lower-case codes)."""
    lines = ["# pipelint rules", "", "Generated from the rule classes by `pipelint rules --format markdown`; "
             "do not edit by hand.", "", "| code | name | severity | finds |", "|---|---|---|---|"]  # fmt: skip
    lines += [f"| [{r.code}](#{r.code.lower()}) | {r.name} | {r.severity.value} | {r.summary()} |" for r in rules]
    for rule in rules:
        body = page(rule).replace(f"# {rule.code} {rule.name}", f'## <a id="{rule.code.lower()}"></a>{rule.code} {rule.name}', 1)
        lines += ["", body.replace("\n## ", "\n### ").rstrip()]
    lines += ["", "## pipelint's own codes", "", "Not rules of the set: findings the run itself reports, in every format."]
    for tool in TOOL_CODES:
        head = f'### <a id="{tool.code.lower()}"></a>{tool.code} {tool.name}\n\nSeverity: {tool.severity.value}.'
        lines += ["", head, "", tool.docs().replace("\n## ", "\n#### ")]
    return "\n".join(lines) + "\n"
