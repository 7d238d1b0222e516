"""Terraform expressions: values, unknowns with reasons and texts, what Terraform rejects, the limits.
Functions are tested in test_terraform_functions.py."""

from __future__ import annotations

import pytest

from checker.loaders.terraform import expressions, values
from checker.loaders.terraform.expressions import Bound, EvalError, evaluate, literal, traverse
from checker.model.values import Unknown
from tests.unit.terraform_expr import TOO_MANY, TOO_DEEP, TOO_LONG, AFTER_APPLY, TFVARS, no_value, VALUES, DictScope, parse, ev, rejected


# -- literals, operators, conditionals -------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("42", 42), ("1.5", 1.5), ("1e3", 1000), ("2.0", 2), ("true", True), ("false", False), ("null", None),
        (r'"a\"b\n\t\\ \u00e9"', 'a"b\n\t\\ é'), ('"$${x} %%{y}"', "${x} %{y}"), ('""', ""),
        ('[1, "a", [true]]', [1, "a", [True]]),
        ('{a = 1, "b c" = 2, (var.name) = 3, 4 = "four", for = 5}',
         {"a": 1, "b c": 2, "app": 3, "4": "four", "for": 5}),
        ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("10 - 2 - 3", 5), ("7 / 2", 3.5), ("4 / 2", 2), ("7 % 3", 1),
        ("-7 % 3", -1), ("5 % -3", 2), ("5.5 % 2", 1.5), ("-(3)", -3), ('"2" + 1', 3), ("1.5 + 1.5", 3),
        ("1 < 2", True), ("2 <= 1", False), ('"10" > 9', True), ("3 >= 3", True),
        ("!true", False), ('!"true"', False), ('true && "false"', False), ("false || true", True),
        ("1 == 1.0", True), ('"1" == 1', False), ("true == 1", False), ("null == null", True),
        ("null != 1", True), ("[1, {a = [2]}] == [1, {a = [2]}]", True), ("{a = 1} != {a = 2}", True),
        ("[1] == [1, 2]", False),
        ('true ? "yes" : "no"', "yes"), ('"false" ? 1 : 2', 2), ("true ? 1 : local.empty[0]", 1),
        ("var.enabled ? 1 : 1", 1),
        ("false && var.a", False), ("var.a && false", False), ("var.a || true", True),
    ],
)  # fmt: skip
def test_literals_operators_and_conditionals(expr, expected):
    value = ev(expr)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    "expr, reason",
    [
        ('"a" + 1', 'the left operand of + is "a", which is not a number'),
        ("[1] + 1", "the left operand of + is a list where a number is required"),
        ("1 - null", "the right operand of - is null where a number is required"),
        ("!1", "the operand of ! is a number (1) where a bool is required"),
        ("null ? 1 : 2", "the condition null is null where a bool is required"),
        ("0 / 0", "0 / 0 has no value"),
        ('"x${null}"', "${null} is null; only strings, numbers and bools can be written into a string"),
        ('"x${var.stages}"',
         "${var.stages} is a list; only strings, numbers and bools can be written into a string"),
        ("{(null) = 1}", "the object key (null) is null where a string is required"),
    ],
)  # fmt: skip
def test_what_terraform_rejects_is_an_unknown_that_says_so(expr, reason):
    assert rejected(expr) == reason


def test_an_unknown_operand_makes_the_operation_unknown_and_reads_as_its_source():
    assert ev("var.a + 1") == Unknown(no_value("a"), "${var.a + 1}")
    assert ev('var.a == "x"') == Unknown(no_value("a"), '${var.a == "x"}')
    assert ev("-var.a") == Unknown(no_value("a"), "${-var.a}")
    assert ev("var.a && true") == Unknown(no_value("a"), "${var.a && true}")
    assert ev("[1, var.a] == [2, var.a]") is False  # a known difference decides


def test_a_condition_that_is_unknown_names_itself_in_the_reason():
    expected = Unknown(f"depends on var.enabled: {no_value('enabled')}", '${var.enabled ? "a" : "b"}')
    assert ev('var.enabled ? "a" : "b"') == expected
    # a branch Terraform would reject is no reason to reject while the condition is unknown
    assert ev("var.enabled ? local.empty[0] : 1").reason == f"depends on var.enabled: {no_value('enabled')}"


def test_dividing_by_zero_and_huge_numbers_stop_without_a_guess():
    assert ev("1 / 0").reason.startswith("the expression divides by zero (1 / 0)")
    assert ev("pow(10, 400)") == Unknown(values.TOO_BIG_NUMBER)
    assert ev("1" + "0" * 500) == Unknown(values.TOO_BIG_NUMBER)


# -- strings, templates, heredocs ------------------------------------------------------------------------


def test_interpolation_writes_numbers_and_bools_as_terraform_does():
    assert ev('"${1.5}-${2.0}-${true}-${10 / 4}-${var.name}"') == "1.5-2-true-2.5-app"
    assert ev('"${var.stages}"') == ["build", "test", "prod"]  # a lone interpolation is the value itself
    assert ev('"${null}"') is None


def test_an_unknown_string_keeps_its_known_parts_with_each_unknown_part_as_its_source():
    arn = '"arn:aws:iam::${var.prod_account}:role/deploy"'
    assert ev(arn) == Unknown(no_value("prod_account"), "arn:aws:iam::${var.prod_account}:role/deploy")
    assert ev('"${local.arn}/x"') == Unknown(no_value("a"), "arn:aws:iam::${var.a}:role/r/x")
    assert ev('"${local.arn}"') == Unknown(no_value("a"), "arn:aws:iam::${var.a}:role/r")
    mixed = '"p-${upper(var.a)}-${aws_s3_bucket.this.id}"'
    assert ev(mixed) == Unknown(no_value("a"), "p-${upper(var.a)}-${aws_s3_bucket.this.id}")
    assert ev('"${ var.a }"') == Unknown(no_value("a"), "${var.a}")
    assert ev("var.a") == Unknown(no_value("a"), "${var.a}")


def test_template_directives():
    assert ev('"%{ if var.name == "app" }yes%{ else }no%{ endif }"') == "yes"
    assert ev('"%{ for i, s in var.stages }${i}:${s},%{ endfor }"') == "0:build,1:test,2:prod,"
    assert ev('"%{ for s in var.stages ~} ${s} %{~ endfor }"') == "buildtestprod"
    assert ev('"[%{ if v == \\"a\\" }A%{ endif }]"', Bound(DictScope(VALUES), {"v": "a"})) == "[A]"
    assert ev('"%{ for k, v in var.tags }${k}=${v};%{ endfor }"') == "env=prod;team=web;"
    assert ev('"a%{ if var.on }b%{ endif }"') == Unknown(f"depends on var.on: {no_value('on')}")
    assert rejected('"%{ if true }x"') == "the template has an %{if} without its %{endif}"
    unmatched = "the template has an %{endfor} that does not match its %{if} or %{for}"
    assert rejected('"x%{ endfor }"') == unmatched


def test_heredocs_evaluate_their_interpolations_and_the_dash_form_strips_common_indentation():
    plain = 'x = <<EOT\n  hello ${var.name}\n  $${literal} ${join("}", ["a", "b"])}\nEOT\n'
    node, _ = parse(plain[4:])
    assert evaluate(node, DictScope(VALUES), plain) == "  hello app\n  ${literal} a}b\n"  # type: ignore
    loop = "%{ for s in var.stages }${s} %{ endfor }"
    indented = f"<<-EOT\n    first ${{upper(var.name)}}\n      second\n\n    {loop}\n  EOT\n"
    assert ev(indented) == "first APP\n  second\n\nbuild test prod \n"
    assert ev("<<-EOT\n    a\n    %{~ if true ~}\n    b\n    %{~ endif }\n    EOT\n") == "ab\n"
    assert ev("<<-EOT\n    role ${var.acct}\n    EOT\n") == Unknown(no_value("acct"), "role ${var.acct}\n")
    assert rejected("<<EOT\n${var.a\nEOT\n") == "the heredoc has a ${ without its closing }"
    assert ev("<<EOT\n${[[}\nEOT\n") == Unknown("pipelint could not read ${[[} in the heredoc")


# -- references, splats, for expressions -----------------------------------------------------------------


def test_references_are_resolved_through_the_scope_and_the_rest_is_traversed():
    scope = DictScope(VALUES)
    assert ev("local.accounts.prod", scope) == "222222222222"
    assert scope.asked == [("local", ("accounts", "prod"))]
    assert ev('local.accounts["dev"]') == "111111111111"
    assert ev("local.objs[1].tags[0]") == "c"
    assert ev("local.objs.0.id") == 1
    assert ev("aws_s3_bucket.this.id") == Unknown(AFTER_APPLY, "${aws_s3_bucket.this.id}")
    assert ev("local.accounts[var.env]") == Unknown(no_value("env"), "${local.accounts[var.env]}")
    assert ev("var.config.stages[0]") == Unknown(no_value("config"), "${var.config.stages[0]}")
    assert ev("somewhere") == Unknown("somewhere is not known to the test scope", "${somewhere}")


@pytest.mark.parametrize(
    "expr, reason",
    [
        ("local.accounts.qa", 'local.accounts has no attribute or key "qa"'),
        ("local.objs[2]", "local.objs[2] is out of range: the list has 2 elements"),
        ("local.objs.name", 'local.objs is a list; it has no attribute "name"'),
        ("local.objs[0.5]", "local.objs is a list; its index must be whole, not [0.5]"),
        ("local.nothing.id", "local.nothing is null, so it has no .id"),
        ("var.name[0]", "var.name is a string; it has no [0]"),
        ("local.objs[null]", "the index [null] is null, not a key or a number"),
        ("toset([1])[0]", "toset([1]) is a set; Terraform cannot reach an element of a set by index"),
    ],
)
def test_missing_keys_and_bad_indexes_are_rejected(expr, reason):
    assert rejected(expr) == reason


def test_splats():
    assert ev("local.objs[*].id") == [1, 2]
    assert ev("local.objs.*.id") == [1, 2]
    assert ev("local.objs[*].tags[0]") == ["a", "c"]
    assert ev("local.objs.*.tags[0]") == ["a", "b"]  # the old form indexes the result, as Terraform does
    assert ev("local.nothing[*]") == []
    assert ev("var.tags[*]") == [{"team": "web", "env": "prod"}]
    assert ev("[aws_s3_bucket.this][*].id") == [Unknown(AFTER_APPLY, "${aws_s3_bucket.this.id}")]
    assert ev("var.list[*].id") == Unknown(no_value("list"), "${var.list[*].id}")
    assert rejected("local.objs[*].name") == 'local.objs[0] has no attribute or key "name"'


def test_for_expressions():
    assert ev('[for i, s in var.stages : "${i}:${s}"]') == ["0:build", "1:test", "2:prod"]
    assert ev("[for k, v in var.tags : k]") == ["env", "team"]  # keys in lexical order
    assert ev("[for v in var.tags : v]") == ["prod", "web"]
    assert ev('[for s in var.stages : upper(s) if s != "test"]') == ["BUILD", "PROD"]
    assert ev("{for s in var.stages : s => length(s)}") == {"build": 5, "test": 4, "prod": 4}
    assert ev("{for s in var.stages : length(s) => s...}") == {"5": ["build"], "4": ["test", "prod"]}
    assert ev('[for k, v in toset(["b", "a"]) : "${k}${v}"]') == ["aa", "bb"]
    assert ev("{for o in local.objs : o.id => o.tags if o.id > 1}") == {"2": ["c"]}
    x = Unknown(no_value("x"), "${var.x}")
    assert ev("{for s in var.stages : s => var.x}") == {"build": x, "test": x, "prod": x}


def test_for_expressions_that_cannot_be_decided_or_that_terraform_rejects():
    assert ev("[for s in var.more : s]") == Unknown(no_value("more"), "${[for s in var.more : s]}")
    filtered = "[for s in var.stages : s if var.on]"
    assert ev(filtered) == Unknown(f"depends on var.on: {no_value('on')}", f"${{{filtered}}}")
    twice = 'the for expression makes the key "4" twice (group with ...)'
    assert rejected("{for s in var.stages : length(s) => s}") == twice
    null = "local.nothing is null, which a for expression cannot walk"
    assert rejected("[for s in local.nothing : s]") == null


# -- limits ----------------------------------------------------------------------------------------------


def test_the_budget_refuses_big_products_before_building_them():
    assert ev("setproduct(range(1024), range(1024))") == Unknown(TOO_MANY)
    assert ev("length(setproduct(range(500), range(600)))") == 300_000  # three values each: within


def test_the_budget_stops_nested_for_expressions(monkeypatch):
    expr = "length(flatten([for a in range(200) : [for b in range(200) : b]]))"
    assert ev(expr) == 40_000
    monkeypatch.setattr(values, "MAX_VALUES", 10_000)
    assert ev(expr) == Unknown("the expression builds more than 10,000 values; pipelint stops evaluating it")


def test_long_strings_are_refused_before_they_are_built():
    assert ev('indent(10000000, "a\\nb")') == Unknown(TOO_LONG)
    assert ev('format("%20000000s", "a")') == Unknown(TOO_LONG)
    assert ev('join("", [for i in range(1000) : local.big])') == Unknown(TOO_LONG)
    assert ev('"%{ for i in range(1000) }${local.big}%{ endfor }"') == Unknown(TOO_LONG)
    assert len(ev('join("", [for i in range(400) : local.big])')) == 8_000_000  # type: ignore[arg-type]


NESTED = {
    "parentheses": lambda n: "(" * n + "1" + ")" * n,
    "lists": lambda n: "[" * n + "]" * n,
    "interpolations": lambda n: '"${' * n + "1" + '}"' * n,
    "calls": lambda n: "upper(" * n + '"a"' + ")" * n,
    "conditionals": lambda n: "true ? " * n + "1" + " : 2" * n,
    "directives": lambda n: '"' + "%{ if true }" * n + "x" + "%{ endif }" * n + '"',
}


@pytest.mark.parametrize("kind", NESTED)
def test_nesting_deeper_than_the_limit_is_refused_and_never_crashes(kind):
    build = NESTED[kind]
    assert not isinstance(ev(build(expressions.MAX_DEPTH - 2)), Unknown)
    assert ev(build(expressions.MAX_DEPTH + 1)) == Unknown(TOO_DEEP)
    hostile = 10_000 if kind in ("parentheses", "lists") else 1_000  # the parser is the slow part
    assert ev(build(hostile)) == Unknown(TOO_DEEP)


def test_a_long_chain_of_operators_or_steps_needs_no_recursion():
    assert ev("1" + " + 1" * 5_000) == 5_001
    assert rejected("local.objs" + "[0]" * 5_000) == 'local.objs[0] has no attribute or key "0"'


def test_values_nested_too_deep_to_walk_are_refused():
    deep = "[" * 150 + "]" * 150
    assert ev(f'jsondecode("{deep}")') == Unknown(values.TOO_DEEP_VALUE)


def test_a_scope_that_fails_unexpectedly_gives_an_unknown_not_a_crash():
    class Broken:
        def resolve(self, root, steps):
            raise KeyError(root)

    assert ev("var.a", Broken()) == Unknown("pipelint could not evaluate this expression (KeyError: 'var')")


# -- literal, traverse, Bound ----------------------------------------------------------------------------


def test_literal_evaluates_constants_and_refuses_references_and_calls():
    node, text = parse('{a = [1, "x"], b = "n${1 + 1}", c = [for v in [1, 2] : v * 2]}')
    assert literal(node, text) == {"a": [1, "x"], "b": "n2", "c": [2, 4]}
    node, text = parse('"arn:${var.account}"')
    assert literal(node, text) == Unknown(f"var.account is a reference, but {TFVARS}", "arn:${var.account}")
    node, text = parse('upper("a")')
    assert literal(node, text) == Unknown(f"upper() is a function call, but {TFVARS}", '${upper("a")}')


def test_traverse_steps_through_values_and_unknowns():
    value = {"stages": [{"name": "build"}]}
    assert traverse(value, ("stages", 0, "name"), "local.p") == "build"
    assert traverse(value, ("stages", "0"), "local.p") == {"name": "build"}
    assert traverse(Unknown("why"), ("a", 0, "b c"), "var.x") == Unknown("why", '${var.x.a[0]["b c"]}')
    key = Unknown("which", "${var.k}")
    assert traverse(value, (key,), "local.p") == Unknown("which", "${local.p[var.k]}")
    with pytest.raises(EvalError, match=r'local.p.stages\[0\] has no attribute or key "id"'):
        traverse(value, ("stages", 0, "id"), "local.p")


def test_bound_names_shadow_the_parent_and_the_rest_falls_through():
    scope = Bound(DictScope(VALUES), {"each": {"key": "k", "value": {"n": 1}}})
    assert ev("each.value.n", scope) == 1
    assert ev("var.name", scope) == "app"
    assert scope.resolve("each", ("key",)) == ("k", 1)


def test_a_bare_token_is_an_expression_too():
    node, text = parse("7")  # expr_term(int_lit(INT_LITERAL))
    assert evaluate(node.children[0].children[0], DictScope({}), text) == 7  # type: ignore[attr-defined]
