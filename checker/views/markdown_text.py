"""Text from the scanned files and policy packs, made safe and short for the Markdown report.

Every piece of it goes through `text()` (Markdown) or `html()` (inside `<summary>`, where GitHub reads HTML,
not Markdown), flattened to one line, so a pipeline called `a|b` or `<script>` stays a name and cannot end a
table row; control characters and bidi overrides show as their escapes (`checker.views.visible`). Names, file
names and messages are shortened first: the report must fit a comment, and one pipeline called 10,000
characters would otherwise take the room of every diagram. The HTML and JSON reports hold them whole.
"""

from __future__ import annotations

import html as _html
import re
from urllib.parse import quote

from checker.views.visible import visible

NAME_LIMIT = 100  # characters of a pipeline, stage, action or file name
PROSE_LIMIT = 1_000  # characters of a message or reason; the longest a rule writes is about 500

_MARKDOWN_ACTIVE = set("\\`*_[]<>|#~!&$")  # $ starts math on GitHub
_LONG_WORD = re.compile(rf"\S{{{NAME_LIMIT + 1},}}")


def flat(value: object) -> str:
    """One line: newlines, tabs and other invisible characters become spaces, controls their escapes."""
    return " ".join("".join(c if c.isprintable() else " " for c in visible(str(value))).split())


def text(value: object) -> str:
    """Literal text in Markdown, in a paragraph or a table cell alike."""
    return "".join("\\" + c if c in _MARKDOWN_ACTIVE else c for c in flat(value))


def html(value: object) -> str:
    """Literal text in raw HTML (a <summary>)."""
    return _html.escape(flat(value))


def code(value: object) -> str:
    """A code span, fenced by more backticks than it holds. Not for tables: there `|` would still split the
    cell."""
    content = flat(value)
    fence = "`" * (max((len(run) for run in re.findall("`+", content)), default=0) + 1)
    padded = f" {content} " if content.startswith("`") or content.endswith("`") else content
    return f"{fence}{padded}{fence}"


def link(label: str, url: str, title: str = "") -> str:
    """`label` is Markdown already; a URL that is not http(s) is not linked (javascript: and such)."""
    if not re.match(r"https?://", url):
        return label
    target = quote(url, safe=":/?#[]@!$&'*+,;=%~")
    hint = ' "' + text(title).replace('"', '\\"') + '"' if title else ""
    return f"[{label}]({target}{hint})"


def details(summary: str, body: str) -> str:
    """A collapsed section; `summary` is HTML already. The blank lines make GitHub read the body as
    Markdown."""
    return f"<details><summary>{summary}</summary>\n\n{body.strip()}\n\n</details>"


def short(value: object, limit: int = NAME_LIMIT) -> str:
    """A name, flattened, cut at `limit` characters with an ellipsis."""
    shown = flat(value)
    return shown if len(shown) <= limit else shown[: limit - 1].rstrip() + "…"


def short_path(value: object, limit: int = NAME_LIMIT) -> str:
    """A file name or `file:line:col`, cut in the middle: its first folders and its end (the file's own name,
    the line) say where it is."""
    shown = flat(value)
    if len(shown) <= limit:
        return shown
    head = (limit - 1) // 3
    return shown[:head] + "…" + shown[len(shown) - (limit - 1 - head) :]


def prose(value: object) -> str:
    """A message or reason as Markdown text: names quoted in it (runs of more than NAME_LIMIT characters
    without a space) are cut like names, and the whole at PROSE_LIMIT."""
    shown = _LONG_WORD.sub(lambda word: word.group()[: NAME_LIMIT - 1] + "…", flat(value))
    return text(short(shown, PROSE_LIMIT))
