"""An ExecutionTrace as a timeline a person reads: executions, then every action with its simulated times."""

from __future__ import annotations

from checker.executor.trace import ExecutionTrace, Status
from checker.views.visible import visible

_MARK = {Status.SUCCEEDED: "ok", Status.FAILED: "FAILED", Status.STOPPED: "stopped", Status.SKIPPED: "skipped",
         Status.NOT_RUN: "not run"}  # fmt: skip


def text(trace: ExecutionTrace) -> str:
    lines = [f"pipeline {visible(trace.pipeline)}: account {trace.pipeline_account}, region {trace.region}, "
             f"scenario {visible(trace.scenario)}; accounts touched: {', '.join(trace.accounts)}"]  # fmt: skip
    for number, execution in enumerate(trace.executions, 1):
        target = f", redeploys execution {execution.rollback_target[:8]}" if execution.rollback_target else ""
        lines += ["", f"execution {number}: {execution.id} ({execution.trigger}{target}) {execution.status.value}"
                      f"{' - ' + visible(execution.message) if execution.message else ''}"]  # fmt: skip
        if execution.source_revision:
            lines.append(f"  source commit {execution.source_revision[:12]}")
        for check in execution.conditions:
            engaged = f" -> {check.result}" if check.result else ""
            lines.append(f"  {check.time[11:16]}  {check.stage} {check.kind} {check.rule}: "
                         f"{'passed' if check.passed else 'failed'}{engaged} ({visible(check.detail)})")  # fmt: skip
        for run in execution.actions:
            where = f"{run.account} {run.tier}" if run.deploys else run.account
            attempt = f" (attempt {run.attempt})" if run.attempt > 1 else ""
            lines.append(f"  {run.start[11:16]}-{run.end[11:16]}  {run.key:<34} {run.provider:<16} "
                         f"{_MARK[run.status]:<7} {where}{attempt}")  # fmt: skip
            if run.message:
                lines.append(f"               {visible(run.message)}")
            for artifact in run.inputs:
                lines.append(f"               in  {artifact.name} {artifact.digest}")
            for artifact in run.outputs:
                lines.append(f"               out {artifact.name} {artifact.digest}")
            for step in run.steps:
                lines.append(f"               . {visible(step[11:16] + step[20:])}")
        for note in execution.notifications:
            lines.append(f"  {note.time[11:16]}  SNS {note.topic} <- {visible(note.subject)}")
        for rollback in execution.rollbacks:
            lines.append(f"  {rollback.time[11:16]}  ROLLBACK {rollback.kind} in {rollback.stage}: {visible(rollback.reason)}"
                         f" ({rollback.from_digest or '-'} -> {rollback.to_digest or '-'})")  # fmt: skip
    if trace.live:
        lines += ["", "live at the end:"]
        for live in trace.live:
            state = "" if live.healthy else " (UNHEALTHY)"
            lines.append(f"  {live.tier:<8} {live.target}: {live.digest or 'nothing'}{state}")
    lines += ["", "checks:"]
    for name, check in (("prod artifact = staging artifact", trace.prod_artifact_matches_staging()),
                        ("no prod action before approval", trace.no_prod_action_before_approval())):  # fmt: skip
        lines.append(f"  {'ok  ' if check else 'NO  '} {name}: {visible(check.detail)}")
    if len([e for e in trace.executions if e.trigger != "AutomatedRollback"]) > 1:
        check = trace.prod_runs_previous_version()
        lines.append(f"  {'ok  ' if check else 'NO  '} prod runs the previous version: {visible(check.detail)}")
    for note in trace.notes:
        lines.append(f"note: {visible(note)}")
    lines += ["", f"Result: {trace.status.value}."]
    return "\n".join(lines) + "\n"
