"""A pipeline as a Mermaid flowchart: stages left to right, steps by run order, environments and approval gates.

Node ids are generated (`s2`, `s2n1`), never taken from the files, and every piece of text from a file goes
into a quoted label through `label()`, which writes Mermaid's entity codes for anything the parser or the
browser could read as syntax. A stage called `end` or `"] --> x` therefore stays a stage name, and control
characters and bidi overrides show as their escapes (`checker.views.visible`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from checker.engine.overview import PipelineOverview, StageView, Step, StepKind
from checker.views.visible import visible

TIERS = ("prod", "staging", "test", "dev", "unknown")
# Black text on pale fills reads in GitHub's light and dark themes alike.
CLASSES = {
    "prod": "fill:#ffcdd2,stroke:#c62828,color:#000",
    "staging": "fill:#ffe082,stroke:#ff8f00,color:#000",
    "test": "fill:#b2ebf2,stroke:#00838f,color:#000",
    "dev": "fill:#c8e6c9,stroke:#2e7d32,color:#000",
    "unknown": "fill:#e0e0e0,stroke:#616161,color:#000",
    "gate": "fill:#e1bee7,stroke:#6a1b9a,stroke-width:2px,color:#000",
}
LINE = 48  # characters per label line: long ARNs and reasons would stretch the whole diagram

# Entity codes (`#35;` becomes `&#35;` in Mermaid) for what could end a label, start an entity or a Markdown
# string, or be read as HTML. Checked in a browser with Mermaid 10, 11 and 12: `%` because Mermaid strips
# `%%{…}%%` wherever it stands (the diagram then fails to parse), `:` and `;` because it rewrites a line like
# `style:#f00;` before parsing (the label loses its last `;`).
_ESCAPES = {'"': "#quot;", "#": "#35;", "&": "#amp;", "<": "#lt;", ">": "#gt;", "`": "#96;", "%": "#37;",
            ":": "#58;", ";": "#59;"}  # fmt: skip
_SHAPES = {StepKind.SOURCE: ('(["', '"])'), StepKind.APPROVAL: ('{{"', '"}}'), StepKind.PREPARE: ('[/"', '"/]'),
           StepKind.SELF_UPDATE: ('[["', '"]]')}  # fmt: skip
_RECT = ('["', '"]')
# An ARN in a label shows its resource name: the topic an approval notifies, not 60 characters of prefix.
_ARN = re.compile(r"\barn:aws[\w-]*:[\w-]+:[\w-]*:\d*:(?:[\w-]+[/:])?([^\s;,]+)")


def flowchart(overview: PipelineOverview) -> str:
    """The Mermaid source (without the Markdown fence) of one pipeline."""
    lines: list[str] = ["flowchart LR"]
    classes: dict[str, list[str]] = {}  # class name → node ids
    for number, stage in enumerate(overview.stages, 1):
        lines += _stage(f"s{number}", stage, classes)
    lines += [f"  s{before + 1} --> s{number}" for number, before in _edges(overview.stages)]
    used = [name for name in CLASSES if name in classes]  # a fixed order, whatever order the stages give
    lines += [f"  classDef {name} {CLASSES[name]}" for name in used]
    lines += [f"  class {','.join(classes[name])} {name}" for name in used]
    return "\n".join(lines) + "\n"


def _edges(stages: tuple[StageView, ...]) -> list[tuple[int, int]]:
    """(stage number, index of a stage it waits for): the one before it, or the jobs a CI job needs."""
    edges = []
    for number, stage in enumerate(stages, 1):
        before = (number - 2,) if stage.after is None and number > 1 else stage.after or ()
        edges += [(number, index) for index in before]
    return edges


def label(text: str, limit: int = LINE) -> str:
    """One line of label text: whitespace runs (newlines too) as one space, cut at `limit`, escaped.

    Never empty: Mermaid refuses `[""]`.
    """
    flat = " ".join("".join(c if c.isprintable() else " " for c in visible(text)).split()) or "(no name)"
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return "".join(_ESCAPES.get(c, c) for c in flat)


def _stage(sid: str, stage: StageView, classes: dict[str, list[str]]) -> list[str]:
    lines = [f'  subgraph {sid}["{label(stage.name)}"]', "    direction LR"]
    groups = []
    if stage.gates:
        # a node of its own, not title lines: Mermaid does not make room for a title of several lines
        lines.append(f'    {sid}g>"{"<br/>".join("⛔ " + label(gate) for gate in stage.gates)}"]')
        classes.setdefault("gate", []).append(f"{sid}g")
        groups.append([f"{sid}g"])
    if not stage.steps:  # an empty subgraph is drawn as a bare node; say what it is
        lines.append(f'    {sid}e["no actions"]')
        classes.setdefault("unknown", []).append(f"{sid}e")
    ids = [f"{sid}n{n}" for n in range(1, len(stage.steps) + 1)]
    for nid, step in zip(ids, stage.steps):
        lines.append(f"    {_node(nid, step)}")
        kind = _class(step)
        if kind:
            classes.setdefault(kind, []).append(nid)
    groups += [[ids[i] for i in indexes] for _, indexes in stage.run_orders()]
    lines += [f"    {edge}" for edge in _order(sid, groups)]
    return lines + ["  end"]


def _node(nid: str, step: Step) -> str:
    opening, closing = _SHAPES.get(step.kind, _RECT)
    return f"{nid}{opening}{'<br/>'.join(_lines(step))}{closing}"


def _lines(step: Step) -> list[str]:
    """The label: name, what kind of step it is, and for deploys where they go and how."""
    provider = step.provider.rsplit("/", 1)[-1]
    detail = [label(_ARN.sub(r"\1", step.detail))] if step.detail else []
    if step.kind is StepKind.APPROVAL:
        return [f"✋ approval · {label(step.name)}"] + detail
    if step.kind in (StepKind.DEPLOY, StepKind.MAY_DEPLOY):
        verb = "deploy" if step.kind is StepKind.DEPLOY else "may deploy"
        where = label(f"{(step.tier or 'unknown').upper()} · account {step.account or 'unknown'}")
        region = [label("region unknown" if step.region == "unknown" else step.region)] if step.region else []
        return [label(step.name), label(f"{verb} · {provider}"), where, *region, *detail]
    # the detail of a change set or a self-update only restates its kind
    return [label(step.name), label(f"{step.kind.value} · {provider}")]


def _class(step: Step) -> str | None:
    if step.kind is StepKind.APPROVAL:
        return "gate"
    if step.kind in (StepKind.DEPLOY, StepKind.MAY_DEPLOY):
        return step.tier if step.tier in TIERS else "unknown"
    return None


def _order(sid: str, groups: Sequence[list[str]]) -> list[str]:
    """Edges from each run-order group to the next; steps of one group run in parallel, so they stack.

    Two groups of several steps meet at a small junction node, so that 5 × 5 parallel steps draw 10 edges,
    not 25 crossing ones.
    """
    edges = []
    for number, (before, after) in enumerate(zip(groups, groups[1:]), 1):
        if len(before) > 1 and len(after) > 1:
            junction = f"{sid}j{number}"
            edges += [f'{junction}(("then"))', f"{' & '.join(before)} --> {junction}",
                      f"{junction} --> {' & '.join(after)}"]  # fmt: skip
        else:
            edges.append(f"{' & '.join(before)} --> {' & '.join(after)}")
    return edges
