from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_pipelines"
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run pipelint without its cache (a test that patches pipelint must see it run), in-process and in
    the processes they start; tests/test_runner.py turns it on, in a folder of its own, where it is the subject."""
    monkeypatch.setenv("PIPELINT_NO_CACHE", "1")


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the real-world corpus is not beside the project ({CORPUS})")
    return CORPUS


def run_cli(*args: str, cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run pipelint as a user would: a separate process, so a crash or traceback shows."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "checker", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
