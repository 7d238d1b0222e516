"""Which installed distributions declare pipelint rule packs, found by reading their entry_points.txt files.

importlib.metadata costs more to import than linting a template takes; almost no installation has a pack, so
the rule registry asks it only when a distribution declares one, and the cache keys its entries on what is
declared.
"""

from __future__ import annotations

import os
import sys

# Third-party rule packs register their rules under this entry-point group (checker.rules.registry).
RULE_PACK_GROUP = "pipelint.rules"


def declared() -> list[tuple[str, str, str]]:
    """(folder, distribution folder, entry_points.txt text) of each distribution on sys.path that declares
    entry points in the group."""
    header = f"[{RULE_PACK_GROUP}]"
    found = []
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in sorted(names):
            if name.endswith((".dist-info", ".egg-info")):
                try:
                    with open(os.path.join(folder, name, "entry_points.txt"), encoding="utf-8") as stream:
                        text = stream.read()
                except OSError:
                    continue
                if header in text:
                    found.append((folder, name, text))
    return found
