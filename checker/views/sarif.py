"""SARIF 2.1.0 for code scanning: one run, the rules as metadata, a result per finding and per PL000 problem.

GitHub code scanning's documented limits shape a few choices ("SARIF support for code scanning" and "SARIF
results exceed one or more limits" in docs.github.com/en/code-security):

- more than 25,000 results in a run, 1,000 locations in a result or 20 tags on a rule and the upload is
  rejected: results are capped (the most severe kept, and a notification says so), related locations are
  capped at the 100 GitHub shows, rules carry two tags;
- required texts may not be empty; names are shown up to 255 characters, descriptions up to 1,024;
- GitHub's `upload-sarif` fills `primaryLocationLineHash` from the text of the line and warns when a given
  value disagrees, so we leave that key to it and add our own, keyed by the model path and not the line;
- `security-severity` makes a rule's results security results, read as >9.0 critical, 7.0-8.9 high,
  4.0-6.9 medium, 0.1-3.9 low, 0.0 none.

The output is deterministic (no timestamps, no ids but those derived from content): it is pinned by snapshots.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from typing import Any
from urllib.parse import quote

from checker import __version__
from checker.engine.report import EXIT_ERROR, Report, RuleInfo
from checker.model import (
    Finding,
    LoadProblem,
    Location,
    ProblemSeverity,
    Severity,
    Suppression,
    SuppressionKind,
)
from checker.model.workspace import COMMAND_LINE
from checker.rules.base import HELP_URI
from checker.rules.tool import TOOL_CODES, ToolCode

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/pipelint/pipelint"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "pipelintFindingHash/v1"
MAX_RESULTS = 25_000  # GitHub rejects a run with more
MAX_RELATED = 100  # GitHub accepts 1,000 locations per result but shows only 100
MAX_NAME, MAX_DESCRIPTION = 255, 1024

LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note",
         Severity.INFO: "note"}  # fmt: skip
# the middle of GitHub's band for each severity; info is "no security severity" (0.0)
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                     Severity.LOW: "2.0", Severity.INFO: "0.0"}  # fmt: skip
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
PROBLEM_LEVEL = {ProblemSeverity.ERROR: "error", ProblemSeverity.WARNING: "warning"}
PROBLEM_RANK = {ProblemSeverity.ERROR: Severity.HIGH, ProblemSeverity.WARNING: Severity.LOW}


def _tool_rule(tool: ToolCode) -> RuleInfo:
    return RuleInfo(code=tool.code, name=tool.name, severity=tool.severity, default_severity=tool.severity,
                    summary=tool.summary, docs=tool.docs(), help_uri=HELP_URI.format(code=tool.code.lower()),
                    why=tool.why, remediation=tool.fix, enabled=True)  # fmt: skip


# pipelint's own codes are not in report.rules: the run describes them when it uses them
TOOL_RULES = {tool.code: _tool_rule(tool) for tool in TOOL_CODES}
LOAD_CODE = "PL000"


def render(report: Report) -> str:
    return json.dumps(as_sarif(report), indent=2) + "\n"


def as_sarif(report: Report) -> dict[str, Any]:
    rules = _rules(report)
    index = {rule.code: i for i, rule in enumerate(rules)}
    # a problem with the command line is about no file: a notification, not a result (results need a place)
    ranked = [(_problem_result(p, index), _problem_weight(p)) for p in report.problems if p.file != COMMAND_LINE]
    ranked += [(_finding_result(f, index), _finding_weight(f)) for f in report.findings]
    results, omitted = _cap(ranked)
    _add_fingerprints(results)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "pipelint", "version": __version__, "semanticVersion": __version__,
                "informationUri": INFORMATION_URI, "rules": [_descriptor(rule) for rule in rules]}},
            "invocations": [_invocation(report, index, omitted)],
            "originalUriBaseIds": {SRCROOT: {"description": {
                "text": "The directory pipelint ran in: relative paths are as they were given to it."}}},
            "results": results,
            "columnKind": "unicodeCodePoints",
            "properties": {"policy": report.policy_name, "failOn": report.fail_on.value},
        }],
    }  # fmt: skip


# --- rules -------------------------------------------------------------------------------------------------


def _rules(report: Report) -> list[RuleInfo]:
    """The tool's own codes that this run used, then every enabled rule, then any other code a finding has."""
    used = {f.code for f in report.findings} | {p.code for p in report.problems}
    rules = [TOOL_RULES[code] for code in sorted(used & TOOL_RULES.keys())]
    rules += [rule for rule in report.rules if rule.enabled and rule.code not in TOOL_RULES]
    known = {rule.code for rule in rules}
    # a disabled or unlisted rule, or a new problem code, must not leave a result pointing nowhere
    for code, name, severity in [(f.code, f.name, f.severity) for f in report.findings] + [
            (p.code, "input-problem", Severity.HIGH) for p in report.problems]:  # fmt: skip
        if code not in known:
            known.add(code)
            unlisted = ToolCode(code=code, name=name, severity=severity, summary=name, why=name, fix="")
            rules.append(report.rule(code) or _tool_rule(unlisted))
    return rules


def _descriptor(rule: RuleInfo) -> dict[str, Any]:
    level = LEVEL[rule.severity]
    # rules have no precision of their own (each finding carries a confidence, in the result's properties)
    properties: dict[str, Any] = {"tags": ["security", "ci-cd"], "precision": "high",
                                  "problem.severity": PROBLEM_SEVERITY[level]}  # fmt: skip
    if rule.code == LOAD_CODE:
        # a load problem is an error or a warning, but GitHub reads security-severity from the rule only:
        # the result's level says which, and the rule stays out of the security view
        properties["tags"] = ["ci-cd", "input"]
    elif not rule.per_pipeline:
        # another tool's checks of whole files (cfn-lint's, with --cfn-lint) say whether a template is valid, not
        # whether a deploy is safe: they stay out of GitHub's security view
        properties["tags"] = ["ci-cd", "template"]
    else:
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity]
    summary = rule.summary or rule.name
    docs = rule.docs or summary
    return {
        "id": rule.code,
        "name": _clip(rule.name, MAX_NAME),
        "shortDescription": {"text": _clip(summary, MAX_DESCRIPTION)},
        "fullDescription": {"text": _clip(rule.why or summary, MAX_DESCRIPTION)},
        "help": {"text": docs, "markdown": docs},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())  # one paragraph: GitHub shows these on one line
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- results -----------------------------------------------------------------------------------------------


def _finding_result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    related, notes = _related(finding)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": LEVEL[finding.severity],
        "message": {"text": _message(finding, related, notes)},
        "locations": [{**_location(finding.location, finding.ref.file),
                       "logicalLocations": _logical(finding)}],  # fmt: skip
    }
    if related:
        result["relatedLocations"] = related
    if finding.suppressed is not None:
        result["suppressions"] = [_suppression(finding.suppressed)]
    # the identity names stages and actions: inserting a stage does not close and reopen an alert
    result["partialFingerprints"] = {FINGERPRINT: _key(finding.code, finding.ref.file, finding.identity,
                                                      finding.pipeline, finding.scenario or "")}  # fmt: skip
    result["properties"] = {"pipeline": finding.pipeline, "severity": finding.severity.value,
                            "confidence": finding.confidence.value, "path": finding.ref.pointer(),
                            **({"scenario": finding.scenario} if finding.scenario else {})}  # fmt: skip
    return result


def _problem_result(problem: LoadProblem, index: dict[str, int]) -> dict[str, Any]:
    where = problem.location
    return {
        "ruleId": problem.code,
        "ruleIndex": index[problem.code],
        "level": PROBLEM_LEVEL[problem.severity],
        "message": {"text": problem.message or "the file could not be loaded"},
        "locations": [_location(where, problem.file)],
        # the message may hold line numbers ("first on line 10"): the key is the file and the order in it
        "partialFingerprints": {FINGERPRINT: _key(problem.code, problem.file)},
        "properties": {"severity": problem.severity.value},
    }


def _message(finding: Finding, related: list[dict[str, Any]], notes: list[str]) -> str:
    """The finding's message, its scenario, and its related places as SARIF links `[text](id)`."""
    escape = _escape if related else str  # brackets only mean something in a message that has links
    text = escape(finding.message) + (f" when {escape(finding.scenario)}" if finding.scenario else "")
    links = [f"[{_escape(r['message']['text'])}]({r['id']})" for r in related]
    extra = links + [escape(note) for note in notes]
    return f"{text}. See: {'; '.join(extra)}." if extra else text


def _escape(text: str) -> str:
    return re.sub(r"([\\\[\]])", r"\\\1", text)


def _related(finding: Finding) -> tuple[list[dict[str, Any]], list[str]]:
    """Related places with a file become relatedLocations (ids from 1); the others stay notes in the text."""
    located = [r for r in finding.related if r.location is not None or r.ref is not None]
    notes = [r.message for r in finding.related if r.location is None and r.ref is None]
    entries = []
    for number, related in enumerate(located[:MAX_RELATED], 1):
        file = related.location.file if related.location else related.ref.file  # type: ignore[union-attr]
        entries.append({"id": number, **_location(related.location, file),
                        "message": {"text": related.message}})  # fmt: skip
    if len(located) > MAX_RELATED:
        left_out = len(located) - MAX_RELATED
        notes.append(f"{left_out} more related places are left out (GitHub shows {MAX_RELATED})")
    return entries, notes


def _logical(finding: Finding) -> list[dict[str, Any]]:
    node = {"name": str(finding.ref.path[-1]) if finding.ref.path else "", "fullyQualifiedName": finding.identity,
            "kind": "object"}
    return [{"name": finding.pipeline, "kind": "resource"}, *([node] if finding.ref.path else [])]


def _suppression(suppression: Suppression) -> dict[str, Any]:
    inline = suppression.kind is SuppressionKind.INLINE
    facts = [f"owner {suppression.owner}"] if suppression.owner else []
    facts += [f"expires {suppression.expires}"] if suppression.expires else []
    facts += [] if inline else [suppression.kind.value]  # exemption or baseline: both "external" in SARIF
    entry: dict[str, Any] = {
        "kind": "inSource" if inline else "external",
        "status": "accepted",
        "justification": suppression.reason + (f" ({', '.join(facts)})" if facts else ""),
    }
    if suppression.location is not None:
        entry["location"] = _location(suppression.location, suppression.location.file)
    return entry


# --- locations ---------------------------------------------------------------------------------------------


def _location(where: Location | None, file: str) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": _artifact(file), "region": _region(where)}}


def _artifact(file: str) -> dict[str, str]:
    """A relative path stays relative to %SRCROOT%, with / and percent-encoding; an absolute one: file://."""
    path = file.replace(os.sep, "/") if os.sep != "/" else file
    if re.match(r"[A-Za-z]:/", path):  # a Windows drive
        path = "/" + path
    if path.startswith("/"):
        return {"uri": "file://" + quote(path, safe="/:")}
    while path.startswith("./"):
        path = path[2:]
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _region(where: Location | None) -> dict[str, int]:
    if where is None:  # the whole file, as far as anyone can tell: its first line
        return {"startLine": 1, "startColumn": 1, "endLine": 1}
    region = {"startLine": where.line, "startColumn": where.column or 1,
              "endLine": where.end_line or where.line}  # fmt: skip
    if where.end_line is not None and where.end_column is not None:
        if where.end_column == 1 and where.end_line > where.line:
            # the node ends with its last line break: say "to the end of the line before", so that a pull
            # request that changes the node does not also need the next line in its diff to show the alert
            region["endLine"] = where.end_line - 1
        else:
            region["endColumn"] = where.end_column
    return region


# --- fingerprints, caps, invocation ------------------------------------------------------------------------


def _key(code: str, file: str, *parts: str) -> str:
    """The hash only: `_add_fingerprints` appends the occurrence, for findings that share every part. The file
    is written with / so that the key is the same on every system."""
    posix = file.replace(os.sep, "/") if os.sep != "/" else file
    return hashlib.sha256("\x1f".join((code, posix, *parts)).encode("utf-8", "surrogatepass")).hexdigest()


def _add_fingerprints(results: list[dict[str, Any]]) -> None:
    seen: Counter[str] = Counter()
    for result in results:
        digest = result["partialFingerprints"][FINGERPRINT]
        seen[digest] += 1
        result["partialFingerprints"][FINGERPRINT] = f"{digest}:{seen[digest]}"


def _finding_weight(finding: Finding) -> tuple[int, int]:
    return (finding.suppressed is not None, -finding.severity.rank)


def _problem_weight(problem: LoadProblem) -> tuple[int, int]:
    return (False, -PROBLEM_RANK[problem.severity].rank)


def _cap(ranked: list[tuple[dict[str, Any], tuple[int, int]]]) -> tuple[list[dict[str, Any]], int]:
    """At most MAX_RESULTS: active before suppressed, most severe first; kept ones stay in report order."""
    if len(ranked) <= MAX_RESULTS:
        return [result for result, _ in ranked], 0
    keep = sorted(sorted(range(len(ranked)), key=lambda i: ranked[i][1])[:MAX_RESULTS])
    return [ranked[i][0] for i in keep], len(ranked) - MAX_RESULTS


def _invocation(report: Report, index: dict[str, int], omitted: int) -> dict[str, Any]:
    notes = [_notification(PROBLEM_LEVEL[p.severity], p.message, p.code, index,
                           Location(p.file, p.line, p.column or 1) if p.line else None, p.file)
             for p in report.problems if p.severity is ProblemSeverity.ERROR and p.file != COMMAND_LINE]  # fmt: skip
    notes += [{"level": PROBLEM_LEVEL[p.severity], "message": {"text": p.message},
               "associatedRule": {"id": p.code, "index": index[p.code]}}
              for p in report.problems if p.file == COMMAND_LINE]  # fmt: skip
    notes += [_notification("error", f.message, f.code, index, f.location, f.ref.file)
              for f in report.findings if f.code == "PL001"]  # fmt: skip
    if omitted:
        text = (f"{omitted} results are left out: GitHub code scanning rejects a run with more than "
                f"{MAX_RESULTS:,}. The most severe active findings were kept; narrow the scan or the rules "
                "to see the rest.")  # fmt: skip
        notes.append({"level": "warning", "message": {"text": text}})
    # exit code 2: an input could not be loaded or a rule crashed, so the run did not check everything
    invocation: dict[str, Any] = {"executionSuccessful": report.exit_code != EXIT_ERROR,
                                  "exitCode": report.exit_code}  # fmt: skip
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return invocation


def _notification(level: str, message: str, code: str, index: dict[str, int], where: Location | None,
                  file: str) -> dict[str, Any]:  # fmt: skip
    return {"level": level, "message": {"text": message}, "locations": [_location(where, file)],
            "associatedRule": {"id": code, "index": index[code]}}  # fmt: skip
