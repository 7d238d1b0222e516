"""A pipeline as an inline SVG: stages left to right, actions by run order, deploys coloured by environment.

The layout is computed here, in Python, so the picture needs no script and no layout engine: the same text
renders in the HTML report, a Jupyter notebook or a browser tab. The SVG carries its own styles (scoped to its
id) and a white background, so neither the page's CSS nor a dark theme changes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from checker.engine.overview import PipelineOverview, StageView, Step, StepKind
from checker.views.visible import visible

BOX_W, BOX_H = 178, 70  # one action
PAR_GAP = 10  # between actions that run in parallel
ROW_GAP = 22  # between run orders in a stage: room for the "then" arrow
LABEL_H = 20  # the "run order" caption above a row
PAD = 12  # inside a stage frame
STAGE_GAP = 34  # between stages: room for the arrow
MARGIN = 16
NAME_H, GATE_H = 30, 22  # the stage's name; each gate badge at the foot of its stage
TOP = 58  # the pipeline's caption

# fill, stroke (also the tier badge's background; white text on it keeps a contrast of at least 4.5:1)
TIERS = {"prod": ("#fdecea", "#b42318"), "staging": ("#fff4d6", "#8a5300"), "test": ("#e0f7fa", "#00707c"),
         "dev": ("#e6f4ea", "#1a7f37"), "unknown": ("#eef0f2", "#57606a")}  # fmt: skip
APPROVAL = ("#f3eefc", "#6639ba")
KIND_TEXT = {StepKind.SOURCE: "source", StepKind.BUILD: "build", StepKind.TEST: "test",
             StepKind.PREPARE: "change set", StepKind.SELF_UPDATE: "self-update", StepKind.OTHER: "action",
             StepKind.DEPLOY: "deploy", StepKind.MAY_DEPLOY: "may deploy"}  # fmt: skip

STYLE = """
#{id} text{{font-family:"Helvetica Neue",Helvetica,Arial,"Liberation Sans",sans-serif;fill:#1f2328;font-size:11px}}
#{id} .bg{{fill:#fff}}
#{id} .cap{{font-size:15px;font-weight:700}}
#{id} .sub,#{id} .dim{{fill:#57606a}}
#{id} .b{{font-weight:700}} #{id} .n{{font-size:12px;font-weight:700}}
#{id} .stage{{fill:#f6f8fa;stroke:#d0d7de}}
#{id} .sn{{font-size:13px;font-weight:700}}
#{id} .gate{{fill:#fff;stroke:#8c959f}} #{id} .gt{{font-size:10px}}
#{id} .box{{fill:#fff;stroke:#8c959f;stroke-width:1.2}}
#{id} .par{{fill:none;stroke:#6e7781;stroke-dasharray:4 3}}
#{id} .flow{{stroke:#57606a;stroke-width:1.6;fill:none}}
#{id} .pill{{fill:#fff;font-size:9.5px;font-weight:700;letter-spacing:.04em}}
#{id} .warn{{fill:#b42318;font-weight:700}}
#{id} .lg{{font-size:10.5px}}
"""


_IDENT = re.compile(r"[A-Za-z][\w-]*")


@dataclass(frozen=True, slots=True)
class _Row:
    order: int | None
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class _Frame:
    """What every stage shares: the diagram's id, where the stages start, and their common heights."""

    ident: str
    top: float
    body_h: float
    foot_h: float


@dataclass(frozen=True, slots=True)
class _Column:
    stage: StageView
    rows: tuple[_Row, ...]
    x: float
    width: float

    @property
    def labelled(self) -> bool:
        """Run-order captions only where there is an order to show: several rows, or parallel actions."""
        return len(self.rows) > 1 or any(len(r.steps) > 1 for r in self.rows)


def svg(overview: PipelineOverview, *, ident: str = "pld") -> str:
    """The pipeline as one `<svg>` element. `ident` prefixes every id: give each diagram on a page its own."""
    if not _IDENT.fullmatch(ident):  # it goes into CSS selectors and url(#...) references unescaped
        raise ValueError(f"diagram id {ident!r} must be a letter followed by letters, digits, '-' or '_'")
    columns = _columns(overview.stages)
    header = TOP + (16 if overview.scenario else 0)
    gates = max((len(c.stage.notes) for c in columns), default=0)
    foot_h = GATE_H * gates + (6 if gates else 0)  # at the foot, so that the actions line up across stages
    body_h = max((_body_height(c) for c in columns), default=BOX_H)
    width = natural_width(overview)
    legend_top = header + NAME_H + body_h + foot_h + PAD + 18
    legend, legend_h = _legend(width, legend_top)
    height = legend_top + legend_h + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{ident}" class="pipelint-diagram" role="img" '
        f'width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'aria-label="{_esc(_summary(overview))}">',
        f"<title>{_esc(_summary(overview))}</title>",
        f"<style>{STYLE.format(id=ident)}</style>",
        f'<defs><marker id="{ident}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#57606a"/></marker></defs>',
        f'<rect class="bg" width="{_n(width)}" height="{_n(height)}"/>',
        *_caption(overview, width),
    ]
    for index, column in enumerate(columns):
        parts += _stage(column, index, _Frame(ident, header, body_h, foot_h))
        if index and (column.stage.after is None or index - 1 in column.stage.after):  # else its foot says "after ..."
            y = header + NAME_H + PAD + LABEL_H + BOX_H / 2 - 8  # one height: inside captioned and plain boxes
            parts.append(f'<path class="flow" d="M{_n(columns[index - 1].x + columns[index - 1].width)},{_n(y)} '
                         f'H{_n(column.x - 2)}" marker-end="url(#{ident}-arrow)"/>')  # fmt: skip
    if not columns:
        parts.append(f'<text x="{MARGIN}" y="{header + 20}" class="dim">no stages</text>')
    parts += legend
    parts.append("</svg>")
    return "\n".join(parts)


def natural_width(overview: PipelineOverview) -> float:
    """The diagram's width in pixels, for a page that lets it shrink only so far before it scrolls."""
    columns = _columns(overview.stages)
    return max(columns[-1].x + columns[-1].width + MARGIN if columns else 0, 420)


def _columns(stages: tuple[StageView, ...]) -> list[_Column]:
    columns, x = [], float(MARGIN)
    for stage in stages:
        rows = tuple(_Row(order, tuple(stage.steps[i] for i in indexes))
                     for order, indexes in stage.run_orders())  # fmt: skip
        lanes = max((len(r.steps) for r in rows), default=1)
        width = lanes * BOX_W + (lanes - 1) * PAR_GAP + 2 * PAD + (8 if lanes > 1 else 0)
        columns.append(_Column(stage, rows, x, width))
        x += width + STAGE_GAP
    return columns


def _body_height(column: _Column) -> float:
    rows = len(column.rows) or 1
    return rows * BOX_H + (rows - 1) * ROW_GAP + (rows * LABEL_H if column.labelled else 0)


def _caption(overview: PipelineOverview, width: float) -> list[str]:
    facts = [overview.pipeline_type, overview.format]
    facts += [f"account {overview.account}"] if overview.account else []
    facts += [f"region {overview.region}"] if overview.region else []
    lines = [_text(MARGIN, 24, overview.pipeline, width - 2 * MARGIN, 15, "cap", bold=True),
             _text(MARGIN, 42, " · ".join(f for f in facts if f), width - 2 * MARGIN, 11, "sub")]  # fmt: skip
    if overview.scenario:
        lines.append(_text(MARGIN, 58, f"drawn for the scenario {overview.scenario}", width - 2 * MARGIN, 11, "sub"))
    return lines


def _stage(column: _Column, index: int, frame: _Frame) -> list[str]:
    stage, x, top = column.stage, column.x, frame.top
    where = f"\n{stage.location}" if stage.location else ""
    gates = "".join(f"\n{g}" for g in stage.notes)
    parts = [f'<g><title>{_esc(f"stage {index + 1}: {stage.name}{gates}{where}")}</title>',
             f'<rect class="stage" x="{_n(x)}" y="{_n(top)}" width="{_n(column.width)}" '
             f'height="{_n(NAME_H + frame.body_h + frame.foot_h + 2 * PAD)}" rx="8"/>',
             _text(x + PAD, top + 20, stage.name, column.width - 2 * PAD, 13, "sn", bold=True)]  # fmt: skip
    for number, gate in enumerate(stage.notes):
        gate_w = min(_width(gate, 10) + 14, column.width - 2 * PAD)
        y = top + NAME_H + PAD + frame.body_h + 6 + number * GATE_H
        parts += [f'<rect class="gate" x="{_n(x + PAD)}" y="{_n(y)}" width="{_n(gate_w)}" height="17" rx="8.5"/>',
                  _text(x + PAD + 7, y + 12, gate, gate_w - 14, 10, "gt")]  # fmt: skip
    parts.append("</g>")
    y = top + NAME_H + PAD
    for number, row in enumerate(column.rows):
        parts += _row(row, column, y, frame.ident if number < len(column.rows) - 1 else None)
        y += BOX_H + ROW_GAP + (LABEL_H if column.labelled else 0)
    if not column.rows:
        parts.append(_text(x + PAD, y + 20, "no actions", column.width - 2 * PAD, 11, "dim"))
    return parts


def _row(row: _Row, column: _Column, y: float, then: str | None) -> list[str]:
    """One run order; `then`: the diagram's id when another run order follows (an arrow points to it)."""
    parts = []
    x = column.x + PAD + (4 if len(row.steps) > 1 else 0)
    if column.labelled:
        order = "run order ?" if row.order is None else f"run order {row.order}"
        caption = f"{order} · {len(row.steps)} in parallel" if len(row.steps) > 1 else order
        parts.append(_text(column.x + PAD, y + 11, caption, column.width - 2 * PAD, 10, "dim"))
        y += LABEL_H
    if len(row.steps) > 1:  # a dashed bracket says "these run at the same time"
        span = len(row.steps) * BOX_W + (len(row.steps) - 1) * PAR_GAP + 8
        parts.append(f'<rect class="par" x="{_n(x - 4)}" y="{_n(y - 4)}" width="{_n(span)}" '
                     f'height="{BOX_H + 8}" rx="6"/>')  # fmt: skip
    for number, step in enumerate(row.steps):
        parts += _step(step, x + number * (BOX_W + PAR_GAP), y)
    if then:  # the next run order starts when this one has finished
        mid = column.x + column.width / 2
        parts.append(f'<path class="flow" d="M{_n(mid)},{_n(y + BOX_H + 3)} V{_n(y + BOX_H + ROW_GAP - 3)}" '
                     f'marker-end="url(#{then}-arrow)"/>')
    return parts


def _step(step: Step, x: float, y: float) -> list[str]:
    tip = _esc(_tooltip(step))
    inner = BOX_W - 20
    if step.kind is StepKind.APPROVAL:
        return _approval(step, x, y, tip, inner)
    lines = [_text(x + 10, y + 17, step.name, inner, 12, "n", bold=True)]
    if step.tier is None:
        shape = f'<rect class="box" x="{_n(x)}" y="{_n(y)}" width="{BOX_W}" height="{BOX_H}" rx="5"/>'
        lines.append(_text(x + 10, y + 33, f"{KIND_TEXT[step.kind]} · {_provider(step)}", inner, 11, "dim"))
        detail_y = y + 49
    else:
        fill, stroke = TIERS.get(step.tier, TIERS["unknown"])
        dash = ' stroke-dasharray="5 3"' if step.kind is StepKind.MAY_DEPLOY else ""
        shape = (f'<rect x="{_n(x)}" y="{_n(y)}" width="{BOX_W}" height="{BOX_H}" rx="5" fill="{fill}" '
                 f'stroke="{stroke}" stroke-width="2"{dash}/>')  # fmt: skip
        lines += _tier_line(step, x + 10, y + 33, inner, stroke)
        lines.append(_text(x + 10, y + 48, _where(step), inner, 11, ""))
        detail_y = y + 62
    if step.detail:
        lines.append(_text(x + 10, detail_y, step.detail, inner, 10.5, "dim"))
    return [f"<g><title>{tip}</title>", shape, *lines, "</g>"]


def _tier_line(step: Step, x: float, y: float, width: float, colour: str) -> list[str]:
    """A badge with the environment (white on the tier's colour: readable without telling colours apart)."""
    may = step.kind is StepKind.MAY_DEPLOY
    tier = (step.tier or "unknown").upper() + ("?" if may else "")
    pill_w = _width(tier, 9.5, bold=True) * 1.08 + 10
    what = f"may deploy · {_provider(step)}" if may else _provider(step)
    return [f'<rect x="{_n(x)}" y="{_n(y - 10)}" width="{_n(pill_w)}" height="13" rx="3" fill="{colour}"/>',
            _text(x + 5, y, tier, pill_w, 9.5, "pill"),
            _text(x + pill_w + 5, y, what, width - pill_w - 5, 11, "dim")]  # fmt: skip


def _where(step: Step) -> str:
    account = None if step.account in (None, "unknown") else step.account
    region = None if step.region in (None, "unknown") else step.region
    if account is None and region is None:
        return "account and region unknown"
    return f"{account or 'account ?'} · {region or 'region ?'}"  # "unknown" would not fit beside an account id


def _approval(step: Step, x: float, y: float, tip: str, inner: float) -> list[str]:
    fill, stroke = APPROVAL
    points = [(x + 12, y), (x + BOX_W - 12, y), (x + BOX_W, y + BOX_H / 2), (x + BOX_W - 12, y + BOX_H),
              (x + 12, y + BOX_H), (x, y + BOX_H / 2)]  # fmt: skip
    shape = (f'<polygon points="{" ".join(f"{_n(px)},{_n(py)}" for px, py in points)}" fill="{fill}" '
             f'stroke="{stroke}" stroke-width="2"/>')  # fmt: skip
    # "notifies nobody", "reviewers unknown (set in the repository)", "gates nothing (...)": a warning
    warn = step.detail in ("", "notifies nobody") or not step.detail.startswith("notifies")
    told = step.detail or "notifies nobody"
    told = told.partition(" (")[0] if warn else _short_topic(told)  # the tooltip keeps the reason in brackets
    title = "ENVIRONMENT GATE" if step.provider.endswith("Environment") else "MANUAL APPROVAL"
    return [f"<g><title>{tip}</title>", shape,
            _text(x + 16, y + 19, title, inner - 8, 9.5, "b", fill=stroke),
            _text(x + 16, y + 36, step.name, inner - 8, 12, "n", bold=True),
            _text(x + 16, y + 53, told, inner - 8, 11, "warn" if warn else "dim"),
            "</g>"]  # fmt: skip


def _short_topic(detail: str) -> str:
    """"notifies arn:aws:sns:us-east-1:123:topic" → "notifies topic": the tooltip keeps the ARN."""
    verb, _, target = detail.partition(" ")
    if target.startswith("arn:") and target.count(":") >= 5:
        return f"{verb} {target.rsplit(':', 1)[1]}"
    return detail


def _provider(step: Step) -> str:
    return step.provider.partition("/")[2] or step.provider


def _tooltip(step: Step) -> str:
    lines = [step.name, f"{KIND_TEXT.get(step.kind, 'manual approval')}: {step.provider}"]
    lines += [f"run order {step.run_order}"] if step.run_order is not None else ["run order not known"]
    if step.tier is not None:
        lines.append(f"environment {step.tier}")
    lines += [f"account {step.account}"] if step.account else []
    lines += [f"region {step.region}"] if step.region else []
    lines += [step.detail] if step.detail else []
    lines += [str(step.location)] if step.location else []
    return "\n".join(lines)


def _legend(width: float, top: float) -> tuple[list[str], float]:
    """The key, wrapped to the diagram's width."""
    items = [(f"{tier} deploy", TIERS[tier], "") for tier in TIERS]
    items += [("may deploy", TIERS["unknown"], "5 3"), ("manual approval", APPROVAL, "hex"),
              ("other action", ("#fff", "#8c959f"), ""), ("run in parallel", ("none", "#6e7781"), "4 3")]  # fmt: skip
    parts, x, y = [], float(MARGIN), top
    for label, (fill, stroke), style in items:
        item_w = 28 + _width(label, 10.5) + 16
        if x + item_w > width - MARGIN and x > MARGIN:
            x, y = float(MARGIN), y + 20
        parts.append(_swatch(x, y, fill, stroke, style))
        parts.append(_text(x + 28, y + 10, label, item_w, 10.5, "lg"))
        x += item_w
    return parts, y - top + 14


def _swatch(x: float, y: float, fill: str, stroke: str, style: str) -> str:
    if style == "hex":
        points = f"{_n(x + 4)},{_n(y)} {_n(x + 18)},{_n(y)} {_n(x + 22)},{_n(y + 6)} {_n(x + 18)},{_n(y + 12)} " \
                 f"{_n(x + 4)},{_n(y + 12)} {_n(x)},{_n(y + 6)}"  # fmt: skip
        return f'<polygon points="{points}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
    dash = f' stroke-dasharray="{style}"' if style else ""
    return (f'<rect x="{_n(x)}" y="{_n(y)}" width="22" height="12" rx="3" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="1.5"{dash}/>')  # fmt: skip


def _summary(overview: PipelineOverview) -> str:
    """What a screen reader says: the stages in order, and what each deploys and gates."""
    stages = []
    for stage in overview.stages:
        notes = [f"{s.tier} deploy" for s in stage.steps if s.tier is not None]
        notes += ["manual approval" for s in stage.steps if s.kind is StepKind.APPROVAL]
        stages.append(stage.name + (f" ({', '.join(notes)})" if notes else ""))
    return f"Pipeline {overview.pipeline}: " + (" → ".join(stages) or "no stages")


def _text(x: float, y: float, text: str, width: float, size: float, cls: str, *, bold: bool = False,
          fill: str | None = None) -> str:  # fmt: skip
    shown = _fit(visible(text), width, size, bold=bold)  # measured as shown: an escape takes room
    attrs = f' class="{cls}"' if cls else ""
    attrs += f' fill="{fill}"' if fill else ""
    return f'<text x="{_n(x)}" y="{_n(y)}"{attrs}>{_esc(shown)}</text>'


def _fit(text: str, width: float, size: float, *, bold: bool = False) -> str:
    """The text, cut with an ellipsis where it would overflow `width` (the full text is in a tooltip).

    One pass, adding up advance widths: a name of 10,000 characters must not cost 10,000 measurements of it.
    """
    if _width(text, size, bold=bold) <= width:
        return text
    ellipsis, em, end = _em("…", bold), 0.0, 0
    for end, char in enumerate(text):
        em += _em(char, bold)
        if (em + ellipsis) * size * (1.08 if bold else 1.0) > width:
            break
    return text[:end].rstrip() + "…"


# Approximate advance widths (in em) of Helvetica/Arial: no font metrics at hand, and a box must not overflow.
_NARROW, _WIDE = set("iljtfrI.,:;'|!() []"), set("mwMW@%")


def _width(text: str, size: float, *, bold: bool = False) -> float:
    em = 0.0
    for char in text:
        em += _em(char, bold)
    return em * size * (1.08 if bold else 1.0)


def _em(char: str, bold: bool) -> float:
    if char in _NARROW:
        return 0.3
    if char in _WIDE:
        return 0.86
    if char.isupper() or (char.isdigit() and bold):
        return 0.68
    return 0.56 if char.isdigit() else 0.54


def _n(value: float) -> str:
    """Coordinates without float noise: deterministic output for snapshot tests."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _esc(text: str) -> str:
    """Text and attribute values alike; `visible` keeps what XML cannot carry (a NUL, say) out of the SVG."""
    return escape(visible(text), quote=True)
