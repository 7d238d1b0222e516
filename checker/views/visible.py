"""Characters from the scanned files that a report must show, not obey.

A pipeline, stage or action name is whatever its file says. A NUL makes an SVG diagram invalid XML, an ANSI
escape or a C1 control can rewrite what a terminal shows when someone pastes the text, and a bidi override
(U+202E) makes the text after it read backwards, so that a name shows as another one (Trojan Source,
CVE-2021-42574). Each of them is written as its escape instead, `\\x1b` or `\\u202e`: a reader sees that it is
there, and nothing it would do happens. Tab and newline are text, except on a terminal line (`one_line`).
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL; lone surrogates (they cannot be written as UTF-8); the bidi embeddings,
# overrides and isolates; U+FFFE and U+FFFF (not characters: XML refuses them)
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufffe\uffff]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every control character and bidi control written as its escape."""
    return _HIDDEN.sub(_shown, text)


def one_line(text: str) -> str:
    """`visible`, and a tab or newline as `\\t` / `\\n`: a finding on a terminal stays on its one line."""
    return visible(text).replace("\t", "\\t").replace("\n", "\\n")
