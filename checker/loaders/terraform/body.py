"""A resource's body as values: arguments evaluated, nested blocks as lists of mappings (the shape of
`terraform show -json`), `dynamic` blocks expanded when their `for_each` is known. Every value's path is recorded
with its span, so findings point at the line in the .tf file.

A `dynamic` block whose `for_each` is unknown leaves one Unknown in its place in the list, with the reason
("the stage blocks come from var.stages: var.stages has no default ..."), so that what depends on those blocks
(a pipeline's stages) is unknown rather than absent.
"""

from __future__ import annotations

from checker.loaders.terraform.expressions import Bound, evaluate
from checker.loaders.terraform.hcl import Attribute, Block, HclFile, _name, span_of
from checker.model import Unknown
from checker.model.source import Path, Span

META_ARGUMENTS = frozenset({"count", "for_each", "provider", "depends_on"})
META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection", "timeouts"})
MAX_BLOCKS = 10_000  # blocks one resource may expand to


class BodyReader:
    def __init__(self, hcl: HclFile, spans: dict[Path, Span]) -> None:
        self.hcl = hcl
        self.spans = spans
        self.blocks = 0

    def values(self, block: Block, scope: object, path: Path, top: bool = True) -> dict[str, object]:
        """The values of a block; `top` for the resource itself, whose meta-arguments are not values."""
        result: dict[str, object] = {}
        for name, attribute in block.attributes.items():
            if top and name in META_ARGUMENTS:
                continue
            result[name] = evaluate(attribute.expr, scope, self.hcl.text)  # type: ignore[arg-type]
            self.spans[path + (name,)] = attribute.span
            self._members(attribute, path + (name,))
        for child in block.blocks:
            if child.type in META_BLOCKS:
                continue
            if child.type == "dynamic" and child.labels:
                kind = child.labels[0]
                for item_path, value, span in self._dynamic(child, scope, path, kind, len(result.get(kind, []))):  # type: ignore[arg-type]
                    result.setdefault(kind, []).append(value)  # type: ignore[union-attr]
                    self.spans[item_path] = span
                continue
            items = result.setdefault(child.type, [])
            item_path = path + (child.type, len(items))  # type: ignore[arg-type]
            self.spans[item_path] = child.span
            self.blocks += 1
            items.append(self._limited(child, scope, item_path))  # type: ignore[union-attr]
        return result

    def _limited(self, block: Block, scope: object, path: Path) -> object:
        if self.blocks > MAX_BLOCKS:
            return Unknown(f"the resource expands to more than {MAX_BLOCKS:,} blocks; pipelint stops reading it")
        return self.values(block, scope, path, top=False)

    def _dynamic(self, block: Block, scope: object, path: Path, kind: str, start: int) -> list[tuple[Path, object, Span]]:
        content = next(iter(block.children("content")), None)
        first = path + (kind, start)
        source = block.attributes.get("for_each")
        if content is None or source is None:
            return [(first, Unknown(f"the dynamic \"{kind}\" block has no for_each or no content"), block.span)]
        collection = evaluate(source.expr, scope, self.hcl.text)  # type: ignore[arg-type]
        where = self._text(source)
        if isinstance(collection, Unknown):
            return [(first, Unknown(f"the {kind} blocks come from {where}: {collection.reason}"), block.span)]
        if isinstance(collection, dict):
            items = sorted(collection.items())
        elif isinstance(collection, list):
            items = list(enumerate(collection))
        else:
            return [(first, Unknown(f"the for_each of the dynamic \"{kind}\" block is not a collection ({where})"),
                     block.span)]  # fmt: skip
        iterator = block.attributes.get("iterator")
        name = _name(iterator.expr) if iterator is not None else kind
        found = []
        for offset, (key, value) in enumerate(items):
            item_path = path + (kind, start + offset)
            self.blocks += 1
            bound = Bound(scope, {name: {"key": key, "value": value}})  # type: ignore[arg-type]
            found.append((item_path, self._limited(content, bound, item_path), content.span))
        return found

    def _members(self, attribute: Attribute, path: Path) -> None:
        """Where each key of an object written in place is (a configuration's `ProjectName = ...`)."""
        node = attribute.expr
        while getattr(node, "data", None) == "expr_term" and len(node.children) == 1:  # type: ignore[attr-defined]
            node = node.children[0]  # type: ignore[attr-defined]
        if getattr(node, "data", None) != "object":
            return
        for element in node.children:  # type: ignore[attr-defined]
            if getattr(element, "data", None) != "object_elem":
                continue
            key = element.children[0]
            while getattr(key, "children", None) and getattr(key, "data", None) in ("object_elem_key", "expr_term"):
                key = key.children[0]
            if getattr(key, "data", None) in ("identifier", "string"):
                self.spans[path + (_name(key),)] = span_of(element)

    def _text(self, attribute: Attribute) -> str:
        meta = getattr(attribute.expr, "meta", None)
        if meta is None or getattr(meta, "empty", True):
            return str(attribute.expr)
        text = " ".join(self.hcl.text[meta.start_pos : meta.end_pos].split())
        return text if len(text) <= 80 else text[:77] + "..."
