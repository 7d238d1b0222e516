"""pipelint's own codes (PL0xx): not rules of the rule set, but findings the run itself reports.

They are documented here once, for the rules reference and for reports that describe every code they use.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.model import Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCode:
    code: str
    name: str
    severity: Severity
    summary: str
    why: str
    fix: str

    def docs(self) -> str:
        return f"{self.summary}\n\n## Why is this bad?\n{self.why}\n\n## Use instead\n{self.fix}"


INPUT_NOT_LOADED = ToolCode(
    code="PL000", name="input-not-loaded", severity=Severity.HIGH,
    summary="An input could not be loaded, or only in part, so its pipelines were not fully checked.",
    why="pipelint judges only what it can read. A file it cannot parse, a reference it cannot resolve or a "
        "format it does not read leaves pipelines unchecked: no finding there does not mean they are safe. "
        "A load error makes the run exit with code 2; a warning (a suppression comment without a reason, say) "
        "does not.",
    fix="Fix the file at the reported line (syntax, duplicate keys, unresolved references), render templates "
        "before linting them, and leave formats pipelint does not read out of the scan.",
)  # fmt: skip
RULE_FAILED = ToolCode(
    code="PL001", name="rule-failed", severity=Severity.HIGH,
    summary="A rule failed with an internal error on a pipeline, so its verdict there is missing.",
    why="The other rules still ran, but this one says nothing about the pipeline: a problem it looks for may "
        "be hidden. The run exits with code 2.",
    fix="Report the message (it names the rule and the error) to the rule's authors, and review the pipeline "
        "for that rule by hand until it is fixed.",
)  # fmt: skip
EXEMPTION_EXPIRED = ToolCode(
    code="PL002", name="exemption-expired", severity=Severity.MEDIUM,
    summary="A policy exemption has passed its expiry date and is no longer applied.",
    why="An exemption accepts a known risk for a while. Once it expires, the findings it covered are reported "
        "again, and someone has to decide again.",
    fix="Fix the pipeline so that the finding goes away, or renew the exemption in the policy with a new "
        "`expires` date and a current reason and owner.",
)  # fmt: skip
TOOL_CODES = (INPUT_NOT_LOADED, RULE_FAILED, EXEMPTION_EXPIRED)
