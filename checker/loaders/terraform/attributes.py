"""What the AWS provider computes for a resource or data source, as far as the configuration decides it.

`aws_iam_role.deploy.arn` is `arn:aws:iam::<account>:role/<name>`: known when the provider's account and the
role's name are; otherwise an Unknown whose text keeps the known parts (`arn:aws:iam::${provider.aws.account_id}:
role/deploy`), so that two roles of one provider are still known to share an account. Ids the provider makes up
(`aws_kms_key.x.key_id`) stay Unknown with a stable text. Anything not listed here is known only after apply.
"""

from __future__ import annotations

from typing import Callable

from checker.model import Unknown
from checker.model.values import as_text

MAX_INSTANCES = 1000  # instances of one resource (count, for_each) pipelint reads

# Attributes whose written argument is not what the provider reports (none so far; kept for the lookup).
COMPUTED_OVER_ARGUMENT: dict[str, tuple[str, ...]] = {}

Own = Callable[[str], object]


def _join(*parts: object) -> object:
    """Parts of a string, known or not: a str when all are known, else an Unknown whose text keeps them."""
    texts, reason = [], None
    for part in parts:
        if isinstance(part, Unknown):
            reason = reason or part.reason
            texts.append(part.text if part.text is not None else "${?}")
        elif part is None:
            return None
        else:
            texts.append(str(part))
    text = "".join(texts)
    return text if reason is None else Unknown(reason, text)


def _later(address: str, attr: str) -> Unknown:
    return Unknown(f"{address}.{attr} is known only after apply", f"${{{address}.{attr}}}")


def _name(own: Own, address: str, *arguments: str) -> object:
    for argument in arguments:
        value = own(argument)
        if value is not None:
            return value
    return Unknown(f"the name Terraform generates for {address}", f"${{{address}.name}}")


def computed(kind: str, address: str, attr: str, own: Own, account: object, region: object) -> object:
    """A resource attribute that is not written as an argument (or is derived from them)."""
    if kind == "aws_iam_role":
        name = _name(own, address, "name")
        if attr in ("name", "id"):
            return name
        if attr == "arn":
            path = own("path") or "/"
            return _join("arn:aws:iam::", account, f":role{path}", name)
    if kind == "aws_kms_key":
        key_id = _later(address, "key_id")
        if attr in ("key_id", "id"):
            return key_id
        if attr == "arn":
            return _join("arn:aws:kms:", region, ":", account, ":key/", key_id)
    if kind == "aws_kms_alias":
        name = own("name") or _later(address, "name")
        if attr == "arn":
            return _join("arn:aws:kms:", region, ":", account, ":", name)
        if attr == "target_key_arn":
            target = own("target_key_id")
            return target if as_text(target) and "arn:" in (as_text(target) or "") else _later(address, attr)
        if attr in ("name", "id"):
            return name
    if kind == "aws_sns_topic":
        name = _name(own, address, "name")
        if attr == "arn" or attr == "id":
            return _join("arn:aws:sns:", region, ":", account, ":", name)
        if attr == "name":
            return name
    if kind == "aws_s3_bucket":
        bucket = _name(own, address, "bucket")
        if attr in ("id", "bucket"):
            return bucket
        if attr == "arn":
            return _join("arn:aws:s3:::", bucket)
    if kind in ("aws_codedeploy_app", "aws_ecs_cluster", "aws_codebuild_project", "aws_elastic_beanstalk_application",
                "aws_elastic_beanstalk_environment", "aws_ecs_service", "aws_appconfig_application"):  # fmt: skip
        name = _name(own, address, "name")
        if attr == "name" or attr == "id" and kind in ("aws_codebuild_project", "aws_elastic_beanstalk_application"):
            return name
        if attr == "arn" and kind == "aws_ecs_cluster":
            return _join("arn:aws:ecs:", region, ":", account, ":cluster/", name)
    if kind == "aws_codedeploy_deployment_group":
        if attr == "deployment_group_name":
            return own("deployment_group_name")
        if attr == "app_name":
            return own("app_name")
    if kind == "aws_codedeploy_deployment_config" and attr in ("id", "deployment_config_name"):
        return own("deployment_config_name") or _later(address, attr)
    if kind == "aws_lambda_function" and attr in ("function_name", "id"):
        return _name(own, address, "function_name")
    if kind == "aws_codepipeline" and attr in ("name", "id"):
        return _name(own, address, "name")
    return _later(address, attr)


def data(kind: str, address: str, attr: str, own: Own, account: object, region: object) -> object:
    """A data source's attribute: the caller's identity, the region and partition; the rest is read at plan time."""
    if kind == "aws_caller_identity" and attr in ("account_id", "id"):
        return account
    if kind == "aws_region" and attr in ("name", "region", "id"):
        return own("name") or region
    if kind == "aws_partition" and attr == "partition":
        return "aws"
    if kind == "aws_kms_alias":
        name = own("name")
        if attr == "arn" and name is not None:
            return _join("arn:aws:kms:", region, ":", account, ":", name)
        if attr == "name" and name is not None:
            return name
    if kind == "aws_iam_role" and attr == "arn" and own("name") is not None:
        return _join("arn:aws:iam::", account, ":role/", own("name"))
    return Unknown(f"{address}.{attr} is read from AWS when Terraform plans", f"${{{address}.{attr}}}")
