"""pipelint never touches the network while it lints, shows or explains: each command runs in a subprocess where
an audit hook, installed before anything else is imported, ends the process on any socket.* audit event
(socket.__new__, connect, getaddrinfo, gethostbyname, ...). The control cases prove the guard catches a socket
opened in the process or in a child process it starts, and that nothing else makes it exit that way."""

from __future__ import annotations

import json
import os
import tempfile

import pytest

from tests.conftest import SAMPLES
from tests.fuzz.support import NETWORK_EXIT, lint_args, pipelint, python

# Add 2 to lint with `--jobs 2` as well (parallel linting, from another change: not relied on here yet). The
# guard is installed in every Python process started with the test's environment, so its workers are guarded.
JOBS: tuple[int | None, ...] = (None,)


def assert_offline(ran) -> None:
    assert ran.returncode != NETWORK_EXIT and "network use" not in ran.stderr, ran.stderr[-2000:]
    assert ran.returncode >= 0, f"killed by signal {-ran.returncode}"
    assert "Traceback" not in ran.stderr and "internal error" not in ran.stderr, ran.stderr[-2000:]


@pytest.mark.parametrize("jobs", JOBS)
def test_lint_of_the_samples_uses_no_network(jobs):
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        ran = pipelint(*lint_args(str(SAMPLES), output=report, jobs=jobs), network_guard=True)
        assert_offline(ran)
        assert ran.returncode == 1  # the samples have findings; nothing failed to load
        with open(report, encoding="utf-8") as handle:
            assert len(json.load(handle)["pipelines"]) == 6 * 2 + 4 + 4  # as tests/test_cli.py counts them


@pytest.mark.parametrize("args", [["show", str(SAMPLES)], ["show", str(SAMPLES), "--format", "json"], ["rules"],
                                  ["rules", "PL301"]])  # fmt: skip
def test_show_and_rules_use_no_network(args):
    ran = pipelint(*args, network_guard=True)
    assert_offline(ran)
    assert ran.returncode == 0 and ran.stdout.strip(), ran.stderr[-2000:]


@pytest.mark.corpus
@pytest.mark.parametrize("jobs", JOBS)
def test_lint_of_the_corpus_uses_no_network(corpus, jobs):
    with tempfile.TemporaryDirectory() as tmp:
        ran = pipelint(
            *lint_args(str(corpus), output=os.path.join(tmp, "report.json"), jobs=jobs), network_guard=True
        )
    assert_offline(ran)
    assert ran.returncode in (0, 1, 2)


SOCKET = "import socket; socket.socket()"


@pytest.mark.parametrize(("code", "event"), [
    (SOCKET, "socket.__new__"),
    ("import socket; socket.getaddrinfo('localhost', 80)", "socket.getaddrinfo"),
    ("import socket; socket.gethostbyname('localhost')", "socket.gethostbyname"),
    ("import urllib.request; urllib.request.urlopen('http://127.0.0.1:9/', timeout=1)", "socket."),
    # a child process (a worker of a parallel lint) is guarded as well
    (f"import subprocess, sys; sys.exit(subprocess.run([sys.executable, '-c', {SOCKET!r}]).returncode)",
     "socket.__new__"),
])  # fmt: skip
def test_the_guard_catches_network_use(code, event):
    ran = python(code, network_guard=True)
    assert ran.returncode == NETWORK_EXIT and f"network use: {event}" in ran.stderr, ran


def test_without_the_guard_the_same_code_runs():
    """The control's exit code comes from the guard, not from the code."""
    ran = python(SOCKET)
    assert ran.returncode == 0, ran.stderr
