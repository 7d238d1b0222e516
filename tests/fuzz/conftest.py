"""Hypothesis profiles for the fuzz tests.

- "ci" (the default): derandomized, so every run tries the same examples and CI is deterministic; no deadline
  (a slow example on a busy machine is not a failure: the bounds tests guard against hangs); few enough examples
  (30 a test) that the property tests run in about 20 s on one core; test_bounds.py adds its subprocess runs.
  Nothing is written to disk (no example database; the command line runs without pipelint's cache).
- "fuzz": many more examples, random on every run, for a fuzzing session by hand:

      HYPOTHESIS_PROFILE=fuzz .venv/bin/python -m pytest -p no:cacheprovider tests/fuzz -n 2

  A failure prints the example and a @reproduce_failure line to paste above the test.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=30,
    database=None,
    print_blob=True,
)
settings.register_profile(
    "fuzz",
    deadline=None,
    max_examples=2000,
    database=None,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
