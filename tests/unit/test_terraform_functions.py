"""Terraform functions: their values, what Terraform rejects, and unknowns that keep what can still be known."""

from __future__ import annotations

import pytest

from checker.model.values import Unknown
from tests.unit.terraform_expr import SET, no_value, VALUES, DictScope, ev, rejected


# -- functions -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr, expected",
    [
        # numbers
        ("abs(-1.5)", 1.5), ("ceil(1.2)", 2), ("floor(-1.2)", -2), ("max(1, 5, 3)", 5), ("max([1, 9]...)", 9),
        ("min(4, -2)", -2), ("signum(-3)", -1), ('parseint("ff", 16)', 255), ('parseint("-101", 2)', -5),
        ('parseint("zz", 36)', 1295), ('parseint("Z", 62)', 61), ("pow(2, 10)", 1024), ("pow(4, 0.5)", 2),
        # strings
        ('chomp("a\\n\\r\\n")', "a"), ('format("%s-%03d", "a", 7)', "a-007"),
        ('format("%.2f|%5s|%-3s|", 3.14159, "ab", "c")', "3.14|   ab|c  |"),
        ('format("%t %q %#v %v", true, "x", {a = 1}, [1])', 'true "x" {"a":1} [1]'),
        ('format("%x %X %#x %o %b %e %+d", 255, 255, 255, 8, 5, 1234.5, 3)',
         "ff FF 0xff 10 101 1.234500e+03 +3"),
        ('format("%g %g %g %%", 1234567.0, 0.5, 100000)', "1.234567e+06 0.5 100000 %"),
        ('format("%[2]s %[1]s", "a", "b")', "b a"), ('formatlist("%s-%s", ["a", "b"], "x")', ["a-x", "b-x"]),
        ('indent(2, "a\\nb\\n")', "a\n  b\n  "), ('join(",", ["a", "b"], ["c", 1])', "a,b,c,1"),
        ('lower("ÀB")', "àb"), ('upper("ab")', "AB"), ('replace("a-b-c", "-", "+")', "a+b+c"),
        ('split(",", "a,b,,c")', ["a", "b", "", "c"]), ('split("", "ab")', ["a", "b"]),
        ('substr("hello world", 1, 4)', "ello"), ('substr("hello", -3, -1)', "llo"),
        ('substr("hello", 10, 2)', ""),
        ('title("hello world-wide_x")', "Hello World-Wide_x"), ('trim("?!hello?!", "!?")', "hello"),
        ('trimprefix("v1.2", "v")', "1.2"), ('trimsuffix("a.tf", ".tf")', "a"),
        ('trimspace(" \\n a \\t")', "a"),
        ('startswith("arn:aws", "arn:")', True), ('endswith("a.tf", ".json")', False),
        ('strcontains("abc", "b")', True), ('strrev("abc")', "cba"),
        # collections
        ('alltrue([true, "true"])', True), ("alltrue([])", True), ("alltrue([false, var.a])", False),
        ("anytrue([var.a, true])", True), ("anytrue([])", False), ("anytrue([null, false])", False),
        ('chunklist(["a", "b", "c"], 2)', [["a", "b"], ["c"]]), ("chunklist([1], 0)", [[1]]),
        ('coalesce(null, "", "b")', "b"), ('coalesce(1, "x")', "1"), ('coalescelist([], null, ["a"])', ["a"]),
        ('compact(["a", "", null, "b", 1])', ["a", "b", "1"]), ("concat([1], [2, 3], [])", [1, 2, 3]),
        ('contains(["a", "b"], "b")', True), ('contains([var.a, "b"], "b")', True),
        ("contains([], var.a)", False),
        ('distinct(["a", "b", "a", 1, "1"])', ["a", "b", 1, "1"]), ('element(["a", "b", "c"], 4)', "b"),
        ('element(["a", "b"], -1)', "b"), ("flatten([[1, [2]], 3, []])", [1, 2, 3]),
        ('index(["a", "b"], "b")', 1),
        ("keys({b = 1, a = 2})", ["a", "b"]), ("values({b = 1, a = 2})", [2, 1]), ('length("héllo")', 5),
        ("length({a = 1})", 1), ("length([var.a, 1])", 2), ('lookup({a = 1}, "b", 0)', 0),
        ('lookup({a = var.q, b = 2}, "b")', 2), ("merge({a = 1, b = 1}, null, {b = 2})", {"a": 1, "b": 2}),
        ("one([])", None), ('one(["x"])', "x"), ("range(3)", [0, 1, 2]), ("range(1, 4)", [1, 2, 3]),
        ("range(5, 1)", [5, 4, 3, 2]), ("range(0, 1, 0.25)", [0, 0.25, 0.5, 0.75]),
        ("length(range(1024))", 1024),
        ("reverse([1, 2, 3])", [3, 2, 1]), ('slice(["a", "b", "c", "d"], 1, 3)', ["b", "c"]),
        ('sort(["b", "a", "10", 9])', ["10", "9", "a", "b"]), ('sum([1, 2.5, "3"])', 6.5),
        ('setunion(["b"], ["a", "b"])', SET(["a", "b"])),
        ('setintersection(["a", "b", "c"], ["d", "c", "b"])', SET(["b", "c"])),
        ('setsubtract(["a", "b"], ["a"])', SET(["b"])),
        ('setproduct(["a", "b"], [1, 2])', [["a", 1], ["a", 2], ["b", 1], ["b", 2]]),
        ('transpose({a = ["1", "2"], b = ["2", "3"]})', {"1": ["a"], "2": ["a", "b"], "3": ["b"]}),
        # encodings
        ('jsonencode({a = 1, b = [true, null, 1.5], c = "<x>"})',
         '{"a":1,"b":[true,null,1.5],"c":"\\u003cx\\u003e"}'),
        ("jsonencode(1)", "1"),
        ('jsondecode("{\\"a\\": [1, 2.5, null, \\"s\\"]}")', {"a": [1, 2.5, None, "s"]}),
        ('base64encode("hé")', "aMOp"), ('base64decode("aMOp")', "hé"),
        ('urlencode("a b&c/é")', "a+b%26c%2F%C3%A9"),
        # conversions
        ('tobool("true")', True), ('tonumber("1.5")', 1.5), ("tostring(1)", "1"), ("tostring(null)", None),
        ('tolist(["a", 1])', ["a", "1"]), ('tomap({a = 1, b = "x"})', {"a": "1", "b": "x"}),
        ("toset([2, 1, 2])", SET([1, 2])),
        # try and can
        ('try(local.accounts.qa, "none")', "none"), ('try(local.accounts.dev, "none")', "111111111111"),
        ("try(local.objs[5].id, local.objs[0].id)", 1), ("can(local.accounts.qa)", False),
        ("can(local.accounts.dev)", True),
    ],
)  # fmt: skip
def test_functions(expr, expected):
    value = ev(expr)
    assert value == expected and type(value) is type(expected), value


@pytest.mark.parametrize(
    "expr, reason",
    [
        ('parseint("12", 2)', 'parseint(): "12" is not a base 2 integer'),
        ('format("%s", "a", "b")', "format(): too many arguments: the format specification uses 1 of 2"),
        ('format("%d", 1.5)', "format(): the argument is 1.5 where a whole number is required"),
        ('format("%s %s", "a")', "format(): not enough arguments for %s (argument 2)"),
        ('coalesce(null, "")', "coalesce(): all arguments are null or empty strings"),
        ('index(["a"], "z")', "index(): the value is not in the list"),
        ('lookup({a = 1}, "b")', 'lookup(): the map has no key "b" and no default is given'),
        ("one([1, 2])", "one(): the list has 2 elements; one() takes a list of at most one"),
        ("range(0, 1025)", "range(): more than 1024 values were generated; Terraform stops range() there"),
        ("range(1, 0, 1)", "range(): the limit is on the wrong side of the start for the step's sign"),
        ("slice([1], 0, 2)", "slice(): [0:2] is not a slice of a list of 1 elements"),
        ("sum([])", "sum(): the list is empty; there is nothing to sum"),
        ('jsondecode("{")', "jsondecode(): the string is not JSON: Expecting property name enclosed in "
                            "double quotes at line 1 column 2"),
        ('base64decode("!!")', "base64decode(): the string is not base64"),
        ('tonumber("x")', 'tonumber(): the value is "x", which is not a number'),
        ("tolist({})", "tolist(): an object cannot be converted to a list"),
        ("length(1)", "length(): a number has no length"),
        ("upper()", "upper() takes 1 argument, not 0"),
        ("lookup({})", "lookup() takes 2 to 3 arguments, not 1"),
        ("try(local.accounts.qa)",
         'no argument of try() can be evaluated; the last: local.accounts has no attribute or key "qa"'),
        ("concat([1], 2)", "concat(): argument 2 is a number where a list is required"),
        ("max(1, [[2]]...)", "max(): the value is a list where a number is required"),
    ],
)  # fmt: skip
def test_functions_reject_what_terraform_rejects(expr, reason):
    assert rejected(expr) == reason


def test_an_unknown_argument_makes_the_result_unknown_with_the_call_as_its_text():
    assert ev("upper(var.a)") == Unknown(no_value("a"), "${upper(var.a)}")
    assert ev("length(var.a)") == Unknown(no_value("a"), "${length(var.a)}")
    assert ev('sort(["b", var.a])') == Unknown(no_value("a"), '${sort(["b", var.a])}')
    assert ev("alltrue([true, var.a])") == Unknown(no_value("a"), "${alltrue([true, var.a])}")
    assert ev('contains([var.a], "c")') == Unknown(no_value("a"), '${contains([var.a], "c")}')
    assert ev('coalesce(null, "", var.a, "x")') == Unknown(no_value("a"), '${coalesce(null, "", var.a, "x")}')
    assert ev("flatten([var.a])") == Unknown(no_value("a"), "${flatten([var.a])}")
    assert ev("max(var.list...)") == Unknown(no_value("list"), "${max(var.list...)}")
    assert ev("toset([var.a])") == Unknown(no_value("a"), "${toset([var.a])}")


def test_functions_that_terraform_can_still_decide_keep_the_known_parts():
    q = Unknown(no_value("q"), "${var.q}")
    assert ev("merge({a = var.q}, {b = 1})") == {"a": q, "b": 1}
    assert ev("concat([var.q], [1])") == [q, 1]
    assert ev('zipmap(["a", "b"], [1, var.q])') == {"a": 1, "b": q}
    assert ev('lookup({a = 1}, "b", var.q)') == q
    arn = Unknown(no_value("q"), "arn:aws:iam::${var.q}:role/deploy")
    assert ev('format("arn:aws:iam::%s:role/%s", var.q, "deploy")') == arn
    padded = 'format("%05s", var.q)'  # where the unknown text would go is unknown too
    assert ev(padded) == Unknown(no_value("q"), f"${{{padded}}}")
    joined = Unknown(no_value("q"), "a/${var.q}/arn:aws:iam::${var.a}:role/r")
    assert ev('join("/", ["a", var.q, local.arn])') == joined


def test_jsonencode_of_unknowns_is_json_a_caller_can_still_parse():
    codebuild = 'jsonencode([{name = "X", value = var.y, type = "PLAINTEXT"}])'
    assert ev(codebuild) == Unknown(no_value("y"), '[{"name":"X","type":"PLAINTEXT","value":"${var.y}"}]')
    policy = Unknown(no_value("a"), '{"arn":"arn:aws:iam::${var.a}:role/r/*"}')
    assert ev('jsonencode({arn = "${local.arn}/*"})') == policy
    assert ev("jsonencode(var.doc)") == Unknown(no_value("doc"), "${jsonencode(var.doc)}")
    scope = DictScope({**VALUES, "local.doc": {"Statement": [{"Resource": Unknown("no text")}]}})
    written = '{"Statement":[{"Resource":"${local.doc.Statement[0].Resource}"}]}'
    assert ev("jsonencode(local.doc)", scope) == Unknown("no text", written)


def test_jsonencode_writes_object_keys_in_sorted_order_as_terraform_does():
    assert ev('jsonencode({name = "X", value = "v", type = "T"})') == '{"name":"X","type":"T","value":"v"}'
    nested = 'jsonencode({b = {z = 1, "Y" = 2}, a = [{d = 1, c = 2}], "10" = 0, "9" = 0, "é" = 0, "_" = 0})'
    sorted_bytewise = '{"10":0,"9":0,"_":0,"a":[{"c":2,"d":1}],"b":{"Y":2,"z":1},"é":0}'  # as Go sorts
    assert ev(nested) == sorted_bytewise
    assert ev("jsonencode(merge({z = 1}, {a = var.q}))") == Unknown(no_value("q"), '{"a":"${var.q}","z":1}')
    assert ev('format("%v", {b = 1, a = 2})') == '{"a":2,"b":1}'  # format's %v writes JSON as jsonencode does


def test_try_and_can_are_undecided_while_their_argument_is_unknown():
    assert ev('try(var.a, "x")') == Unknown(no_value("a"), '${try(var.a, "x")}')
    assert ev('try([var.a], "x")') == Unknown(no_value("a"), '${try([var.a], "x")}')
    assert ev("can(var.a.b)") == Unknown(no_value("a"), "${can(var.a.b)}")


@pytest.mark.parametrize(
    "expr, reason",
    [
        ('templatefile("t.tpl", {})', "the function templatefile is not evaluated by pipelint"),
        ('file("x")', "the function file is not evaluated by pipelint"),
        ("timestamp()", "the function timestamp is not evaluated by pipelint"),
        ("uuid()", "the function uuid is not evaluated by pipelint"),
        ('regex("a+", "aa")', "the function regex is not evaluated by pipelint"),
        ('provider::aws::arn_parse("x")',
         "the function provider::aws::arn_parse is not evaluated by pipelint"),
        ('replace("abc", "/b/", "x")',
         "replace() with a regular expression (a pattern in /.../) is not evaluated by pipelint"),
    ],
)  # fmt: skip
def test_functions_pipelint_does_not_evaluate_give_an_unknown_with_the_call_as_text(expr, reason):
    assert ev(expr) == Unknown(reason, f"${{{expr}}}")
