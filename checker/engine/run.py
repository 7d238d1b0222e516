"""The engine: every selected rule over every pipeline, one evaluation each, scenarios merged.

A template with conditions loads to one Pipeline per scenario. A rule looks at each scenario; the evaluation
of the pipeline fails when any scenario fails, and each finding names the scenarios it fails in (none when it
fails in all). A rule that raises becomes a PL001 finding and an `error` evaluation; the run goes on.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from checker.analysis.core import Analysis
from checker.engine.identity import Identities
from checker.engine.overview import PipelineOverview, overview as _overview
from checker.engine.report import Report, RuleInfo
from checker.engine.suppress import Suppressor
from checker.model import Evaluation, Finding, Outcome, Pipeline, Related, Severity, Workspace
from checker.policy.model import Policy
from checker.rules.base import HELP_URI, Rule, RuleContext, Verdict
from checker.rules.registry import catalog
from checker.rules.tool import RULE_FAILED



# Applies a function to each pipeline's scenarios, giving the results in order: `map` itself, or the same in
# worker processes (checker.runner.parallel.fork_map).
GroupMapper = Callable[[Callable[[list[Pipeline]], Any], list[list[Pipeline]]], list[Any]]


def _serially(function: Callable[[list[Pipeline]], Any], groups: list[list[Pipeline]]) -> list[Any]:
    return [function(group) for group in groups]


def lint(
    workspace: Workspace,
    policy: Policy | None = None,
    *,
    rules: Sequence[type[Rule]] | None = None,
    fail_on: Severity = Severity.HIGH,
    today: datetime.date | None = None,
    map_groups: GroupMapper = _serially,
) -> Report:
    """Run the rules the policy selects over every pipeline of the workspace."""
    if policy is None:
        from checker.policy.load import load_policy

        policy = load_policy(None)
    analysis = Analysis(workspace, policy.environments)
    groups = _groups(workspace.pipelines)
    names = Identities(workspace)
    classes = rules if rules is not None else catalog()
    infos = [_info(rule_class, policy) for rule_class in classes]
    checks = [(info, rule_class(), RuleContext(analysis, info.options))
              for info, rule_class in zip(infos, classes) if info.enabled]  # fmt: skip

    def each(group: list[Pipeline]) -> tuple[list[Evaluation], PipelineOverview]:
        """Every rule's evaluation of one pipeline, and its overview."""
        return ([_evaluate(rule, info, group, ctx, workspace, names) for info, rule, ctx in checks],
                _overview(workspace, analysis, group))  # fmt: skip

    done = map_groups(each, groups)
    enabled = iter(range(len(checks)))  # the index of each enabled rule's evaluation in a group's list
    evaluations = []
    for info in infos:  # rule by rule, as the reports list them
        if info.enabled:
            index = next(enabled)
            evaluations += [found[index] for found, _ in done]
        else:
            evaluations += [_evaluation(info, group, Outcome.DISABLED, "the policy does not select this rule")
                            for group in groups]  # fmt: skip
    suppressor = Suppressor(workspace, policy, today or datetime.date.today())
    evaluations = [suppressor.apply(e) for e in evaluations]
    findings = [f for e in evaluations for f in e.findings] + suppressor.expired_exemptions()
    findings.sort(key=_order)
    return Report(
        workspace=workspace, policy_name=policy.name, rules=tuple(infos), evaluations=tuple(evaluations),
        findings=tuple(findings), problems=workspace.problems + tuple(suppressor.problems), fail_on=fail_on,
        overviews=tuple(overview for _, overview in done), frameworks=policy.frameworks,
    )  # fmt: skip


def _info(rule: type[Rule], policy: Policy) -> RuleInfo:
    return RuleInfo(
        code=rule.code, name=rule.name, severity=policy.severity_of(rule.code, rule.severity),
        default_severity=rule.severity, summary=rule.summary(), docs=rule.docs(),
        help_uri=HELP_URI.format(code=rule.code.lower()), enabled=policy.selects(rule.code),
        why=rule.section("Why is this bad?"), remediation=rule.section("Use instead"),
        options=policy.options_for(rule.code, rule.options),
    )  # fmt: skip


def _groups(pipelines: Iterable[Pipeline]) -> list[list[Pipeline]]:
    """The scenarios of one pipeline together: same file, same place in it."""
    groups: dict[tuple[str, tuple], list[Pipeline]] = {}
    for pipeline in pipelines:
        groups.setdefault((pipeline.source.file, pipeline.source.path), []).append(pipeline)
    return list(groups.values())


def _evaluation(info: RuleInfo, group: list[Pipeline], outcome: Outcome, reason: str,
                findings: tuple[Finding, ...] = ()) -> Evaluation:  # fmt: skip
    first = group[0]
    # reasons repeat across an estate's pipelines ("no deploy to production"): one copy of each
    return Evaluation(code=info.code, name=info.name, pipeline=first.title, ref=first.source, outcome=outcome,
                      reason=sys.intern(reason), findings=findings)  # fmt: skip


def _evaluate(rule: Rule, info: RuleInfo, group: list[Pipeline], ctx: RuleContext, workspace: Workspace,
              names: Identities) -> Evaluation:  # fmt: skip
    verdicts: list[tuple[Pipeline, Verdict]] = []
    for pipeline in group:
        try:
            verdicts += [(pipeline, verdict) for verdict in rule.check(pipeline, ctx)]
        except Exception as error:  # noqa: BLE001 - one rule's bug must not hide the other results
            message = f"rule {info.code} ({info.name}) failed on this pipeline: {type(error).__name__}: {error}"
            crash = Finding(code=RULE_FAILED.code, name=RULE_FAILED.name, severity=RULE_FAILED.severity, message=message,
                            pipeline=pipeline.label, ref=pipeline.source, location=workspace.locate(pipeline.source),
                            named_path=names.of(pipeline.source))  # fmt: skip
            return _evaluation(info, group, Outcome.ERROR, message, (crash,))
    failed = [(p, v) for p, v in verdicts if v.outcome is Outcome.FAILED]
    if failed:
        return _evaluation(info, group, Outcome.FAILED, "", _findings(info, group, failed, workspace, names))
    for outcome in (Outcome.UNKNOWN, Outcome.PASSED, Outcome.NOT_APPLICABLE):
        chosen = [(p, v) for p, v in verdicts if v.outcome is outcome]
        if chosen:
            return _evaluation(info, group, outcome, _reasons(group, chosen))
    return _evaluation(info, group, Outcome.NOT_APPLICABLE, "nothing to check")


def _reasons(group: list[Pipeline], verdicts: list[tuple[Pipeline, Verdict]]) -> str:
    """The distinct reasons, each with the scenarios it holds in when not all."""
    by_message: dict[str, list[Pipeline]] = {}
    for pipeline, verdict in verdicts:
        by_message.setdefault(verdict.message, []).append(pipeline)
    return "; ".join(m + _when(group, ps) for m, ps in by_message.items())


def _when(group: list[Pipeline], pipelines: list[Pipeline]) -> str:
    scenario = _scenario(group, pipelines)
    return f" (when {scenario})" if scenario else ""


def _scenario(group: list[Pipeline], pipelines: list[Pipeline]) -> str | None:
    """The scenarios a verdict holds in; None when it holds in all of them."""
    if {id(p) for p in pipelines} >= {id(p) for p in group}:
        return None
    return " or ".join(dict.fromkeys(p.scenario.describe() for p in pipelines))


def _findings(info: RuleInfo, group: list[Pipeline], failed: list[tuple[Pipeline, Verdict]],
              workspace: Workspace, names: Identities) -> tuple[Finding, ...]:  # fmt: skip
    merged: dict[tuple, list[tuple[Pipeline, Verdict]]] = {}
    for pipeline, verdict in failed:
        merged.setdefault((verdict.ref, verdict.message, verdict.via), []).append((pipeline, verdict))
    findings = []
    for (ref, message, via), items in merged.items():
        verdict = items[0][1]
        at = ref or items[0][0].source
        findings.append(Finding(
            code=info.code, name=info.name, severity=info.severity, message=message, pipeline=group[0].title,
            ref=at, location=workspace.locate(at), confidence=verdict.confidence,
            related=tuple(replace(r, location=workspace.locate(r.ref)) if r.ref else r for r in _unique(verdict.related)),
            scenario=_scenario(group, [p for p, _ in items]), named_path=names.of(at), via=via,
        ))  # fmt: skip
    return tuple(findings)


def _unique(related: tuple[Related, ...]) -> list[Related]:
    return list(dict.fromkeys(related))


def _order(finding: Finding) -> tuple:
    location = finding.location
    return (finding.ref.file, location.line if location else 0, location.column if location else 0, finding.code)
