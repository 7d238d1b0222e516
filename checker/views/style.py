"""Terminal styling: colour only on a terminal, and never when NO_COLOR is set."""

from __future__ import annotations

import os
from typing import TextIO

_TIER_COLOURS = {"prod": "31", "staging": "33", "test": "36", "dev": "32"}


class Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def for_stream(cls, stream: TextIO) -> Style:
        return cls(hasattr(stream, "isatty") and stream.isatty() and "NO_COLOR" not in os.environ)

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def tier(self, tier: str) -> str:
        return self._wrap(_TIER_COLOURS.get(tier, "0"), tier)

    def severity(self, text: str, error: bool) -> str:
        return self._wrap("31" if error else "33", text)
