"""cfn-lint integration, both ways (the `cfn-lint` extra).

- pipelint's rules inside cfn-lint: `cfn-lint template.yaml --append-rules checker.integrations.cfn_lint.rules`
  (`rules.py`: one cfn-lint rule class per pipelint rule, ids from `ids.py`; `check.py` runs pipelint once per
  template for all of them).
- cfn-lint inside pipelint: `pipelint lint --cfn-lint` adds cfn-lint's template checks to the report
  (`validate.py`).

This module stays light: the command line imports it to offer `--cfn-lint`. cfn-lint's import costs about a
second and slows every later parse (its large in-memory data keeps the garbage collector busy), so only
`rules.py`, `plugin.py` and `validate.py` import it, and only when asked to.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from typing import Any

RULES_MODULE = "checker.integrations.cfn_lint.rules"  # what `--append-rules` names
INSTALL = "pip install 'pipelint[cfn-lint]'"


def installed() -> bool:
    """Whether cfn-lint can be imported, found without importing it (the import is what costs)."""
    if "cfnlint" in sys.modules:
        return sys.modules["cfnlint"] is not None  # None: imports of it are blocked
    try:
        return importlib.util.find_spec("cfnlint") is not None
    except (ImportError, ValueError):
        return False


class CfnLintOption(argparse.Action):
    """`--cfn-lint`: a flag that is a usage error (exit 2) at once, before any file is read, when cfn-lint is
    not installed; a run that cannot add what was asked for must not look like a pass."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=False, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:  # fmt: skip
        if not installed():
            parser.error(f"{option_string} needs cfn-lint, which is not installed: {INSTALL}")
        setattr(namespace, self.dest, True)
