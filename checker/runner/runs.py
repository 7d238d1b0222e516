"""A whole `pipelint lint` run kept in the cache: the reports it wrote and everything they were made from.

The key is the command line (all but the options that change only the speed: --jobs, --no-cache, --cache-dir,
--no-progress), the folder it ran in, the day (policy exemptions expire) and whether standard output is a
colour terminal. The entry lists every file and folder the run read (inputs, reusable workflows, Terraform
modules, policy packs, the baseline) with its fingerprint; while none has changed, the run's reports are written
again as they were, and the exit code is the same.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from dataclasses import dataclass

from checker.runner.cache import Cache, unchanged
from checker.views.style import Style

KIND = "run"
SPEED_ONLY = frozenset({"jobs", "no_cache", "cache_dir", "no_progress"})


@dataclass(frozen=True, slots=True)
class RunRecord:
    depends: tuple[tuple[str, str], ...]  # every file and folder read -> its fingerprint
    rendered: tuple[tuple[str | None, tuple[str, ...]], ...]  # each report: its file (None: stdout), its text
    said: str | None  # the summary line printed when every report went to a file
    notes: tuple[str, ...]  # what was said on standard error
    exit_code: int


def run_key(cache: Cache, args: argparse.Namespace) -> str:
    options = sorted((name, value) for name, value in vars(args).items() if name not in SPEED_ONLY)
    colour = Style.for_stream(sys.stdout).enabled  # as the text report on standard output decides it
    return cache.key(KIND, os.getcwd(), options, datetime.date.today().isoformat(), colour)


def cached_run(cache: Cache, key: str) -> RunRecord | None:
    record = cache.get(KIND, key)
    if isinstance(record, RunRecord) and unchanged(record.depends):
        return record
    return None
