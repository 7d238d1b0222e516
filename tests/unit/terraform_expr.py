"""What the Terraform expression tests share: a scope of known values, and how to evaluate an expression."""

from __future__ import annotations

import hcl2.api

from checker.loaders.terraform import values
from checker.loaders.terraform.expressions import evaluate
from checker.model.values import Unknown

REJECT = "Terraform would reject this: "
SET = values.SetValue
TOO_MANY = "the expression builds more than 1,000,000 values; pipelint stops evaluating it"
TOO_DEEP = "the expression is nested more than 128 levels deep; pipelint stops evaluating it"
TOO_LONG = "the expression builds a string longer than 10,000,000 characters; pipelint stops evaluating it"
AFTER_APPLY = "aws_s3_bucket.this.id is known only after apply"
TFVARS = "a .tfvars file may hold only constant values"


def no_value(name: str) -> str:
    return f"var.{name} has no default and no value was given"


VALUES = {
    "var.name": "app",
    "var.stages": ["build", "test", "prod"],
    "var.tags": {"team": "web", "env": "prod"},
    "local.accounts": {"dev": "111111111111", "prod": "222222222222"},
    "local.arn": Unknown(no_value("a"), "arn:aws:iam::${var.a}:role/r"),
    "local.objs": [{"id": 1, "tags": ["a", "b"]}, {"id": 2, "tags": ["c"]}],
    "local.empty": [],
    "local.nothing": None,
    "local.big": "x" * 20_000,
    "aws_s3_bucket.this": {"bucket": "artifacts", "id": Unknown(AFTER_APPLY, "${aws_s3_bucket.this.id}")},
}


class DictScope:
    """`root.name` from a dict (a variable not in it has no value); anything else is unknown."""

    def __init__(self, values: dict[str, object]) -> None:
        self.values = values
        self.asked: list[tuple[str, tuple[object, ...]]] = []

    def resolve(self, root: str, steps: tuple[object, ...]) -> tuple[object, int]:
        self.asked.append((root, steps))
        if steps and isinstance(steps[0], str) and f"{root}.{steps[0]}" in self.values:
            return self.values[f"{root}.{steps[0]}"], 1
        if root == "var" and steps:
            return Unknown(no_value(str(steps[0])), f"${{var.{steps[0]}}}"), 1
        return Unknown(f"{root} is not known to the test scope"), 0


def parse(expr: str) -> tuple[object, str]:
    text = f"x = {expr}\n"
    body = hcl2.api.parses_to_tree(text).children[0]
    (attribute,) = [c for c in body.children if getattr(c, "data", "") == "attribute"]
    return [c for c in attribute.children if hasattr(c, "data")][-1], text


def ev(expr: str, scope: object | None = None) -> object:
    node, text = parse(expr)
    return evaluate(node, scope or DictScope(VALUES), text)  # type: ignore[arg-type]


def rejected(expr: str) -> str:
    value = ev(expr)
    assert isinstance(value, Unknown) and value.reason.startswith(REJECT), value
    return value.reason[len(REJECT) :]
