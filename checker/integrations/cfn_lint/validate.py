"""`pipelint lint --cfn-lint`: cfn-lint's own checks of the CloudFormation and SAM templates pipelint read, as
findings of the same report.

A cfn-lint match is about a template, not about a pipeline, so it becomes a finding outside every rule ×
pipeline evaluation (as an expired exemption is): code `CFN-<id>` (CFN-E3012), name from the rule's short
description, severity error → high, warning → medium, informational → info, cfn-lint's file, line and column,
and cfn-lint's key path as the finding's path (what baselines and SARIF fingerprints key on). Each code that
appears gets a RuleInfo (`per_pipeline=False`: no column in pipeline × rule tables) with the rule's
`source_url` as its help. The findings count for the exit code like any other.

cfn-lint runs once, over all the templates, after pipelint has loaded them: importing it slows every later
parse. Its project configuration (.cfnlintrc: regions, ignored checks and templates) and its Metadata
directives in templates apply. pipelint's own suppressions do not: cfn-lint's findings are suppressed the
cfn-lint way, or by a baseline. If cfn-lint itself fails, that is a PL000 error about the command line: the
run did not check what was asked.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from checker.engine.report import Report, RuleInfo
from checker.integrations.cfn_lint import INSTALL
from checker.loaders.cloudformation.loader import NAME as CLOUDFORMATION
from checker.model import Finding, LoadProblem, Location, Severity, SourceRef, Workspace
from checker.model.source import Path
from checker.model.workspace import COMMAND_LINE

PREFIX = "CFN-"
SEVERITY = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "informational": Severity.INFO}
DEFAULT_HELP = "https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/rules.md"


class CfnLintMissing(ImportError):
    """cfn-lint cannot be imported."""


@dataclass(frozen=True, slots=True)
class _Owner:
    """A pipeline of a template: a match inside its resource is about it."""

    path: Path
    title: str


def with_cfn_lint(report: Report) -> Report:
    """The report, with cfn-lint's findings on every CloudFormation/SAM template of its workspace added."""
    files = templates(report.workspace)
    if not files:
        return report
    try:
        matches = _lint(files)
    except CfnLintMissing:
        raise
    except (Exception, SystemExit) as error:  # noqa: BLE001 - cfn-lint exits on some configuration errors
        return _failed(report, f"{type(error).__name__}: {error}")
    return _merged(report, matches, files)


def templates(workspace: Workspace) -> list[str]:
    """The files pipelint recognised as CloudFormation or SAM templates, once each, in load order."""
    return list(dict.fromkeys(f.file for f in workspace.files if f.kind == CLOUDFORMATION))


def _lint(files: list[str]) -> list[Any]:
    try:
        from cfnlint.api import ManualArgs, lint_by_config
    except ImportError as error:
        raise CfnLintMissing(f"cfn-lint cannot be imported ({error}): {INSTALL}") from error
    # cfn-lint expands its template names as glob patterns: a file named `a[1].yaml` must stay itself
    return list(lint_by_config(ManualArgs(templates=[glob.escape(f) for f in files])))


def _merged(report: Report, matches: Iterable[Any], files: list[str]) -> Report:
    names = {os.path.normpath(f): f for f in files}
    owners = _owners(report.workspace)
    known = {rule.code for rule in report.rules}
    rules: dict[str, RuleInfo] = {}
    findings: list[Finding] = []
    problems: list[LoadProblem] = []
    for match in matches:
        rule = match.rule
        if hasattr(rule, "pipelint_codes"):  # pipelint's own rules, appended in .cfnlintrc: already in the report
            continue
        file = names.get(os.path.normpath(match.filename or ""))
        if file is None:  # cfn-lint's complaint about its configuration, not about a template
            problems.append(LoadProblem(file=COMMAND_LINE, message=f"--cfn-lint: cfn-lint {rule.id}: {match.message}"))
            continue
        code = PREFIX + rule.id
        info = rules.get(code) or report.rule(code) or _rule_info(rule)
        if code not in known:
            rules[code] = info
        path = _path(getattr(match, "path", None))
        findings.append(Finding(
            code=info.code, name=info.name, severity=info.severity, message=match.message,
            pipeline=_pipeline(file, path, owners), ref=SourceRef(file, path),
            location=Location(file, match.linenumber, match.columnnumber, match.linenumberend, match.columnnumberend),
        ))  # fmt: skip
    return replace(report, rules=report.rules + tuple(rules.values()),
                   findings=tuple(sorted(report.findings + tuple(findings), key=_order)),
                   problems=report.problems + tuple(problems))  # fmt: skip


def _rule_info(rule: Any) -> RuleInfo:
    severity = SEVERITY.get(rule.severity, Severity.INFO)  # an id with another letter: cfn-lint does not fail on it
    summary = rule.shortdesc or rule.id
    description = rule.description or summary
    return RuleInfo(
        code=PREFIX + rule.id, name=summary, severity=severity, default_severity=severity, summary=summary,
        docs=f"{summary}\n\n{description}\n\ncfn-lint rule {rule.id}.", help_uri=rule.source_url or DEFAULT_HELP,
        why=description, enabled=True, per_pipeline=False,
    )  # fmt: skip


def _path(path: object) -> Path:
    """cfn-lint's key path as pipelint's: keys and list indexes."""
    if not isinstance(path, (list, tuple)):
        return ()
    return tuple(part if isinstance(part, (str, int)) and not isinstance(part, bool) else str(part) for part in path)


def _owners(workspace: Workspace) -> dict[str, list[_Owner]]:
    owners: dict[str, list[_Owner]] = {}
    for pipeline in workspace.pipelines:
        owner = _Owner(pipeline.source.path, pipeline.title)
        if owner not in owners.setdefault(pipeline.source.file, []):
            owners[pipeline.source.file].append(owner)
    return owners


def _pipeline(file: str, path: Path, owners: dict[str, list[_Owner]]) -> str:
    """The pipeline a match is about: the one whose resource holds it, else the template's only pipeline (the
    reports then say nothing more), else the template itself."""
    found = owners.get(file, [])
    for owner in found:
        if owner.path and path[: len(owner.path)] == owner.path:
            return owner.title
    titles = {owner.title for owner in found}
    return titles.pop() if len(titles) == 1 else file


def _order(finding: Finding) -> tuple:
    """The engine's order: file, line, column, code."""
    where = finding.location
    return (finding.ref.file, where.line if where else 0, where.column if where else 0, finding.code)


def _failed(report: Report, reason: str) -> Report:
    problem = LoadProblem(file=COMMAND_LINE, message=f"--cfn-lint: cfn-lint failed, its checks are missing: {reason}")
    return replace(report, problems=report.problems + (problem,))
