"""The SVG pipeline diagram (checker/views/diagram.py): layout, colours, gates, truncation, standing alone, and
names with control characters. The HTML report that embeds it is tested in test_html.py."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from checker.engine.overview import PipelineOverview, StageView, Step, StepKind
from checker.model import SourceRef
from checker.views import diagram
from tests.test_html import CONTROLS, HIDDEN, SHOWN



def overview(*stages: StageView, name: str = "payments") -> PipelineOverview:
    return PipelineOverview(pipeline=name, ref=SourceRef("p.json", ("pipeline",)), location=None,
                            format="codepipeline-json", pipeline_type="V2", account="999999999999",
                            region="eu-west-1", scenario=None, stages=stages)  # fmt: skip


def step(name: str, kind: StepKind, order: int | None = 1, *, tier: str | None = None, detail: str = "") -> Step:
    deploys = tier is not None
    return Step(name=name, kind=kind, provider=f"{kind.value.title()}/Provider", run_order=order, tier=tier,
                account="333333333333" if deploys else None, region="eu-west-1" if deploys else None,
                detail=detail, location=None)  # fmt: skip


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter("{http://www.w3.org/2000/svg}text")]


def boxes(root: ET.Element, stroke: str) -> list[ET.Element]:
    """The actions drawn with this outline (the legend's swatches are smaller)."""
    return [e for e in root.iter("{http://www.w3.org/2000/svg}rect")
            if e.get("stroke") == stroke and e.get("width") == str(diagram.BOX_W)]  # fmt: skip


def test_parallel_actions_stand_side_by_side_and_later_run_orders_below() -> None:
    stage = StageView(name="Deploy", steps=(
        step("EuWest", StepKind.DEPLOY, 1, tier="prod"), step("UsEast", StepKind.DEPLOY, 1, tier="prod"),
        step("Smoke", StepKind.TEST, 2)))  # fmt: skip
    root = ET.fromstring(diagram.svg(overview(stage)))
    first, second = boxes(root, diagram.TIERS["prod"][1])
    assert first.get("y") == second.get("y") and float(first.get("x")) < float(second.get("x"))
    assert "run order 1 · 2 in parallel" in texts(root)
    assert any(e.get("class") == "par" for e in root.iter("{http://www.w3.org/2000/svg}rect"))
    smoke = next(e for e in root.iter("{http://www.w3.org/2000/svg}text") if e.text == "Smoke")
    assert float(smoke.get("y")) > float(first.get("y")) + diagram.BOX_H


def test_deploys_are_coloured_and_labelled_by_tier_and_approvals_say_whom_they_notify() -> None:
    stages = (StageView(name="Staging", steps=(step("ToStaging", StepKind.DEPLOY, tier="staging"),)),
              StageView(name="Gate", steps=(step("Approve", StepKind.APPROVAL, detail="notifies nobody"),),
                        gates=("onFailure ROLLBACK",)),
              StageView(name="Prod", steps=(step("ToProd", StepKind.DEPLOY, tier="prod", detail="canary"),)))  # fmt: skip
    root = ET.fromstring(diagram.svg(overview(*stages)))
    words = texts(root)
    assert boxes(root, diagram.TIERS["staging"][1]) and boxes(root, diagram.TIERS["prod"][1])
    assert {"STAGING", "PROD", "MANUAL APPROVAL", "notifies nobody", "onFailure ROLLBACK"} <= set(words)
    assert "333333333333 · eu-west-1" in words
    assert len(list(root.iter("{http://www.w3.org/2000/svg}polygon"))) >= 2  # the approval, and its legend swatch
    assert {"prod deploy", "staging deploy", "manual approval", "run in parallel"} <= set(words)  # the legend
    arrows = [e for e in root.iter("{http://www.w3.org/2000/svg}path") if e.get("class") == "flow"]
    assert len(arrows) == 2  # one between each two stages


def test_a_ci_environment_gate_says_what_is_known_of_its_reviewers() -> None:
    gate = Step(name="production", kind=StepKind.APPROVAL, provider="Approval/GitHubEnvironment", run_order=1,
                tier=None, account=None, region=None, detail="reviewers unknown (set in the repository)",
                location=None)  # fmt: skip
    root = ET.fromstring(diagram.svg(overview(StageView(name="deploy", steps=(gate,)))))
    words = texts(root)
    assert "ENVIRONMENT GATE" in words and "MANUAL APPROVAL" not in words
    warned = [e for e in root.iter("{http://www.w3.org/2000/svg}text") if e.get("class") == "warn"]
    assert [e.text for e in warned] == ["reviewers unknown"]
    assert "notifies nobody" not in words
    assert any("reviewers unknown (set in the repository)" in (e.text or "")
               for e in root.iter("{http://www.w3.org/2000/svg}title"))  # fmt: skip


def test_a_stage_that_does_not_wait_for_the_one_before_gets_no_arrow_from_it() -> None:
    # a CI workflow: Deploy needs Build only, not the manual Approve drawn between them
    stages = (StageView(name="Build", steps=(step("Make", StepKind.BUILD),)),
              StageView(name="Approve", steps=(step("Ok", StepKind.APPROVAL, detail="notifies nobody"),), after=(0,)),
              StageView(name="Deploy", steps=(step("Ship", StepKind.DEPLOY, tier="prod"),), after=(0,),
                        waits="after Build"))  # fmt: skip
    root = ET.fromstring(diagram.svg(overview(*stages)))
    arrows = [e.get("d") for e in root.iter("{http://www.w3.org/2000/svg}path") if e.get("class") == "flow"]
    assert len(arrows) == 1  # Build -> Approve; nothing from Approve into Deploy
    assert "after Build" in texts(root)
    waits = (*stages[:2], StageView(name="Deploy", steps=stages[2].steps, after=(1,)))  # now it waits for Approve
    root = ET.fromstring(diagram.svg(overview(*waits)))
    assert len([e for e in root.iter("{http://www.w3.org/2000/svg}path") if e.get("class") == "flow"]) == 2


def test_long_names_are_cut_with_an_ellipsis_and_kept_whole_in_a_tooltip() -> None:
    name = "DeployTheWholeApplicationToProductionInEveryRegion"
    root = ET.fromstring(diagram.svg(overview(StageView(name="Prod", steps=(step(name, StepKind.BUILD),)))))
    shown = next(t for t in texts(root) if t.startswith("DeployThe"))
    assert shown.endswith("…") and len(shown) < len(name)
    titles = [e.text or "" for e in root.iter("{http://www.w3.org/2000/svg}title")]
    assert any(t.startswith(name + "\n") for t in titles)


def test_the_diagram_stands_alone_and_is_deterministic() -> None:
    drawn = overview(StageView(name="Only", steps=(step("Build", StepKind.BUILD),)))
    text = diagram.svg(drawn, ident="nb1")
    assert text == diagram.svg(drawn, ident="nb1")
    root = ET.fromstring(text)
    style = root.find("{http://www.w3.org/2000/svg}style")
    assert style is not None and "#nb1 text" in (style.text or "")  # its own styles, scoped to itself
    assert root.get("id") == "nb1" and 'id="nb1-arrow"' in text  # ids derive from the one given
    assert root.find("{http://www.w3.org/2000/svg}rect").get("class") == "bg"  # its own background
    with pytest.raises(ValueError):
        diagram.svg(drawn, ident='x"><script>')
    empty = ET.fromstring(diagram.svg(overview()))
    assert "no stages" in texts(empty)


# ---- escaping ---------------------------------------------------------------------------------------------------


def test_a_diagram_of_names_with_control_characters_is_well_formed_xml() -> None:
    odd = CONTROLS + "\ud800\ufffe"  # a lone surrogate (JSON allows "\ud800") and a non-character
    prod = (step(f"Ok{odd}", StepKind.APPROVAL, detail=f"notifies {odd}"),
            step(f"Ship{odd}", StepKind.DEPLOY, 2, tier="prod", detail=odd))
    stages = (StageView(name=f"Build{odd}", steps=(step(f"Make{odd}", StepKind.BUILD, detail=odd),),
                        gates=(f"onFailure {odd}",)),
              StageView(name=f"Prod{odd}", steps=prod))  # fmt: skip
    text = diagram.svg(overview(*stages, name=f"pipe{odd}"))
    root = ET.fromstring(text.encode("utf-8"))  # encodes: no lone surrogate left; parses: nothing XML refuses
    assert not HIDDEN.search(text)
    titles = [e.text or "" for e in root.iter("{http://www.w3.org/2000/svg}title")]
    assert any(t.startswith(f"Pipeline pipe{SHOWN}\\ud800\\ufffe") for t in titles)
    assert any(t.startswith("Make" + SHOWN[:8]) for t in texts(root))  # cut to fit its box, as shown
