"""The HTML compliance report and its SVG diagrams: self-contained, escaped, complete, and drawn by a real browser.

The browser tests run headless Chromium from the command line (no driver): `--dump-dom` gives the parsed page,
`--screenshot` the picture, and `--enable-logging=stderr` every console message. The report logs nothing, so any
console line is a failure; a page that errors on purpose proves the check sees errors.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from checker.engine.report import Report
from checker.engine.run import lint
from checker.load import load_workspace
from checker.model import SourceRef
from checker.policy.load import load_policy
from checker.policy.model import Exemption
from checker.views import html
from checker.views.formats import render
from tests.conftest import ROOT, SAMPLES

SCREENSHOTS = ROOT / "build" / "screenshots"
SVG = re.compile(r"<svg\b.*?</svg>", re.S)
# 01-06 as get-pipeline JSON and template, 01, 02, 04 and 05 also as Terraform, and 4 CI workflows
PIPELINES = 6 * 2 + 4 + 4


@pytest.fixture(scope="module")
def samples() -> Report:
    cwd = os.getcwd()
    os.chdir(ROOT)  # relative file names, as a user in the project folder gives them
    try:
        return lint(load_workspace(["sample_pipelines"]))
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def page(samples: Report) -> str:
    return render(samples, "html")


def section(page: str, ident: str) -> str:
    start = page.index(f'<section id="{ident}">')
    return page[start : page.index("</section>\n", start)]


# ---- self-contained -------------------------------------------------------------------------------------------


def external_references(text: str) -> list[str]:
    """Everything that would make a browser fetch: src, <link>, @import, url() other than a fragment, and links
    that leave the page except plain <a href> to web documentation."""
    found = re.findall(r"\bsrc\s*=|<link\b|@import|<iframe|<object|<embed|url\(\s*['\"]?(?!#)", text, re.I)
    for tag, target in re.findall(r"<(\w+)[^>]*?\shref=\"([^\"]*)\"", text):
        if not (target.startswith("#") or (tag == "a" and target.startswith(("https://", "http://")))):
            found.append(f"<{tag} href={target}>")
    return found


def test_the_report_references_nothing_outside_itself(page: str) -> None:
    assert external_references(page) == []
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    links = re.findall(r'<a href="(https?://[^"]+)"', page)
    assert any(link.endswith("#pl101") for link in links)  # rule docs stay reachable


def test_the_reference_check_finds_what_it_looks_for() -> None:
    bad = ('<img src="x.png"><link rel="stylesheet" href="a.css"><style>@import "b.css";'
           "p{background:url(https://e.com/c.png)}</style><a href=\"file:///etc/passwd\">x</a>")  # fmt: skip
    assert len(external_references(bad)) == 6  # the <link> twice: as a tag, and for its href
    assert external_references('<path marker-end="url(#d0-arrow)"/><a href="#p1">x</a>') == []


class _Nesting(HTMLParser):
    """Elements that are opened and not closed, or closed out of order."""

    VOID = {"meta", "br", "col", "img", "link", "input", "hr", "path", "rect", "polygon"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.wrong: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and (not self.open or self.open.pop() != tag):
            self.wrong.append(f"</{tag}> at {self.getpos()}")


def nesting_errors(text: str) -> list[str]:
    parser = _Nesting()
    parser.feed(text)
    return parser.wrong + [f"<{tag}> never closed" for tag in parser.open]


def test_every_element_is_closed_in_order(page: str) -> None:
    assert nesting_errors(page) == []
    assert nesting_errors("<table><tr><td>x</tr></table>") != []


def test_the_same_report_gives_the_same_bytes(samples: Report, page: str) -> None:
    assert render(samples, "html") == page
    assert not re.search(r"\b20\d\d-\d\d-\d\d[T ]\d\d:\d\d", page)  # no generation time


# ---- diagrams ---------------------------------------------------------------------------------------------------


def test_every_pipeline_is_drawn_and_every_svg_is_well_formed_xml(samples: Report, page: str) -> None:
    drawings = SVG.findall(page)
    assert len(drawings) == len(samples.overviews) == len(samples.workspace.pipelines) == PIPELINES == 20
    ids = []
    for drawing in drawings:
        root = ET.fromstring(drawing)  # raises on anything that is not well-formed
        assert root.get("role") == "img" and root.get("aria-label", "").startswith("Pipeline ")
        ids += [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))  # unique on the page: each marker finds its own arrow
HOSTILE = "<script>alert(\"x\")</script> & 'quotes'"


def test_hostile_names_are_escaped_everywhere(tmp_path: Path) -> None:
    data = json.loads((SAMPLES / "02-prod-without-approval" / "codepipeline.json").read_text())
    data["pipeline"]["name"] = HOSTILE
    data["pipeline"]["stages"][-1]["name"] = f"Prod{HOSTILE}"
    data["pipeline"]["stages"][-1]["actions"][0]["name"] = f"Deploy{HOSTILE}"
    (tmp_path / "codepipeline.json").write_text(json.dumps(data))
    report = lint(load_workspace([str(tmp_path)]))
    assert any(f.code == "PL101" and "<script>" in f.message for f in report.findings)  # the name reached a message
    page = render(report, "html")
    assert "<script>alert" not in page and page.count("<script>") == 1  # only the report's own
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;" in page
    for drawing in SVG.findall(page):
        ET.fromstring(drawing)
    assert external_references(page) == [] and nesting_errors(page) == []


CONTROLS = "\x00nul\x1b[31mesc\x07bel\x7fdel\x85c1\u202erlo\u2066lri\u2069"
HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SHOWN = "\\x00nul\\x1b[31mesc\\x07bel\\x7fdel\\x85c1\\u202erlo\\u2066lri\\u2069"


def test_control_characters_and_bidi_overrides_show_as_escapes(tmp_path: Path) -> None:
    data = json.loads((SAMPLES / "02-prod-without-approval" / "codepipeline.json").read_text())
    data["pipeline"]["name"] = f"pipe{CONTROLS}"
    data["pipeline"]["stages"][-1]["name"] = f"Prod{CONTROLS}"
    data["pipeline"]["stages"][-1]["actions"][0]["name"] = f"Deploy{CONTROLS}"
    (tmp_path / "codepipeline.json").write_text(json.dumps(data))
    report = lint(load_workspace([str(tmp_path)]))
    assert any(f.code == "PL101" and "\u202e" in f.message for f in report.findings)  # the names reached it
    page = render(report, "html")
    assert not HIDDEN.search(page)
    assert f"pipe{SHOWN}" in page and f"Deploy{SHOWN}" in section(page, "controls")
    drawings = SVG.findall(page)
    assert len(drawings) == 1 and f"Prod{SHOWN}" in drawings[0]
    for drawing in drawings:
        ET.fromstring(drawing)
    assert nesting_errors(page) == []


# ---- content ------------------------------------------------------------------------------------------------------


def test_the_failing_prod_deploy_of_sample_02_shows_with_its_location_and_remediation(samples: Report, page: str) -> None:
    pipelines = section(page, "pipelines")
    parts = re.split(r'<section class="pipeline" id="p\d+">', pipelines)[1:]
    no_approval = [p for p in parts if "webapp-no-approval" in p[:200]]
    assert len(no_approval) == 3  # the template, the get-pipeline output and the Terraform module
    remedy = html.esc(samples.rule("PL101").remediation.split("`")[0].strip())
    for part in no_approval:
        assert "badge o-failed" in part and "without a manual approval before it" in part
        assert "How to fix:" in part and remedy in part and "<code>Approval</code>" in part
        files = r"(codepipeline\.json|cloudformation\.yaml|terraform/main\.tf)"
        assert re.search(rf"02-prod-without-approval/{files}:\d+:\d+", part)
        assert "<svg" in part


def test_controls_show_the_evidence_behind_passed_pipelines_and_the_failures(page: str) -> None:
    controls = section(page, "controls")
    assert "suggested mapping" in controls
    cc81 = controls[controls.index(">CC8.1<") :].split("</details>")[0]
    passed = [row for row in cc81.split("<tbody>")[1].split("<tr>") if "badge o-passed" in row]
    assert passed and all("e-passed" in row for row in passed)
    assert "runs before action &#x27;Deploy&#x27; in stage &#x27;DeployProd&#x27;" in cc81  # PL101's evidence
    assert "badge o-failed" in cc81 and "without a manual approval before it" in cc81


def test_the_matrix_summary_and_rules_appendix(samples: Report, page: str) -> None:
    matrix = section(page, "matrix")
    # a failed cell per finding, as no sample fails one rule twice: 02 PL101 x3 formats, 03 PL201 x2,
    # 04 PL301+PL401 x3, 05 PL501 x3; 07 hotfix PL101+PL104+PL501, release PL501, GitLab release PL501 and
    # manual gate PL101+PL501
    failed_cells = 3 + 2 + 2 * 3 + 3 + (3 + 1 + 1 + 2)
    assert matrix.count("<tr><th class=\"pl\">") == PIPELINES
    assert matrix.count('class="cell o-failed"') == failed_cells == 21
    summary = section(page, "summary")
    # failed: 02 x3, 03 x2, 04 x3, 05 x3 (its info finding) and the 4 CI workflows; passed: 01 x3 and 06 x2
    assert summary.count('<td><span class="badge o-failed">✗ failed') == 3 + 2 + 3 + 3 + 4
    assert summary.count('<td><span class="badge o-passed">✓ passed') == 3 + 2
    high = 3 + 2 + 2 * 3 + 2 + 1  # PL101, PL201, PL301+PL401; hotfix PL101+PL104, manual gate PL101
    assert ">FAIL<" in verdict(page) and f"{high} finding(s) at or above high" in verdict(page)
    assert "exit code" not in page  # --exit-zero and --write-baseline exit 0 whatever the verdict says
    appendix = section(page, "rules")
    assert all(f'id="rule-{r.code}"' in appendix for r in samples.rules)


def verdict(page: str) -> str:
    return page[page.index('<div class="verdict">') : page.index('<div class="stats">')]


def test_checking_nothing_is_not_a_pass(tmp_path: Path) -> None:
    empty = render(lint(load_workspace([str(tmp_path)])), "html")
    assert ">NOTHING CHECKED<" in verdict(empty) and "no pipeline was found in the inputs" in verdict(empty)
    assert "PASS" not in verdict(empty)
    for ident in ("controls", "matrix"):
        assert "Nothing checked: no pipeline was found in the inputs." in section(empty, ident)
    assert '<table class="matrix">' not in empty and 'class="control"' not in empty
    policy = load_policy(None).with_selection(ignore=("PL",))
    ignored = render(lint(load_workspace([str(SAMPLES / "02-prod-without-approval")]), policy), "html")
    assert ">NOTHING CHECKED<" in verdict(ignored) and "every rule is disabled" in verdict(ignored)
    assert '<table class="matrix">' not in ignored and 'class="control"' not in ignored
    assert nesting_errors(empty) == nesting_errors(ignored) == []
    (tmp_path / "broken.json").write_text('{"pipeline": ')
    assert ">ERROR<" in verdict(render(lint(load_workspace([str(tmp_path)])), "html"))  # still an error


def test_suppressions_with_owner_and_expiry_and_load_problems_are_listed(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "02-prod-without-approval", tmp_path / "02")
    (tmp_path / "broken.json").write_text('{"pipeline": {"name": "half", "stages": [')
    exemption = Exemption(rule="PL101", pipeline="webapp-*", reason="the change board approves releases",
                          owner="team-payments", expires=datetime.date(2031, 6, 30),
                          ref=SourceRef("policy.yaml", ("exemptions", 0)))  # fmt: skip
    policy = dataclasses.replace(load_policy(None), exemptions=(exemption,))
    page = render(lint(load_workspace([str(tmp_path)]), policy, today=datetime.date(2030, 1, 1)), "html")
    suppressed = section(page, "suppressed")
    assert suppressed.count("the change board approves releases") == 3  # JSON, template and Terraform
    assert "team-payments" in suppressed and "2031-06-30" in suppressed and "exemption" in suppressed
    problems = section(page, "problems")
    assert "broken.json" in problems and "PL000" in problems and "p-error" in problems
    assert "Findings about the run itself" not in problems


def test_an_expired_exemption_is_listed_as_a_finding_of_the_run() -> None:
    exemption = Exemption(rule="PL101", pipeline="webapp-*", reason="approved outside", owner="team-payments",
                          expires=datetime.date(2026, 12, 31), ref=SourceRef("policy.yaml", ("exemptions", 0)))
    policy = dataclasses.replace(load_policy(None), exemptions=(exemption,))
    report = lint(load_workspace([str(SAMPLES / "02-prod-without-approval")]), policy, today=datetime.date(2027, 1, 1))
    problems = section(render(report, "html"), "problems")
    assert "Findings about the run itself" in problems and "PL002" in problems and "2026-12-31" in problems


# ---- in a browser -----------------------------------------------------------------------------------------------

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--hide-scrollbars")  # fmt: skip
# "[123:123:1126/181331.525:INFO:CONSOLE:1] "message", source: file:///... (1)" (older builds: CONSOLE(1))
CONSOLE = re.compile(r"^\[[^\]]*:CONSOLE[^\]]*\] (.*)$", re.M)


@dataclasses.dataclass(frozen=True)
class Rendered:
    dom: str
    console: list[str]
    screenshot: Path


@pytest.fixture(scope="module")
def browser() -> str:
    found = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    if found is None:
        pytest.skip("headless Chromium is not installed: install the Debian package `chromium` "
                    "(`apt-get install chromium`; .ci/run does this when it runs as root)")  # fmt: skip
    return found


def open_in_browser(browser: str, page: Path, screenshot: Path, size: tuple[int, int] = (1400, 2000)) -> Rendered:
    profile = screenshot.parent / f"profile-{screenshot.stem}"  # a fresh profile: no state from another run
    profile.mkdir()
    command = [browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}", "--dump-dom",
               f"--screenshot={screenshot}", page.as_uri()]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "<html" in result.stdout, result.stderr[-3000:]
    return Rendered(result.stdout, CONSOLE.findall(result.stderr), screenshot)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def keep(screenshot: Path) -> None:
    """A copy outside tmp_path, to look at after the run (build/ is ignored by git)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, SCREENSHOTS / screenshot.name)


def test_the_report_renders_in_chromium_without_console_errors(browser: str, page: str, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    shown = open_in_browser(browser, report, tmp_path / "html-report.png")
    assert shown.console == []
    assert len(re.findall(r"<svg\b[^>]*role=\"img\"", shown.dom)) == PIPELINES  # parsed as SVG, not as text
    assert shown.dom.count('<table class="evals">') == PIPELINES and '<table class="matrix">' in shown.dom
    assert png_size(shown.screenshot) == (1400, 2000)
    assert shown.screenshot.stat().st_size > 50_000  # a blank page compresses to a few kilobytes
    keep(shown.screenshot)


def test_the_pipeline_diagrams_render_in_chromium(browser: str, page: str, tmp_path: Path) -> None:
    """The same page with what comes before sample 02 hidden: headless Chromium captures the top of a page (it
    does not scroll to a #fragment before the screenshot), and the diagrams are further down."""
    hide = "<style>header,nav,#summary,#controls,#matrix,#p0,#p1,#p2{display:none}</style></head>"  # 01 x3
    report = tmp_path / "pipelines.html"
    report.write_text(page.replace("</head>", hide, 1), encoding="utf-8")
    shown = open_in_browser(browser, report, tmp_path / "html-report-pipelines.png", (1400, 1600))
    assert shown.console == []
    assert shown.screenshot.stat().st_size > 50_000
    keep(shown.screenshot)


# Measures the laid-out page: its width, the right edge of every summary cell, pipeline heading and evaluation
# cell, and the width of the summary's Result column. A script of the test's own, so the page's policy goes.
PROBE = ("<script>var edge=function(e){return Math.ceil(e.getBoundingClientRect().right)};"
         "var edges=[].map.call(document.querySelectorAll('#summary td,.pipeline h3,.facts,.evals td'),edge);"
         "document.body.setAttribute('data-probe',[document.documentElement.scrollWidth,innerWidth,"
         "Math.max.apply(null,edges),document.querySelector('#summary th:nth-child(2)').offsetWidth]"
         ".join(' '))"
         "</script></body>")  # fmt: skip


def test_a_very_long_name_wraps_instead_of_pushing_columns_off_the_page(browser: str, tmp_path: Path) -> None:
    data = json.loads((SAMPLES / "02-prod-without-approval" / "codepipeline.json").read_text())
    data["pipeline"]["name"] = "Pipeline" + "N" * 10_000
    data["pipeline"]["stages"][-1]["name"] = "Prod" + "S" * 10_000
    (tmp_path / ("f" * 200 + ".json")).write_text(json.dumps(data))
    page = render(lint(load_workspace([str(tmp_path)])), "html")
    page = page.replace(f'<meta http-equiv="Content-Security-Policy" content="{html.CSP}">', "")
    report = tmp_path / "long.html"
    report.write_text(page.replace("</body>", PROBE, 1), encoding="utf-8")
    shown = open_in_browser(browser, report, tmp_path / "html-report-long-names.png")
    keep(shown.screenshot)
    width, view, rightmost, result = map(int, re.search(r'data-probe="([\d ]+)"', shown.dom).group(1).split())
    assert width <= view == 1400 and rightmost <= view  # nothing sticks out: no column is pushed off the page
    assert result >= 60  # the Result column keeps room for its badge


def test_the_console_check_catches_errors_and_blocked_fetches(browser: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text(
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="{html.CSP}"></head>'
        '<body><p>broken</p><img src="https://example.invalid/pixel.png">'
        '<script>console.error("deliberate console error"); undefinedFunction();</script></body></html>'
    )  # the report's own policy: an inline script without its hash, and an image from elsewhere, are refused
    shown = open_in_browser(browser, bad, tmp_path / "bad.png", (400, 300))
    assert len(shown.console) >= 2, shown.console
    assert any("pixel.png" in line for line in shown.console)
    assert any("inline" in line and "Content Security Policy" in line for line in shown.console)
    allowed = tmp_path / "allowed.html"
    allowed.write_text('<!DOCTYPE html><html><body><script>console.error("deliberate console error");'
                       "undefinedFunction();</script></body></html>")  # fmt: skip
    messages = open_in_browser(browser, allowed, tmp_path / "allowed.png", (400, 300)).console
    assert any("deliberate console error" in line for line in messages)
    assert any("undefinedFunction is not defined" in line for line in messages)
