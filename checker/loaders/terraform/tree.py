"""python-hcl2's Lark parse tree, read the way the expression evaluator and the template reader need it.

The tree interleaves the expressions with comments and line breaks (`new_line_or_comment`) and keeps names
and operators as tokens; these few readers keep that knowledge of the grammar's shape in one place.
"""

from __future__ import annotations

from lark import Token, Tree


def subtrees(node: Tree) -> list[Tree]:
    """The child trees that carry meaning: comments and line breaks between them are dropped."""
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def name_of(node: Tree | Token) -> str:
    """The name an `identifier` tree (or a NAME token) holds."""
    return str(node.children[0]) if isinstance(node, Tree) else str(node)


def has_token(node: Tree, kind: str) -> bool:
    return any(isinstance(c, Token) and c.type == kind for c in node.children)
