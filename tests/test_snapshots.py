"""Snapshots: every report format's whole output for the sample pipelines, pinned.

Each scenario once: 01-06 as CloudFormation with their deploy targets (the get-pipeline JSON and the Terraform
of a scenario load to the same model, tests/test_equivalence.py, and would only double the snapshots), and 07
as its GitHub Actions and GitLab CI workflows with the SAM template they deploy.

A change to a reporter shows here as a diff of its output. When the change is meant, rewrite the snapshots
with `PIPELINT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_snapshots.py` and review the diff.
"""

import datetime
import json
import os
from pathlib import Path

import pytest

from checker import __version__
from checker.engine.run import lint
from checker.load import load_workspace
from checker.loaders.base import LoadOptions
from checker.views.formats import FORMATS, render
from tests.conftest import ROOT

SNAPSHOTS = Path(__file__).parent / "snapshots"
SUFFIX = {"text": "txt", "json": "json", "sarif": "sarif", "junit": "junit.xml", "markdown": "md", "html": "html"}


@pytest.fixture(scope="module")
def report():
    cwd = os.getcwd()
    os.chdir(ROOT)  # file names in the reports are relative, as a user in the project folder gives them
    try:
        samples = ROOT / "sample_pipelines"
        workflows = (samples / "07-ci-workflows").glob("*/*.yml")  # github/*.yml, gitlab/*.gitlab-ci.yml
        files = sorted(str(p.relative_to(ROOT)) for p in (*samples.glob("*/*.yaml"), *workflows))
        return lint(load_workspace(files, LoadOptions()), today=datetime.date(2026, 1, 1))
    finally:
        os.chdir(cwd)


def _stable(fmt: str, text: str) -> str:
    if fmt in ("json", "sarif"):  # one line per value, so that a diff says what moved
        text = json.dumps(json.loads(text), indent=1, ensure_ascii=False) + "\n"
    return text.replace(__version__, "<version>")


def test_every_format_has_a_snapshot():
    assert set(SUFFIX) == set(FORMATS)


@pytest.mark.parametrize("fmt", sorted(SUFFIX))
def test_report_snapshot(report, fmt):
    cwd = os.getcwd()
    os.chdir(ROOT)  # the text format quotes source lines from the files
    try:
        actual = _stable(fmt, render(report, fmt))
    finally:
        os.chdir(cwd)
    path = SNAPSHOTS / f"sample_pipelines.{SUFFIX[fmt]}"
    if os.environ.get("PIPELINT_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}; write it with PIPELINT_UPDATE_SNAPSHOTS=1"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{fmt} output changed; if that is meant, update with PIPELINT_UPDATE_SNAPSHOTS=1"


def test_rendering_twice_gives_the_same_bytes(report):
    for fmt in ("json", "sarif", "junit", "markdown", "html"):
        assert render(report, fmt) == render(report, fmt), fmt
