"""What a rule is: a small class with its code, name, severity, options and docs, checked when it is defined.

A rule looks at one pipeline (one scenario of it) through a `RuleContext` — the analysis answers which actions
deploy, where and how — and yields verdicts: failed (with the place and the evidence), passed (with the
evidence, for auditors), unknown (with the reason the files leave it open) or not applicable. The engine turns
the verdicts of all scenarios into one evaluation per rule × pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from checker.analysis.core import ActionFacts, Analysis
from checker.analysis.deploys import Role
from checker.analysis.environment import Tier
from checker.model import CloudFormationStack, Confidence, Outcome, Pipeline, Related, Severity, SourceRef

SECTIONS = ("## Why is this bad?", "## Example", "## Use instead")
CODE = re.compile(r"[A-Z]{2,6}\d{3}")
NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)+")
HELP_URI = "https://github.com/pipelint/pipelint/blob/main/docs/rules.md#{code}"


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    message: str
    ref: SourceRef | None = None
    related: tuple[Related, ...] = ()
    confidence: Confidence = Confidence.HIGH
    via: tuple[SourceRef, ...] = ()  # the jobs that run the reusable workflow `ref` is written in


class RuleDefinitionError(TypeError):
    """A rule class that lacks what every rule must have (raised when the class is defined)."""


class Rule:
    """Base class: subclasses set `code`, `name`, `severity`, optional `options`, and write `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    options: ClassVar[Mapping[str, object]] = {}  # per-rule settings a policy may change, with their defaults

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        problems = []
        if not isinstance(getattr(cls, "code", None), str) or not CODE.fullmatch(cls.code):
            problems.append("a `code` of letters and three digits, such as PL101")
        if not isinstance(getattr(cls, "name", None), str) or not NAME.fullmatch(cls.name):
            problems.append("a kebab-case `name` that names the problem")
        if not isinstance(getattr(cls, "severity", None), Severity):
            problems.append("a `severity` (a Severity)")
        doc = cls.__doc__ or ""
        missing = [s for s in SECTIONS if s not in doc]
        if not doc.strip() or missing:
            problems.append("a docstring that says what the rule finds, with the sections " + ", ".join(SECTIONS))
        if problems:
            raise RuleDefinitionError(f"rule class {cls.__name__} needs " + "; ".join(problems))

    @classmethod
    def summary(cls) -> str:
        return (cls.__doc__ or "").strip().splitlines()[0]

    @classmethod
    def docs(cls) -> str:
        """The docstring as Markdown, without the indentation."""
        lines = (cls.__doc__ or "").strip().splitlines()
        body = [line[4:] if line.startswith("    ") else line.strip() for line in lines[1:]]
        return "\n".join([lines[0], *body]).strip()

    @classmethod
    def section(cls, title: str) -> str:
        """One section of the docs ("Why is this bad?", "Use instead"), as Markdown without its heading."""
        match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", cls.docs(), re.M | re.S)
        return match.group(1).strip() if match else ""

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterable[Verdict]:
        raise NotImplementedError

    # Verdicts.
    def failed(self, at: object, message: str, *related: Related, confidence: Confidence | None = None) -> Verdict:
        if confidence is None:
            confidence = _confidence_of(at)
        stage = at.stage if isinstance(at, ActionFacts) else at
        return Verdict(Outcome.FAILED, message, ref_of(at), tuple(related), confidence, getattr(stage, "via", ()))

    @staticmethod
    def passed(evidence: str) -> Verdict:
        return Verdict(Outcome.PASSED, evidence)

    @staticmethod
    def unknown(reason: str, at: object = None) -> Verdict:
        return Verdict(Outcome.UNKNOWN, reason, ref_of(at) if at is not None else None)

    @staticmethod
    def not_applicable(reason: str) -> Verdict:
        return Verdict(Outcome.NOT_APPLICABLE, reason)


def related(at: object, message: str) -> Related:
    return Related(message, ref_of(at))


def ref_of(at: object) -> SourceRef:
    if isinstance(at, SourceRef):
        return at
    if isinstance(at, ActionFacts):
        return at.action.source
    source = getattr(at, "source", None)
    if isinstance(source, SourceRef):
        return source
    raise TypeError(f"no source for {type(at).__name__}")


def _confidence_of(at: object) -> Confidence:
    if not isinstance(at, ActionFacts):
        return Confidence.HIGH
    levels = (Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW)
    return max(at.verdict.confidence, at.environment.confidence, key=levels.index)


class RuleContext:
    """What a rule may ask: the analysis of the workspace and its own options (the policy's or the defaults)."""

    def __init__(self, analysis: Analysis, options: Mapping[str, object]) -> None:
        self.analysis = analysis
        self.options = options

    def option(self, name: str) -> Any:
        return self.options[name]

    def actions(self, pipeline: Pipeline) -> tuple[ActionFacts, ...]:
        return self.analysis.actions(pipeline)

    def deploys(self, pipeline: Pipeline, tier: Tier | None = None) -> list[ActionFacts]:
        found = self.analysis.deploys(pipeline)
        return found if tier is None else [f for f in found if f.environment.tier is tier]

    def nonprod_deploys(self, pipeline: Pipeline) -> list[ActionFacts]:
        return [f for f in self.analysis.deploys(pipeline) if f.environment.tier in NONPROD]

    def approvals(self, pipeline: Pipeline) -> list[ActionFacts]:
        """Approvals that make a person approve."""
        return self.analysis.approvals(pipeline)

    def maybe_approvals(self, pipeline: Pipeline) -> list[ActionFacts]:
        """Approval gates the files and the policy leave open (a CI environment whose reviewers are not declared)."""
        return self.analysis.maybe_approvals(pipeline)

    def prod_deploys(self, pipeline: Pipeline) -> list[ActionFacts]:
        return self.deploys(pipeline, Tier.PROD)

    def without_prod(self, pipeline: Pipeline) -> Verdict:
        """The verdict for a pipeline with no known prod deploy: not applicable, unless one may hide somewhere."""
        undecided = [f for f in self.analysis.actions(pipeline)
                     if f.is_deploy and f.environment.tier is Tier.UNKNOWN or f.verdict.role is Role.UNKNOWN]  # fmt: skip
        return _nothing_found(pipeline, undecided, "no deploy is known to go to production",
                              "the pipeline deploys to no production environment")  # fmt: skip

    def without_deploys(self, pipeline: Pipeline) -> Verdict:
        """The verdict for a pipeline with no known deploy: not applicable, unless an action or stage may deploy."""
        undecided = [f for f in self.analysis.actions(pipeline) if f.verdict.role is Role.UNKNOWN]
        return _nothing_found(pipeline, undecided, "no action is known to deploy", "the pipeline has no deploy action")

    def nonprod_before(self, deploy: ActionFacts) -> list[ActionFacts]:
        """Non-prod deploys that run strictly before a deploy."""
        return [f for f in self.nonprod_deploys(deploy.pipeline) if f.runs_before(deploy) is True]


NONPROD = (Tier.DEV, Tier.TEST, Tier.STAGING)


def _nothing_found(pipeline: Pipeline, undecided: list[ActionFacts], known: str, absent: str) -> Verdict:
    """Not applicable (`absent`), unless an undecided action or a stage not in the files may hold what is sought."""
    if undecided:
        first = undecided[0]
        why = first.environment.explain() if first.is_deploy else first.verdict.reason
        more = f" (and {len(undecided) - 1} more)" if len(undecided) > 1 else ""
        return Rule.unknown(f"{known}, but {first.label}{more} may: {why}", first)
    opaque = [stage for stage in pipeline.stages if stage.opaque is not None]
    if opaque:
        reason = opaque[0].opaque.reason if opaque[0].opaque is not None else ""
        return Rule.unknown(f"{known}, but a stage is not in the files: {reason}", opaque[0])
    return Rule.not_applicable(absent)


def target_related(facts: ActionFacts, detail: str) -> list[Related]:
    """The deploy targets behind a finding (the group without rollback), with the scenario they hold in."""
    found = []
    for target in facts.link.targets:
        if isinstance(target, CloudFormationStack):
            continue
        when = "" if target.scenario.is_unconditional else f" when {target.scenario.describe()}"
        found.append(Related(f"{target.kind.value} {target.logical_id}{when}: {detail}", target.source))
    return found
