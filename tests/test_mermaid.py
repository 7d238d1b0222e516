"""The Mermaid diagram of each pipeline (checker/views/mermaid.py): escaping, structure, gates, parallel steps,
tier colours. The Markdown report that embeds it is tested in test_markdown.py."""

from __future__ import annotations

import re

import pytest

from checker.engine.overview import PipelineOverview, StageView, Step, StepKind
from checker.model import SourceRef
from checker.views.mermaid import CLASSES, flowchart, label
from tests.test_markdown import assert_mermaid_structure, lint_in_root


@pytest.fixture(scope="module")
def report():
    return lint_in_root("sample_pipelines")


def test_label_escapes_everything_mermaid_or_the_browser_would_read():
    escaped = "a #quot;b#quot; #35;c #lt;d#gt; #96;e#96; f #amp; g#59; h#58; 50#37;"
    assert label('a "b" #c <d> `e`\nf & g; h: 50%') == escaped
    assert label("") == label(" \n ") == "(no name)"  # Mermaid refuses an empty label
    assert label("x" * 100, 10) == "x" * 9 + "…"
    assert label("a\x00b\u202ec\x1b") == "a\\x00b\\u202ec\\x1b"  # control characters show as escapes


# --- diagram structure


def test_sample_01_diagram(report):
    diagram = flowchart(report.overviews[0])
    assert_mermaid_structure(diagram, stages=6)
    titles = re.findall(r'^  subgraph s\d+\["([^"]*)"\]', diagram, re.M)
    assert titles == ["Source", "Build", "DeployDev", "DeployStaging", "ApproveProd", "DeployProd"]
    assert '    s5n1{{"✋ approval · ManualApproval<br/>notifies webapp-prod-approvals"}}' in diagram
    assert ('    s6n1["Deploy<br/>deploy · CodeDeployToECS<br/>PROD · account 333333333333<br/>us-east-1<br/>'
            'canary#59; rolls back on failure"]') in diagram  # fmt: skip
    assert "    s4n1 --> s4n2" in diagram  # IntegrationTests at RunOrder 2 after the staging deploy
    assert re.findall(r"^  class (\S+) (\w+)$", diagram, re.M) == [
        ("s6n1", "prod"), ("s4n1", "staging"), ("s3n1", "dev"), ("s5n1", "gate")]
    assert f"  classDef prod {CLASSES['prod']}" in diagram and "#c62828" in CLASSES["prod"]


def overview_of(report, pipeline: str, format: str) -> PipelineOverview:
    (found,) = [o for o in report.overviews if (o.pipeline, o.format) == (pipeline, format)]
    return found


@pytest.mark.parametrize("format", ["cloudformation", "codepipeline-json", "terraform"])
def test_sample_02_diagram_has_no_approval_gate(report, format):
    diagram = flowchart(overview_of(report, "webapp-no-approval", format))
    assert_mermaid_structure(diagram, stages=5)
    assert "{{" not in diagram and "approval" not in diagram and "gate" not in diagram
    assert re.findall(r"^  class (\S+) (\w+)$", diagram, re.M) == [("s5n1", "prod"), ("s4n1", "staging"),
                                                                    ("s3n1", "dev")]  # fmt: skip


def test_a_stage_guarded_by_conditions_starts_with_a_gate_node(report):
    diagram = flowchart(overview_of(report, "webapp-v2-rollback", "cloudformation"))
    assert_mermaid_structure(diagram, stages=6)
    assert ('    s6g>"⛔ beforeEntry conditions<br/>⛔ onFailure ROLLBACK<br/>⛔ onSuccess conditions"]\n'
            in diagram)  # fmt: skip
    assert "    s6g --> s6n1" in diagram and "  class s5n1,s6g gate" in diagram


def test_a_ci_job_is_drawn_after_the_jobs_it_waits_for(report):
    # the manual `approve` job lets deploy-production start (allow_failure): it waits for the tests only
    diagram = flowchart(overview_of(report, "manual-gate-does-not-block.gitlab-ci.yml", "gitlab-ci"))
    titles = re.findall(r'^  subgraph s\d+\["([^"]*)"\]', diagram, re.M)
    assert titles == ["build", "deploy-staging", "integration-tests", "approve", "deploy-production"]
    assert re.findall(r"^  (s\d+) --> (s\d+)$", diagram, re.M) == [
        ("s1", "s2"), ("s2", "s3"), ("s3", "s4"), ("s3", "s5")]  # no s4 --> s5
    # the edges say what it waits for; no gate node pretends that waiting guards it
    assert "s5g" not in diagram and "after integration-tests" not in diagram
    # where each job needs the one before, the edges are the stage order, and no stage says "after"
    release = flowchart(overview_of(report, "release.gitlab-ci.yml", "gitlab-ci"))
    assert re.findall(r"^  (s\d+) --> (s\d+)$", release, re.M) == [(f"s{n}", f"s{n + 1}") for n in range(1, 5)]
    assert "after " not in release


def test_a_chat_notification_job_is_not_drawn_as_a_deploy(report):
    diagram = flowchart(overview_of(report, "release.gitlab-ci.yml", "gitlab-ci"))
    assert '  subgraph s4["notify-release-managers"]' in diagram
    assert re.search(r'^    s4n1\["curl [^"]*<br/>build · CIJob"\]$', diagram, re.M)
    assert "classDef unknown" not in diagram  # no step of unknown tier is left
    assert '    s2n1{{"✋ approval · environment staging<br/>reviewers unknown (set in the repository)"}}' in diagram


def _step(name: str, order: int | None, kind: StepKind = StepKind.DEPLOY, tier: str | None = "prod") -> Step:
    return Step(name=name, kind=kind, provider="Deploy/CodeDeploy", run_order=order, tier=tier, account="1",
                region="eu-west-1", detail="", location=None)


def test_parallel_steps_stack_and_groups_of_several_meet_at_a_junction():
    steps = (_step("a", 1), _step("b", 1), _step("c", 2), _step("d", 2), _step("e", 3), _step("f", None))
    overview = PipelineOverview(pipeline="p", ref=SourceRef("p.json"), location=None, format="codepipeline-json",
                                pipeline_type="V1", account=None, region=None, scenario=None,
                                stages=(StageView(name="Wave", steps=steps), StageView(name="Empty", steps=())))  # fmt: skip
    diagram = flowchart(overview)
    assert_mermaid_structure(diagram, stages=2)
    assert re.findall(r"^    (s1.*-->.*)$", diagram, re.M) == [
        "s1n1 & s1n2 --> s1j1", "s1j1 --> s1n3 & s1n4", "s1n3 & s1n4 --> s1n5", "s1n5 --> s1n6"]
    assert '    s2e["no actions"]' in diagram  # an empty stage still draws as a stage


def test_every_tier_has_its_colour():
    tiers = ("prod", "staging", "test", "dev", "unknown", "qa")
    overview = PipelineOverview(pipeline="p", ref=SourceRef("p.json"), location=None, format="codepipeline-json",
                                pipeline_type="V1", account=None, region=None, scenario=None,
                                stages=tuple(StageView(name=t, steps=(_step(t, 1, tier=t),)) for t in tiers))  # fmt: skip
    classes = dict((c, i) for i, c in re.findall(r"^  class (\S+) (\w+)$", flowchart(overview), re.M))
    assert classes == {"prod": "s1n1", "staging": "s2n1", "test": "s3n1", "dev": "s4n1", "unknown": "s5n1,s6n1"}
    assert [CLASSES[t].split(",")[1] for t in tiers[:5]] == [
        "stroke:#c62828", "stroke:#ff8f00", "stroke:#00838f", "stroke:#2e7d32", "stroke:#616161"]


# --- size
