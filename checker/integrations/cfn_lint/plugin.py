"""The cfn-lint side of pipelint's rules: a base rule class, and one generated class per spec of `ids.py`.

The base class is kept out of `rules.py` on purpose: cfn-lint instantiates every class in the module it is
given that derives from its rule class, and a base class with no id would become a rule with an empty id.
"""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from checker.integrations.cfn_lint.check import Hit, check_file
from checker.integrations.cfn_lint.ids import CfnRuleSpec, specs


class PipelintRule(CloudFormationLintRule):
    """Reports the findings of its pipelint codes in the template cfn-lint is checking."""

    pipelint_codes: ClassVar[tuple[str, ...]] = ()

    def match(self, cfn: Any) -> list[RuleMatch]:
        hits = [hit for hit in check_file(cfn.filename) if hit.code in self.pipelint_codes]
        if not hits:
            return []
        # a transform (SAM, language extensions) has replaced the template cfn-lint holds, so a path into the
        # file may lead nowhere in it: there pipelint's own line is the one to give
        transformed = bool(cfn.transform_pre.get("Transform"))
        return [_rule_match(hit, transformed) for hit in hits]


def _rule_match(hit: Hit, transformed: bool) -> RuleMatch:
    where = hit.location
    if where is None and not hit.path:  # about the whole template (it could not be checked): its first line
        return RuleMatch([], hit.message, location=(0, 0, 0, 1))
    if where is not None and (transformed or not hit.path):
        # cfn-lint takes a match's own location as 0-based (line, column, end line, end column)
        end_line, end_column = where.end_line or where.line, where.end_column or where.column + 1
        location = (where.line - 1, where.column - 1, end_line - 1, end_column - 1)
        return RuleMatch(list(hit.path), hit.message, location=location)
    return RuleMatch(list(hit.path), hit.message)


def rule_class(spec: CfnRuleSpec, module: str) -> type[PipelintRule]:
    attributes = {
        "__doc__": spec.shortdesc, "__module__": module, "__qualname__": spec.class_name, "id": spec.id,
        "shortdesc": spec.shortdesc, "description": spec.description, "source_url": spec.source_url,
        "tags": list(spec.tags), "pipelint_codes": spec.codes,
    }  # fmt: skip
    return type(spec.class_name, (PipelintRule,), attributes)


def rule_classes(module: str) -> tuple[type[PipelintRule], ...]:
    """One class per spec, generated from the rule catalog: no rule is written twice."""
    return tuple(rule_class(spec, module) for spec in specs())
