"""Small generated Terraform modules (python-hcl2 is slow on big inputs): a pipeline, a deployment group,
variables, locals, a .tfvars file and a called module, with any expression in any attribute. The same checks as
for mutated files (tests/fuzz/support.py: check)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.support import WORDS, check, text, write

REFERENCES = ("var.x", "var.stages", "local.y", "local.accounts.prod", "each.value", "each.key", "count.index",
              "module.m.name", "aws_iam_role.r.arn", "data.aws_caller_identity.c.account_id", "path.module",
              "stage.value", "var.x[0]", "local.y[*].name", "self")  # fmt: skip
FUNCTIONS = ("jsonencode", "merge", "concat", "lookup", "format", "replace", "length", "toset", "tolist", "coalesce",
             "try", "can", "range", "flatten", "element", "join", "split", "upper", "zipmap", "keys", "regex", "file",
             "templatefile", "nosuchfunction")  # fmt: skip


def string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON's escapes are HCL's, but for the odd \ud83d pair


atom = st.one_of(
    st.one_of(st.sampled_from(WORDS), text).map(string),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(("true", "false", "null", "1e400", "-0", "0.5", "[]", "{}", '"${var.x}-prod"',
                     '"%{ if true }a%{ endif }"', "<<-EOT\n  prod ${var.x}\n  EOT\n")),
    st.sampled_from(REFERENCES),
)  # fmt: skip


def compound(e: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(e, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.dictionaries(st.sampled_from(("name", "prod", "a-b", '"quoted key"')), e, max_size=2).map(
            lambda d: "{ " + ", ".join(f"{k} = {v}" for k, v in d.items()) + " }"),
        st.tuples(e, e, e).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
        st.tuples(st.sampled_from(FUNCTIONS), st.lists(e, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        e.map(lambda x: f"[for s in {x} : s]"),
        e.map(lambda x: f"{{for k, v in {x} : k => v}}"),
        e.map(lambda x: f'"${{{x}}}-prod"'),
        st.tuples(e, st.sampled_from(("[0]", ".name", "[*].id", '["k"]'))).map("".join),
        st.tuples(e, st.sampled_from((" + ", " == ", " && ", " % ")), e).map("".join),
        e.map(lambda x: f"({x})"),
    )  # fmt: skip


expr = st.recursive(atom, compound, max_leaves=5)


def attribute(name: str, good: str) -> st.SearchStrategy[str]:
    return st.one_of(st.just(good), expr).map(lambda v: f"{name} = {v}\n")


def block(kind: str, body: st.SearchStrategy[list[str]]) -> st.SearchStrategy[str]:
    return body.map(lambda lines: f"{kind} {{\n" + "".join(lines) + "}\n")


action = block("action", st.tuples(
    attribute("name", '"Deploy"'), attribute("category", '"Deploy"'), attribute("owner", '"AWS"'),
    attribute("provider", '"CodeDeploy"'), attribute("version", '"1"'), attribute("role_arn", "var.x"),
    attribute("configuration", '{ DeploymentGroupName = "app-prod" }')).map(list))  # fmt: skip
stage = st.one_of(
    block("stage", st.tuples(attribute("name", '"Prod"'), st.lists(action, max_size=2).map("".join)).map(list)),
    block('dynamic "stage"', st.tuples(attribute("for_each", "var.stages"), st.just(
        'content {\nname = stage.value\naction {\nname = "A"\ncategory = "Deploy"\nowner = "AWS"\nprovider = "S3"\n'
        'version = "1"\n}\n}\n')).map(list)),
)  # fmt: skip
pipeline = block('resource "aws_codepipeline" "p"', st.tuples(
    attribute("name", '"app"'), attribute("role_arn", "aws_iam_role.r.arn"),
    st.sampled_from(("", "count = 1\n", "count = 0\n", 'for_each = toset(["a"])\n', "count = var.x\n")),
    block("artifact_store", st.tuples(attribute("location", '"bucket"'), attribute("type", '"S3"')).map(list)),
    st.lists(stage, max_size=3).map("".join)).map(list))  # fmt: skip
rollback = block("auto_rollback_configuration",
                 st.tuples(attribute("enabled", "true"), attribute("events", '["DEPLOYMENT_FAILURE"]')).map(list))
group = block('resource "aws_codedeploy_deployment_group" "g"', st.tuples(
    attribute("app_name", '"app"'), attribute("deployment_group_name", '"app-prod"'),
    attribute("deployment_config_name", '"CodeDeployDefault.AllAtOnce"'), rollback).map(list))  # fmt: skip
module = st.tuples(
    st.lists(st.one_of(pipeline, group), min_size=1, max_size=2).map("".join),
    attribute("default", '"x"').map(lambda a: f'variable "x" {{\n{a}}}\nvariable "stages" {{\ndefault = ["a"]\n}}\n'),
    attribute("y", '[{ name = "a" }]').map(lambda a: f"locals {{\n{a}}}\n"),
    st.sampled_from(("", 'module "m" {\nsource = "./m"\nx = var.x\n}\n', 'module "m" {\nsource = "./nowhere"\n}\n',
                     'module "m" {\nsource = "../.."\n}\n')),
).map("".join)  # fmt: skip
tfvars = st.lists(st.tuples(st.sampled_from(("x", "stages", "unknown_var")), atom), max_size=3).map(
    lambda pairs: "".join(f"{name} = {v}\n" for name, v in pairs)
)


@given(main=module, variables=tfvars, child=st.one_of(st.just(""), module))
def test_generated_terraform_modules(main, variables, child):
    files = {"main.tf": main, "terraform.tfvars": variables}
    if child:
        files["m/main.tf"] = child.replace('source = "./m"', 'source = "../m"')
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), files)
        check(Path(tmp))
