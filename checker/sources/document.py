"""One file, parsed: its value, how to find positions in it, and what the reader noticed."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from checker.sources.errors import LoadError
from checker.sources.jsondoc import parse_json
from checker.sources.positions import JsonPositions, SpanFinder, YamlPositions
from checker.sources.read import MAX_FILE_BYTES, read_text
from checker.sources.yamldoc import DuplicateKey, TagUse, parse_yaml

# Jinja/cookiecutter and Go text/template directives; `${{ }}` (GitHub expressions) and `{{resolve:...}}`
# (CloudFormation dynamic references) are not directives.
_TEMPLATE_DIRECTIVE = re.compile(
    r"\{%-?\s*(?:if|elif|else|endif|for|endfor|set|endset|macro|endmacro|block|endblock|raw|endraw|include|import|"
    r"from|extends|call|endcall|filter|endfilter|with|endwith)\b[^\n]*?%\}"
    r"|(?<!\$)\{\{-|(?<!\$)\{\{\s*(?:if|else|end|range|include|template|define|with|block)\b"
)


@dataclass(slots=True)
class Document:
    file: str
    syntax: str  # "json" or "yaml"
    value: object
    spans: SpanFinder
    unknown_tags: list[TagUse] = field(default_factory=list)
    duplicates: list[DuplicateKey] = field(default_factory=list)
    extra_documents: bool = False


def unrendered_template(text: str) -> LoadError | None:
    """A clear error for a Jinja/cookiecutter or Go template: it is not YAML or JSON until rendered."""
    match = _TEMPLATE_DIRECTIVE.search(text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    return LoadError(
        f"this is an unrendered template (a Jinja/cookiecutter or Go template directive "
        f"'{match.group().strip()}' on line {line}), not YAML or JSON yet: render it and lint the result",
        line,
        match.start() - text.rfind("\n", 0, match.start()),
    )


def parse_text(file: str, text: str) -> Document:
    stripped = text.lstrip()
    if stripped[:1] in ("{", "[") and not (stripped.startswith("{%") or stripped.startswith("{{")):
        try:
            value, repeated = parse_json(text)
        except LoadError as json_error:
            if file.endswith(".json"):
                raise
            try:
                return _yaml_document(file, text)
            except LoadError:
                raise json_error from None
        positions = JsonPositions(text)
        return Document(file, "json", value, positions.span, duplicates=positions.index.duplicates if repeated else [])
    return _yaml_document(file, text)


def _yaml_document(file: str, text: str) -> Document:
    try:
        parsed = parse_yaml(text)
    except LoadError as error:
        raise unrendered_template(text) or error from None
    if "{%" in text and (template := unrendered_template(text)) is not None:
        raise template
    return Document(
        file,
        "yaml",
        parsed.value,
        YamlPositions(parsed.root).span,
        parsed.unknown_tags,
        parsed.duplicates,
        parsed.extra_documents,
    )


def open_document(path: str, display: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Read and parse a file; LoadError says what is wrong and where."""
    if os.path.isdir(path):
        raise LoadError("is a directory")
    return parse_text(display or path, read_text(path, max_bytes))
