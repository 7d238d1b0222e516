"""Each pipeline as the reports draw it: stages, steps, environments, accounts and approval gates.

The analysis decides every fact here; the overview only keeps what a diagram or an auditor needs, as plain
text, so that reporters (Mermaid, SVG, HTML) stay pure functions of the Report.
"""

from __future__ import annotations

from enum import Enum

from checker.analysis.core import ActionFacts, Analysis
from checker.analysis.order import direct_needs
from checker.analysis.deploys import Role
from checker.model import Category, Location, Pipeline, SourceFormat, SourceRef, Stage, Unknown, Workspace
from checker.model.values import as_text
from checker.model.record import record


class StepKind(Enum):
    SOURCE = "source"
    BUILD = "build"
    TEST = "test"
    APPROVAL = "approval"
    DEPLOY = "deploy"
    PREPARE = "prepare"  # creates a change set
    MAY_DEPLOY = "may-deploy"  # the files do not say whether it deploys
    SELF_UPDATE = "self-update"
    OTHER = "other"  # invoke, compute, or unknown


@record(kw_only=True)
class Step:
    """One action."""

    name: str
    kind: StepKind
    provider: str  # "Deploy/CodeDeploy"
    run_order: int | None
    tier: str | None  # deploys and may-deploys: "prod", "staging", "test", "dev" or "unknown"
    account: str | None  # where it runs, when its role or the pipeline says; "unknown" when a value is unknown
    region: str | None
    detail: str  # one line for people: strategy and rollback of a deploy, the topic an approval notifies
    location: Location | None


@record(kw_only=True)
class StageView:
    name: str
    steps: tuple[Step, ...]
    gates: tuple[str, ...] = ()  # "beforeEntry", "onFailure ROLLBACK" and such: what guards the stage
    location: Location | None = None
    # The stages (by index) it waits for, in a CI workflow whose jobs wait for the jobs they need; None: the
    # stage before it, as in CodePipeline.
    after: tuple[int, ...] | None = None
    # In words, when it does not wait for every stage before it: "after integration-tests", "starts at once".
    waits: str | None = None

    @property
    def notes(self) -> tuple[str, ...]:
        """What to print at the stage's foot: when it starts, then what guards it."""
        return ((self.waits,) if self.waits else ()) + self.gates

    def run_orders(self) -> list[tuple[int | None, tuple[int, ...]]]:
        """The indexes of the steps by run order, in order; an unknown run order (a parameter) runs last."""
        orders = sorted({s.run_order for s in self.steps}, key=lambda o: (o is None, o or 0))
        return [(order, tuple(i for i, s in enumerate(self.steps) if s.run_order == order)) for order in orders]


@record(kw_only=True)
class PipelineOverview:
    pipeline: str  # the title, as evaluations name it
    ref: SourceRef
    location: Location | None
    format: str
    pipeline_type: str
    account: str | None
    region: str | None
    scenario: str | None  # which scenario is drawn, when conditions give several
    stages: tuple[StageView, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.ref.file, self.ref.pointer())

    @property
    def is_ci(self) -> bool:
        """A CI workflow (GitHub Actions, GitLab CI): no pipeline type, account or region of its own."""
        return SourceFormat(self.format).is_ci


def overview(workspace: Workspace, analysis: Analysis, group: list[Pipeline]) -> PipelineOverview:
    pipeline = group[0]  # the first scenario; the others differ only where a condition decides
    by_stage: dict[int, list[ActionFacts]] = {}
    for f in analysis.actions(pipeline):
        by_stage.setdefault(f.stage_index, []).append(f)
    before = analysis.order(pipeline)[0]
    needs = direct_needs(pipeline) if before is not None else []
    stages = tuple(
        StageView(name=_text(stage.name), location=workspace.locate(stage.source), gates=_gates(pipeline.stages[index]),
                  steps=tuple(_step(workspace, f) for f in by_stage.get(index, ())),
                  after=_after(before, needs, index), waits=_waits(pipeline, before, needs, index))
        for index, stage in enumerate(pipeline.stages)
    )  # fmt: skip
    return PipelineOverview(
        pipeline=pipeline.title, ref=pipeline.source, location=workspace.locate(pipeline.source),
        format=pipeline.format.value, pipeline_type=_text(pipeline.pipeline_type), account=_maybe(pipeline.account),
        region=_maybe(pipeline.region), stages=stages,
        scenario=None if len(group) == 1 or pipeline.scenario.is_unconditional else pipeline.scenario.describe(),
    )  # fmt: skip


_KINDS = {Category.SOURCE: StepKind.SOURCE, Category.BUILD: StepKind.BUILD, Category.TEST: StepKind.TEST,
          Category.APPROVAL: StepKind.APPROVAL}  # fmt: skip
_ROLES = {Role.DEPLOY: StepKind.DEPLOY, Role.PREPARE: StepKind.PREPARE, Role.UNKNOWN: StepKind.MAY_DEPLOY,
          Role.SELF_UPDATE: StepKind.SELF_UPDATE}  # fmt: skip


def _step(workspace: Workspace, f: ActionFacts) -> Step:
    action = f.action
    kind = _ROLES.get(f.verdict.role) or _KINDS.get(action.category, StepKind.OTHER)  # type: ignore[arg-type]
    deploys = kind in (StepKind.DEPLOY, StepKind.MAY_DEPLOY)
    order = action.run_order
    return Step(
        name=_text(action.name), kind=kind, provider=f"{_text(action.category)}/{_text(action.provider)}",
        run_order=order if isinstance(order, int) else None, tier=f.environment.tier.value if deploys else None,
        account=_maybe(f.account) if deploys or action.role_arn is not None else None,
        region=_maybe(f.region) if deploys else None, detail=_detail(f, kind),
        location=workspace.locate(action.source),
    )  # fmt: skip


def _detail(f: ActionFacts, kind: StepKind) -> str:
    if kind is StepKind.APPROVAL:
        return f.approval_detail
    if kind is StepKind.DEPLOY:
        strategy = f.strategy.cls.value if f.strategy is not None else "unknown"
        rolls_back = f.stage_rollback or (f.rollback.on_failure if f.rollback is not None else None)
        rollback = {True: "rolls back on failure", False: "no rollback", None: "rollback unknown"}[rolls_back]
        return f"{strategy}; {rollback}"
    if kind in (StepKind.MAY_DEPLOY, StepKind.PREPARE, StepKind.SELF_UPDATE):
        return f.verdict.reason
    return ""


def _after(before: list[frozenset[int]] | None, needs: list[set[int]], index: int) -> tuple[int, ...] | None:
    """The stages it waits for directly, without those it waits for through another (a CI job's `needs`)."""
    if before is None:
        return None
    through = frozenset().union(*(before[k] for k in needs[index]))  # what the stages it needs wait for
    return tuple(sorted(needs[index] - through))


def _waits(pipeline: Pipeline, before: list[frozenset[int]] | None, needs: list[set[int]], index: int) -> str | None:
    if before is None or before[index] == frozenset(range(index)):  # it waits for all before it, as in CodePipeline
        return None
    names = ", ".join(_text(pipeline.stages[i].name) for i in _after(before, needs, index) or ())
    return f"after {names}" if names else "starts at once (needs nothing)"


def _gates(stage: Stage) -> tuple[str, ...]:
    gates = []
    if stage.before_entry is not None:
        gates.append("beforeEntry conditions")
    if stage.on_failure is not None:
        gates.append(f"onFailure {_text(stage.on_failure.result)}")
    if stage.on_success is not None:
        gates.append("onSuccess conditions")
    return tuple(gates)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Unknown):
        return value.text or "unknown"
    return str(value.value) if isinstance(value, Enum) else str(value)


def _maybe(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Unknown):
        return "unknown"
    return as_text(value) or str(value)
