"""The Markdown report and its Mermaid diagrams: exact content for the samples, text from the files that cannot
break a table or a diagram, and a size that GitHub accepts."""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
from dataclasses import replace

import pytest

from checker.engine.run import lint
from checker.load import load_workspace
from checker.loaders.base import LoadOptions
from checker.model import SourceRef
from checker.policy.load import load_policy
from checker.policy.model import Exemption
from checker.views import markdown
from checker.views.formats import render as render_format
from checker.views.mermaid import flowchart
from tests.conftest import ROOT, SAMPLES

HOSTILE = 'x" | <script>alert(1)</script> `tick` #1 $a$\n| --- |\n*b* [l](javascript:alert(1)) %%{init}%% end'


def lint_in_root(*paths: str, **options):
    """File names stay relative, as for a user in the project folder."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return lint(load_workspace(list(paths), LoadOptions()), today=datetime.date(2026, 1, 1), **options)
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def report():
    return lint_in_root("sample_pipelines")


@pytest.fixture(scope="module")
def full(report):
    return markdown.render(report, limit=None)


# --- helpers that read the Markdown back as GitHub would


def cells(line: str) -> list[str]:
    """A table row split at its unescaped pipes, as GFM does."""
    parts, current, escaped = [], "", False
    for char in line.strip()[1:-1] if line.strip().endswith("|") else line.strip()[1:]:
        if char == "|" and not escaped:
            parts.append(current.strip())
            current = ""
        else:
            current += char
        escaped = char == "\\" and not escaped
    return parts + [current.strip()]


def table(md: str, heading: str) -> list[list[str]]:
    """The rows (header first, the delimiter row left out) of the first table after `heading`."""
    lines = md[md.index(heading):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(cells(line))
    return [rows[0]] + rows[2:]


def section(md: str, heading: str) -> str:
    """From `heading` to the next heading of the same level."""
    level = heading.split(" ")[0]
    rest = md[md.index(heading) + len(heading):]
    end = re.search(rf"^{level} ", rest, re.M)
    return rest[: end.start()] if end else rest


def matrix_row(md: str, pipeline: str, file: str) -> dict[str, str]:
    header, *rows = table(md, "## Control matrix")
    codes = [re.match(r"\[(PL\d+)\]", h).group(1) for h in header[1:]]
    (row,) = [r for r in rows if r[0].startswith(pipeline) and file.replace("_", "\\_") in r[0]]
    return dict(zip(codes, row[1:]))


def mermaid_blocks(md: str) -> list[str]:
    return re.findall(r"^```mermaid\n(.*?)^```$", md, re.S | re.M)


def assert_well_formed(md: str) -> None:
    assert md.count("<details>") == md.count("</details>")
    assert len(re.findall(r"^```", md, re.M)) % 2 == 0
    lines = md.splitlines()
    for before, header, divider in zip([""] + lines, lines, lines[1:] + [""]):
        if header.startswith("|") and not before.startswith("|"):  # GitHub renders no table whose divider
            assert len(cells(divider)) == len(cells(header)), (header, divider)  # has another cell count


def assert_mermaid_structure(diagram: str, *, stages: int) -> None:
    lines = diagram.splitlines()
    assert lines[0] == "flowchart LR"
    depth = 0
    for line in lines:  # balanced, never nested deeper than one stage
        depth += line.strip().startswith("subgraph ") - (line.strip() == "end")
        assert 0 <= depth <= 1, line
    assert depth == 0
    assert [int(n) for n in re.findall(r"^  subgraph s(\d+)\[", diagram, re.M)] == list(range(1, stages + 1))
    ids = re.findall(r"^\s+(s\d+(?:[nejg]\d*)?)(?:\[|\(|\{|>)", diagram, re.M)
    assert len(ids) == len(set(ids)), "node ids must be unique"
    assert all(re.fullmatch(r"s\d+([nj]\d+|e|g)?", i) for i in ids), "ids are generated, never file text"
    in_order = [(f"s{n}", f"s{n + 1}") for n in range(1, stages)]
    assert re.findall(r"^  (s\d+) --> (s\d+)$", diagram, re.M) == in_order


def copy_sample_02(folder, **names: str):
    """Sample 02's get-pipeline output with its pipeline, stage and action names changed."""
    doc = json.loads((SAMPLES / "02-prod-without-approval" / "codepipeline.json").read_text(encoding="utf-8"))
    doc["pipeline"]["name"] = names.get("pipeline", doc["pipeline"]["name"])
    for number, stage in enumerate(doc["pipeline"]["stages"]):
        stage["name"] = f"{stage['name']}{number}{names.get('stage', '')}"
        for action in stage["actions"]:
            action["name"] += names.get("action", "")
    (folder / names.get("file", "codepipeline.json")).write_text(json.dumps(doc), encoding="utf-8")


# --- the samples


def test_summary_states_the_policy_the_counts_and_the_result(full):
    head = full[: full.index("## Control matrix")]
    assert head == (
        "# pipelint report\n\n"
        "**❌ Fail**: 14 finding(s) at or above **high**.\n\n"
        "- **Policy**: default, failing on high and above\n"
        f"- **Pipelines**: {6 * 2 + 4 + 4} checked against 19 rules\n"
        f"- **Findings**: {14 + 7} (🟠 {3 + 2 + 6 + 2 + 1} high · ⚪ {3 + 4} info)\n"
        "- **Suppressed**: 0\n"
        "- **Evaluations**: ✅ 296 passed · ❌ 21 failed · ❔ 6 unknown · ➖ 57 not applicable\n\n"
    )
    # the README's table: high are PL101 in 02 (3 formats), PL201 in 03 (2), PL301 and PL401 in 04 (3), PL101
    # and PL104 in hotfix.yml and PL101 in the GitLab manual gate: 3 + 2 + 6 + 2 + 1; info is PL501 in 05 (3
    # formats) and in the 4 CI workflows; unknown are PL401 and PL402 in 05 (3 formats). The evaluations add
    # up to 20 pipelines x 19 rules
    assert 296 + 21 + 6 + 57 == 20 * 19


def test_matrix_has_a_row_per_pipeline_and_a_linked_column_per_rule(report, full):
    header, *rows = table(full, "## Control matrix")
    assert len(rows) == len(report.overviews) == 6 * 2 + 4 + 4 and all(len(r) == 20 for r in rows)
    assert header[1] == ('[PL101](https://github.com/pipelint/pipelint/blob/main/docs/rules.md#pl101 '
                         '"prod-deploy-without-approval")')  # fmt: skip
    assert [h[1:6] for h in header[1:]] == [r.code for r in report.rules]
    assert "✅ passed · ❌ failed · ❔ unknown · ➖ not applicable · 🛡️ exempted · 💥 error" in full


def test_matrix_row_of_webapp_no_approval_fails_pl101_only(full):
    row = matrix_row(full, "webapp-no-approval", "02-prod-without-approval/cloudformation.yaml")
    assert row["PL101"] == "❌"
    assert row["PL102"] == row["PL103"] == "➖"  # no approval to check
    assert [code for code, symbol in row.items() if symbol == "❌"] == ["PL101"]
    compliant = matrix_row(full, "webapp-compliant", "01-compliant-three-accounts/codepipeline.json")
    assert set(compliant.values()) == {"✅", "➖"}


def test_the_finding_gives_its_location_message_and_the_rules_remediation(report, full):
    findings = section(full, "## Findings")
    block = findings[findings.index("File `sample_pipelines/02-prod-without-approval/cloudformation.yaml`"):]
    block = block[: block.index("### ")]
    assert "- 🟠 **high** · [PL101](https://github.com/pipelint/pipelint/blob/main/docs/rules.md#pl101) " \
           "prod-deploy-without-approval · `cloudformation.yaml:157:15`<br>\n" in block
    assert "action 'Deploy' in stage 'DeployProd' deploys to production" in block
    remediation = report.rule("PL101").remediation.strip()
    assert f"<details><summary>How to fix PL101 prod-deploy-without-approval</summary>\n\n{remediation}" in block
    # once per rule and pipeline: the three formats of sample 02, hotfix.yml and the GitLab manual gate
    assert findings.count("How to fix PL101 ") == 3 + 2


def test_unknown_evaluations_appear_with_their_reasons(full):
    unknown = section(full, "## Unknown")
    expected = ("- **PL401** all-at-once-prod-deploy, **PL402** rolling-prod-deploy: the deployment strategy of "
                "action 'Deploy' in stage 'DeployProd' is unknown: CREATE\\_UPDATE: stack webapp-prod from "
                "webapp-stack.yaml, which is not in the scanned files")  # fmt: skip
    assert unknown.count(expected) == 3  # 05 as JSON, template and Terraform
    for file in ("cloudformation.yaml", "codepipeline.json", "terraform/main.tf"):
        assert f"**webapp-v2-rollback** · `sample_pipelines/05-v2-rollback-and-conditions/{file}`" in unknown


def test_framework_controls_are_marked_as_suggested_with_the_failing_pipelines(full):
    frameworks = section(full, "## Framework controls")
    assert "Suggested mappings" in frameworks and frameworks.count("· suggested mapping</summary>") == 6
    header, *rows = table(frameworks, "Deployment Pipeline Reference Architecture")
    assert header == ["Control", "Rules", "✅", "❌", "❔", "➖", "Failing pipelines"]
    (approval,) = [r for r in rows if r[0].startswith("**prod/manual-approval**")]
    failing = "webapp-no-approval ×3, orders-api hotfix, manual-gate-does-not-block.gitlab-ci.yml"
    # passed: 01 ×3, 03 ×2, 04 ×3, 05 ×3, 06 ×2 and the 2 release workflows of 07
    assert approval[1:] == ["PL101 PL102 PL103", str(3 + 2 + 3 + 3 + 2 + 2), "5", "", "", failing]


def test_the_verdict_names_no_exit_code(full):
    assert "exit code" not in full  # --exit-zero and --write-baseline exit 0 whatever the verdict says


def test_checking_nothing_is_not_a_pass(tmp_path):
    empty = markdown.render(lint(load_workspace([str(tmp_path)], LoadOptions())), limit=None)
    assert "**⚪ Nothing checked**: no pipeline was found in the inputs." in empty and "Pass" not in empty
    assert "- **Pipelines**: 0 found, 19 rules enabled" in empty
    assert "## Control matrix" not in empty and "## Framework controls" not in empty
    assert_well_formed(empty)
    policy = load_policy(None).with_selection(ignore=("PL",))
    ignored = lint_in_root("sample_pipelines/02-prod-without-approval", policy=policy)
    ignored = markdown.render(ignored, limit=None)
    assert "**⚪ Nothing checked**: every rule is disabled by the policy, --select or --ignore." in ignored
    assert "## Control matrix" not in ignored and "## Framework controls" not in ignored
    assert "Pass" not in ignored and "| Pipeline |" not in ignored
    assert_well_formed(ignored)
    (tmp_path / "broken.json").write_text('{"pipeline": ', encoding="utf-8")
    broken = markdown.render(lint(load_workspace([str(tmp_path)], LoadOptions())), limit=None)
    assert "**💥 Error**: a file could not be loaded" in broken  # a load error is still an error


def test_a_framework_whose_rules_all_are_disabled_still_has_a_valid_table(report):
    policy = load_policy(None).with_selection(select=("PL101",))  # no Well-Architected control maps PL101
    md = markdown.render(lint_in_root("sample_pipelines", policy=policy), limit=None)
    header, *rows = table(md, "AWS Well-Architected Framework")
    assert header == ["Control", "Rules", "Failing pipelines"] and {len(r) for r in rows} == {3}
    assert_well_formed(md)


def test_no_framework_section_without_frameworks(report):
    assert "## Framework controls" not in markdown.render(replace(report, frameworks=()), limit=None)


def test_each_pipeline_has_a_collapsed_diagram_and_its_evidence(report, full):
    pipelines = section(full, "## Pipelines")
    assert pipelines.count("<details><summary><b>") == len(report.overviews) == 6 * 2 + 4 + 4
    assert mermaid_blocks(pipelines) == [flowchart(o) for o in report.overviews]
    first = pipelines[: pipelines.index("</details>")]
    assert "<b>webapp-compliant</b> · sample_pipelines/01-compliant-three-accounts/cloudformation.yaml · " \
           "6 stage(s) · ✅ 17 · ➖ 2</summary>" in first
    assert "- ✅ **PL101** prod-deploy-without-approval: action 'ManualApproval' in stage 'ApproveProd' runs " \
           "before action 'Deploy' in stage 'DeployProd'" in first
    assert_well_formed(full)


def test_suppressed_findings_are_listed_apart_with_their_reason(report):
    exemption = Exemption(rule="PL101", pipeline="webapp-no-approval", reason="migrating to a gated pipeline",
                          owner="team-web", expires=datetime.date(2999, 1, 1), ref=SourceRef("policy.yaml"))  # fmt: skip
    policy = replace(load_policy(None), exemptions=(exemption,))
    md = markdown.render(lint_in_root("sample_pipelines/02-prod-without-approval", policy=policy), limit=None)
    assert "## Findings" not in md and "**✅ Pass**" in md
    assert matrix_row(md, "webapp-no-approval", "cloudformation.yaml")["PL101"] == "🛡️"
    suppressed = section(md, "## Suppressed")
    assert suppressed.count("- 🛡️ **PL101** prod-deploy-without-approval") == 3  # JSON, CFN, Terraform
    assert "exemption by team-web until 2999-01-01: migrating to a gated pipeline" in suppressed


def test_an_expired_exemption_is_a_finding_of_its_own_about_the_policy():
    exemption = Exemption(rule="PL101", pipeline="webapp-*", reason="old", owner="team-web",
                          expires=datetime.date(2020, 1, 1), ref=SourceRef("policy.yaml"))  # fmt: skip
    policy = replace(load_policy(None), exemptions=(exemption,))
    md = markdown.render(lint_in_root("sample_pipelines/02-prod-without-approval", policy=policy), limit=None)
    other = section(md, "### Other findings")
    assert "- 🟡 **medium** · PL002 exemption-expired · `policy.yaml`<br>" in other
    assert section(md, "## Findings").count("How to fix PL101 ") == 3  # the exempted findings are back


def test_load_problems_are_listed_and_make_the_result_an_error(tmp_path):
    (tmp_path / "broken.json").write_text('{"pipeline": {"name": ', encoding="utf-8")
    shutil.copy(SAMPLES / "02-prod-without-approval" / "codepipeline.json", tmp_path / "good.json")
    md = markdown.render(lint(load_workspace([str(tmp_path)], LoadOptions())), limit=None)
    assert "**💥 Error**: a file could not be loaded" in md
    problems = section(md, "## Load problems")
    assert re.search(r"^- ⛔ \*\*error\*\* PL000 `[^`]*broken\.json[^`]*`: ", problems, re.M)
    assert "webapp-no-approval" in section(md, "## Findings")  # the broken file hides nothing else


def test_the_format_registry_renders_markdown(report):
    assert render_format(report, "markdown") == markdown.render(report)


# --- text from the files cannot break the report


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    doc = json.loads((SAMPLES / "01-compliant-three-accounts" / "codepipeline.json").read_text(encoding="utf-8"))
    doc["pipeline"]["name"] = HOSTILE
    for stage in doc["pipeline"]["stages"]:
        stage["name"] += " " + HOSTILE
        for action in stage["actions"]:
            action["name"] += "`|\n<b>"
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "evil.json").write_text(json.dumps(doc), encoding="utf-8")
    report = lint(load_workspace([str(folder)], LoadOptions()))
    assert report.overviews[0].pipeline == HOSTILE  # the loader kept the name as it is
    return report, markdown.render(report, limit=None)


def test_a_hostile_name_stays_inside_its_table_cell(hostile):
    report, md = hostile
    header, *rows = table(md, "## Control matrix")
    assert [len(r) for r in rows] == [len(header)] == [20]
    assert rows[0][0].startswith('x" \\| \\<script\\>alert(1)\\</script\\> \\`tick\\` \\#1 \\$a\\$ \\| --- \\|')
    assert "<script>" not in md
    markdown_only = re.sub(r"<summary>.*?</summary>", "", md)  # raw HTML, where GitHub reads no links
    assert not re.search(r"(?<!\\)\]\(javascript:", markdown_only)  # the brackets are escaped: no link
    assert f"<b>{'x&quot; | &lt;script&gt;'}" in md  # the <summary> is HTML: escaped as HTML
    assert_well_formed(md)


def test_a_hostile_name_stays_a_label_in_the_diagram(hostile):
    report, md = hostile
    (diagram,) = mermaid_blocks(md)
    assert_mermaid_structure(diagram, stages=6)
    for forbidden in ("<script", "`", '"x"', "%%{", "\n| ---"):
        assert forbidden not in diagram
    assert '#lt;script#gt;alert(1)#lt;/script#gt; #96;tick#96; #35;1' in diagram
    assert 'subgraph s1["Source x#quot; | #lt;script' in diagram


CONTROLS = "\x00nul\x1b[31mesc\x85c1\u202erlo\u2066lri"
HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_control_characters_and_bidi_overrides_show_as_escapes(tmp_path):
    copy_sample_02(tmp_path, pipeline=f"pipe{CONTROLS}", stage=CONTROLS, action=CONTROLS, file="c\x1bp.json")
    report = lint(load_workspace([str(tmp_path)], LoadOptions()))
    assert any("\u202e" in f.message for f in report.findings)  # the names reached the messages
    md = markdown.render(report, limit=None)
    assert not HIDDEN.search(md)
    shown = r"\\x00nul\\x1b\[31mesc\\x85c1\\u202erlo\\u2066lri"  # Markdown text: each backslash escaped
    assert table(md, "## Control matrix")[1][0].startswith(f"pipe{shown}<br>")
    assert f"### pipe{shown}" in md and r"\\u202erlo" in section(md, "## Findings")
    assert r"c\x1bp.json` ·" in md  # a file name in a code span: as it is
    assert "\\x00nul\\x1b[31mesc\\x85c1\\u202erlo\\u2066lri" in "".join(mermaid_blocks(md))
    assert_well_formed(md)


def test_one_very_long_name_leaves_room_for_the_diagrams_and_frameworks(tmp_path):
    copy_sample_02(tmp_path, pipeline="P" * 10_000, stage="S" * 10_000, action="A" * 10_000,
                   file="F" * 200 + ".json")  # fmt: skip
    md = markdown.render(lint(load_workspace([str(tmp_path)], LoadOptions())))
    assert "✂️" not in md  # nothing left out: the names were shortened instead
    assert len(mermaid_blocks(md)) == 1 and "## Framework controls" in md and "**Evidence**" in md
    assert "P" * 101 not in md and "S" * 101 not in md and "A" * 101 not in md and "F" * 101 not in md
    name = table(md, "## Control matrix")[1][0].split("<br>")[0]
    assert name == "P" * 99 + "…"
    assert f"### {name}" in md and f"<b>{name}</b>" in md
    assert re.search(r"`[^`\n]{33}…" + "F" * 61 + r"\.json`", md)  # a file name keeps its end
    assert_well_formed(md)


def test_rendering_is_deterministic_and_holds_no_absolute_path(report):
    once = markdown.render(report)
    assert once == markdown.render(report)
    assert str(ROOT) not in once and "/tmp" not in once


def test_the_samples_fit_a_comment_by_leaving_out_the_evidence(report, full):
    # the CodePipeline scenarios 01-06 (16 pipelines) come to about 91,000 characters with their evidence and
    # 54,000 without it; a comment takes 65,536
    scenarios = sorted(str(folder.relative_to(ROOT)) for folder in SAMPLES.glob("0[1-6]-*"))
    codepipeline = lint_in_root(*scenarios)
    assert len(codepipeline.overviews) == 6 * 2 + 4
    assert len(markdown.render(codepipeline, limit=None)) > markdown.DEFAULT_LIMIT
    shortened = markdown.render(codepipeline)
    assert len(shortened) <= markdown.DEFAULT_LIMIT < markdown.COMMENT_LIMIT
    note = "> ✂️ Shortened to stay under 60,000 characters, leaving out the evidence of passed rules. "
    assert note in shortened and "**Evidence**" not in shortened and len(mermaid_blocks(shortened)) == 16
    assert_well_formed(shortened)
    # all 20 samples: about 113,000 characters, still 66,000 without the evidence, so the diagrams go as well;
    # every section stays whole
    assert len(full) > markdown.DEFAULT_LIMIT
    shortened = markdown.render(report)
    assert len(shortened) <= markdown.DEFAULT_LIMIT
    note = ("> ✂️ Shortened to stay under 60,000 characters, leaving out the evidence of passed rules, "
            "the diagrams. ")  # fmt: skip
    assert note in shortened and "**Evidence**" not in shortened
    assert mermaid_blocks(shortened) == [] and "## Pipelines" not in shortened
    assert len(table(shortened, "## Control matrix")) == 20 + 1
    for whole in ("## Findings", "## Unknown", "## Framework controls"):
        assert section(shortened, whole).strip() == section(full, whole).strip(), whole
    assert_well_formed(shortened)


@pytest.mark.corpus
def test_the_corpus_report_stays_usable_and_in_bounds(corpus):
    report = lint(load_workspace([str(corpus)], LoadOptions()))
    assert len(report.overviews) >= 15
    full = markdown.render(report, limit=None)
    # about 5,500 characters a pipeline here (findings, diagram, evidence); 8,000 a pipeline keeps an estate
    # of 100 pipelines under 800,000 characters, inside a job summary (1 MiB)
    assert len(full) <= 8_000 * len(report.overviews)
    assert len(mermaid_blocks(full)) == len(report.overviews)
    shortened = markdown.render(report)
    assert len(shortened) <= markdown.DEFAULT_LIMIT
    assert len(table(shortened, "## Control matrix")) == len(report.overviews) + 1  # the matrix stays whole
    assert "## Findings" in shortened and "## Load problems" in shortened
    assert "  *when* CrossAccountCondition=false<br>" in section(full, "## Findings")  # the failing scenario
    assert_well_formed(full)
    assert_well_formed(shortened)


def test_an_estate_of_a_hundred_pipelines_is_cut_at_whole_sections(tmp_path):
    for team in range(6):  # the 20 samples, six times over
        shutil.copytree(SAMPLES, tmp_path / f"team{team}", ignore=shutil.ignore_patterns("*.md"))
    report = lint(load_workspace([str(tmp_path)], LoadOptions()))
    assert len(report.overviews) == 6 * 20
    assert len(markdown.render(report, limit=None)) <= markdown.JOB_SUMMARY_LIMIT
    shortened = markdown.render(report)
    assert len(shortened) <= markdown.DEFAULT_LIMIT
    assert len(table(shortened, "## Control matrix")) == 6 * 20 + 1
    note = next(line for line in shortened.splitlines() if line.startswith("> ✂️"))
    assert "the diagrams, the rest of Findings, Unknown, Framework controls." in note
    assert shortened.rstrip().endswith("</details>")  # the last block kept is whole
    assert_well_formed(shortened)
