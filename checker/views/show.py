"""`pipelint show`: each pipeline as its people see it, stages in order, what each action deploys to, and why."""

from __future__ import annotations

import itertools
import re
from enum import Enum
from typing import Any

from checker import __version__
from checker.analysis.core import ActionFacts, Analysis
from checker.analysis.environment import Tier
from checker.model import CloudFormationStack, Pipeline, Stage, StageCondition, Unknown, Workspace
from checker.views.jsonable import place, plain, problem_json
from checker.views.style import Style

JSON_SCHEMA_VERSION = 1


def _short(value: object) -> str:
    if value is None:
        return "not set"
    if isinstance(value, Unknown):
        text = value.text or ""
        return text if text and not re.fullmatch(r"\$\{[^}]*\}", text) else "unknown"
    return str(value.value) if isinstance(value, Enum) else str(value)


def _where(ws: Workspace, ref: Any) -> str:
    location = ws.locate(ref)
    return str(location) if location else ref.file


def text(ws: Workspace, analysis: Analysis, style: Style) -> str:
    out: list[str] = []
    for pipeline in ws.pipelines:
        out.extend(_pipeline_text(ws, analysis, pipeline, style))
        out.append("")
    nested = [t for t in ws.targets if isinstance(t, CloudFormationStack) and t.external]
    if nested:
        out.append(style.bold("Nested stacks, not followed (their resources are unknown to this run):"))
        seen = set()
        for stack in nested:
            line = f"  {_where(ws, stack.source)}  {stack.logical_id} -> {_short(stack.template_url)}"
            if line not in seen:  # one line per stack, whatever the scenarios
                seen.add(line)
                out.append(line)
        out.append("")
    out.append(summary(ws))
    return "\n".join(out) + "\n"


def summary(ws: Workspace) -> str:
    read = sum(1 for f in ws.files if f.kind is not None)
    if not ws.pipelines:
        return (f"No pipelines found in {len(ws.files)} file(s) ({read} recognised). pipelint reads CodePipeline JSON "
                "(get-pipeline output), CloudFormation/SAM templates, CDK cloud assemblies (cdk.out), Terraform "
                "(.tf, plan JSON), GitHub Actions workflows and GitLab CI files.")  # fmt: skip
    targets = len(ws.targets)
    return f"{len(ws.pipelines)} pipeline(s) and {targets} deploy target(s) from {read} file(s)."


def _pipeline_text(ws: Workspace, analysis: Analysis, p: Pipeline, style: Style) -> list[str]:
    kind = _short(p.pipeline_type)
    head = f"{style.bold(p.label)}  ({p.format.value}, {kind}, account {_short(p.account)}, region {_short(p.region)})"
    if p.format.is_ci:  # a CI workflow has no pipeline type, account or region of its own
        head = f"{style.bold(p.label)}  ({p.format.value})"
    lines = [head, f"  {_where(ws, p.source)}"]
    for store in p.artifact_stores:
        key = store.encryption_key
        key_text = f"KMS key {_short(key.id)}" if key else "no customer-managed key (AWS-managed S3 key)"
        region = f" [{_short(store.region)}]" if store.region is not None else ""
        lines.append(f"  artifacts: {_short(store.type)} {_short(store.location)}, {key_text}{region}")
    facts = analysis.actions(p)
    for index, stage in enumerate(p.stages):
        lines.append(f"  {index + 1}. {style.bold(str(_short(stage.name)))}{_stage_policies(stage)}")
        if stage.opaque is not None:
            lines.append(f"       (contents unknown: {stage.opaque.reason})")
        stage_facts = [f for f in facts if f.stage_index == index]
        for order, group in itertools.groupby(sorted(stage_facts, key=_order_key), key=lambda f: f.action.run_order):
            group = list(group)
            parallel = "  (in parallel)" if len(group) > 1 else ""
            lines.append(f"     run order {_short(order)}{parallel}")
            for f in group:
                lines.extend(_action_text(ws, f, style))
    return lines


def _order_key(f: ActionFacts) -> tuple[int, int]:
    order = f.action.run_order
    return (0, order) if isinstance(order, int) else (1, 0)


def _stage_policies(stage: Stage) -> str:
    parts = []
    if stage.before_entry is not None:
        parts.append("beforeEntry: " + _conditions(stage.before_entry.conditions))
    if stage.on_success is not None:
        parts.append("onSuccess: " + _conditions(stage.on_success.conditions))
    if stage.on_failure is not None:
        failure = f"onFailure: {_short(stage.on_failure.result)}"
        if stage.on_failure.retry_mode is not None:
            failure += f" ({_short(stage.on_failure.retry_mode)})"
        parts.append(failure)
    return ("   [" + "; ".join(parts) + "]") if parts else ""


def _conditions(conditions: tuple[StageCondition, ...]) -> str:
    return ", ".join(
        f"{_short(c.result)} if {' and '.join(_short(r.provider) for r in c.rules) or 'no rules'}" for c in conditions
    )


def _action_text(ws: Workspace, f: ActionFacts, style: Style) -> list[str]:
    a = f.action
    kind = f"{_short(a.category)}/{_short(a.provider)}"
    lines = [f"       - {style.bold(str(_short(a.name)))}  {kind}"]
    pad = "           "
    if isinstance(a.name, Unknown) and isinstance(a.category, Unknown):
        lines.append(pad + f"(contents unknown: {a.name.reason})")
        return lines
    if f.gate is not None:
        told = f"notifies {_short(f.notified)}" if f.notified and f.gate.approves else f.approval_detail
        lines.append(pad + f"{'manual approval' if f.is_approval else 'approval gate'}, {told}")
        return lines
    if f.verdict.role.value == "unknown":
        lines.append(pad + f"may deploy: {f.verdict.reason}; account {_short(f.account)}")
        return lines
    if f.verdict.role.value == "self-update":
        lines.append(pad + f"self-update: {f.verdict.reason}")
        return lines
    if f.verdict.role.value == "prepare":
        lines.append(pad + f"prepares a deploy: {f.verdict.reason}; account {_short(f.account)}")
        return lines
    if not f.is_deploy:
        if a.role_arn is not None:
            lines.append(pad + f"runs in account {_short(f.account)}")
        return lines
    env = f.environment
    tier = style.tier(env.tier.value) if env.tier is not Tier.UNKNOWN else "unknown environment"
    confidence = "" if f.verdict.confidence.value == "high" else f" ({f.verdict.confidence.value} confidence: {f.verdict.reason})"
    lines.append(pad + f"deploys to {tier} · account {_short(f.account)} · region {_short(f.region)}{confidence}")
    lines.append(pad + f"why {env.tier.value}: {env.explain()}")
    if f.link.note:
        lines.append(pad + f"target: {f.link.note}")
    for target in f.link.targets:
        if target.source.file:
            scenario = "" if target.scenario.is_unconditional else f" [{target.scenario.describe()}]"
            lines.append(pad + f"  {target.label}{scenario} at {_where(ws, target.source)}")
    if f.strategy is not None:
        lines.append(pad + f"strategy: {f.strategy.cls.value} ({f.strategy.detail})")
    if f.rollback is not None:
        rollback = f.rollback.detail + ("; the stage's onFailure ROLLBACK also covers it" if f.stage_rollback else "")
        lines.append(pad + f"rollback: {rollback}")
    return lines


def as_json(ws: Workspace, analysis: Analysis) -> dict[str, Any]:
    return {
        "tool": "pipelint",
        "version": __version__,
        "schema_version": JSON_SCHEMA_VERSION,
        "pipelines": [_pipeline_json(ws, analysis, p) for p in ws.pipelines],
        "targets": [_target_json(ws, t) for t in ws.targets],
        "problems": [problem_json(p) for p in ws.problems],
        "files": [{"file": f.file, "kind": f.kind, "pipelines": f.pipelines, "targets": f.targets, "note": f.note}
                  for f in ws.files],  # fmt: skip
    }


def _pipeline_json(ws: Workspace, analysis: Analysis, p: Pipeline) -> dict[str, Any]:
    facts = analysis.actions(p)
    return {
        "name": plain(p.name),
        "label": p.label,
        "location": place(ws.locate(p.source)),
        "format": p.format.value,
        "resource_id": p.resource_id,
        "scenario": None if p.scenario.is_unconditional else p.scenario.describe(),
        "pipeline_type": plain(p.pipeline_type),
        "execution_mode": plain(p.execution_mode),
        "role_arn": plain(p.role_arn),
        "account": plain(p.account),
        "region": plain(p.region),
        "artifact_stores": [
            {"region": plain(s.region), "type": plain(s.type), "location": plain(s.location),
             "encryption_key": None if s.encryption_key is None else {"id": plain(s.encryption_key.id), "type": plain(s.encryption_key.type)}}
            for s in p.artifact_stores
        ],  # fmt: skip
        "variables": [{"name": plain(v.name), "default": plain(v.default)} for v in p.variables],
        "triggers": [{"provider": plain(t.provider), "source_action": plain(t.source_action), "git": plain(t.git)} for t in p.triggers],
        "stages": [
            {
                "name": plain(stage.name),
                "location": place(ws.locate(stage.source)),
                "opaque": plain(stage.opaque),
                "on_failure": None if stage.on_failure is None else {"result": plain(stage.on_failure.result), "retry_mode": plain(stage.on_failure.retry_mode), "conditions": _conditions_json(stage.on_failure.conditions)},
                "on_success": None if stage.on_success is None else {"conditions": _conditions_json(stage.on_success.conditions)},
                "before_entry": None if stage.before_entry is None else {"conditions": _conditions_json(stage.before_entry.conditions)},
                "actions": [_action_json(ws, f) for f in facts if f.stage_index == index],
            }
            for index, stage in enumerate(p.stages)
        ],  # fmt: skip
    }


def _conditions_json(conditions: tuple[StageCondition, ...]) -> list[dict[str, Any]]:
    return [{"result": plain(c.result), "rules": [{"name": plain(r.name), "provider": plain(r.provider),
             "configuration": plain(r.configuration)} for r in c.rules]} for c in conditions]  # fmt: skip


def _action_json(ws: Workspace, f: ActionFacts) -> dict[str, Any]:
    a = f.action
    result: dict[str, Any] = {
        "name": plain(a.name),
        "location": place(ws.locate(a.source)),
        "category": plain(a.category),
        "owner": plain(a.type.owner),
        "provider": plain(a.provider),
        "version": plain(a.type.version),
        "run_order": plain(a.run_order),
        "configuration": plain(a.configuration),
        "input_artifacts": plain(a.input_artifacts),
        "output_artifacts": plain(a.output_artifacts),
        "role_arn": plain(a.role_arn),
        "namespace": plain(a.namespace),
        "account": plain(f.account),
        "region": plain(f.region),
        "role": f.verdict.role.value,
    }
    if f.verdict.role.value != "none":
        result["deploy"] = {
            "confidence": f.verdict.confidence.value,
            "reason": f.verdict.reason,
            "tier": f.environment.tier.value,
            "tier_confidence": f.environment.confidence.value,
            "evidence": [{"where": e.where, "value": e.value, "tier": e.tier.value} for e in f.environment.evidence],
            "signals_disagree": f.environment.conflict,
            "link": f.link.note,
            "targets": [_target_json(ws, t) for t in f.link.targets],
            "strategy": None if f.strategy is None else {"class": f.strategy.cls.value, "detail": f.strategy.detail},
            "rollback": None if f.rollback is None else {"on_failure": f.rollback.on_failure, "on_alarm": f.rollback.on_alarm,
                                                          "detail": f.rollback.detail, "stage_on_failure_rollback": f.stage_rollback},
        }  # fmt: skip
    return result


def _target_json(ws: Workspace, target: Any) -> dict[str, Any]:
    fields = {name: plain(getattr(target, name)) for name in target.__dataclass_fields__ if name not in ("source", "scenario", "kind")}
    fields["kind"] = target.kind.value
    fields["scenario"] = None if target.scenario.is_unconditional else target.scenario.describe()
    fields["location"] = place(ws.locate(target.source)) if target.source.file else None
    return fields

