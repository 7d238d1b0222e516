"""A CloudFormation template as read: parameters, conditions, mappings, resources (not yet evaluated), and the
facts about resource types that evaluation needs (what `Ref` returns, the shape of ARNs)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

PSEUDO_DEFAULTS = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
PSEUDO = {"AWS::AccountId", "AWS::Region", "AWS::StackName", "AWS::StackId", "AWS::NotificationARNs", *PSEUDO_DEFAULTS}

# The property that holds the name `Ref` returns, where `Ref` returns a name.
NAME_PROPERTY = {
    "AWS::CodeDeploy::Application": "ApplicationName",
    "AWS::CodeDeploy::DeploymentGroup": "DeploymentGroupName",
    "AWS::CodeDeploy::DeploymentConfig": "DeploymentConfigName",
    "AWS::ECS::Cluster": "ClusterName",
    "AWS::ElasticBeanstalk::Application": "ApplicationName",
    "AWS::ElasticBeanstalk::Environment": "EnvironmentName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::IAM::Role": "RoleName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::CodeBuild::Project": "Name",
    "AWS::CodePipeline::Pipeline": "Name",
    "AWS::KMS::Alias": "AliasName",
}
# ARNs whose shape is known: (service, region?, resource prefix, name property).
ARN_SHAPE = {
    ("AWS::IAM::Role", "Arn"): ("iam", False, "role/", "RoleName"),
    ("AWS::KMS::Key", "Arn"): ("kms", True, "key/", None),
    ("AWS::SNS::Topic", "TopicArn"): ("sns", True, "", "TopicName"),
    ("AWS::SNS::Topic", "Ref"): ("sns", True, "", "TopicName"),
    ("AWS::Lambda::Function", "Arn"): ("lambda", True, "function:", "FunctionName"),
    ("AWS::CodeBuild::Project", "Arn"): ("codebuild", True, "project/", "Name"),
    ("AWS::S3::Bucket", "Arn"): ("s3", False, "", "BucketName"),
}


def param_text(value: object) -> str:
    """Parameter values are strings to CloudFormation: `true`, `120`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: str
    default: str | None
    allowed: tuple[str, ...] | None
    no_echo: bool

    @property
    def is_list(self) -> bool:
        return self.type.startswith("List<") or self.type == "CommaDelimitedList"


class Template:
    """The sections of a template, as read (not yet evaluated)."""

    def __init__(self, value: dict, given: dict[str, str]) -> None:
        self.value = value
        self.given = given
        self.parameters = {name: _parameter(name, raw) for name, raw in _section(value, "Parameters").items()}
        self.conditions = _section(value, "Conditions")
        self.mappings = _section(value, "Mappings")
        self.resources = {k: v for k, v in _section(value, "Resources").items() if isinstance(v, dict)}
        self.globals = _section(value, "Globals")

    @cached_property
    def compared(self) -> dict[str, set[str]]:
        """The constants each parameter is compared with (`Fn::Equals`) anywhere in the conditions."""
        found: dict[str, set[str]] = {}
        stack: list[object] = [self.conditions]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                stack.extend(item.values())
                pair = item.get("Fn::Equals")
                if len(item) == 1 and isinstance(pair, list) and len(pair) == 2:
                    for side, other in ((pair[0], pair[1]), (pair[1], pair[0])):
                        if isinstance(side, dict) and isinstance(side.get("Ref"), str) and isinstance(other, (str, int, bool)):
                            found.setdefault(side["Ref"], set()).add(param_text(other))
        return found

    def resource_type(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        kind = resource.get("Type") if resource else None
        return kind if isinstance(kind, str) else None


def _section(value: dict, name: str) -> dict:
    section = value.get(name)
    return section if isinstance(section, dict) else {}


def _parameter(name: str, raw: object) -> Parameter:
    raw = raw if isinstance(raw, dict) else {}
    allowed = raw.get("AllowedValues")
    default = raw.get("Default")
    return Parameter(
        name=name,
        type=str(raw.get("Type", "String")),
        default=None if default is None or isinstance(default, (dict, list)) else param_text(default),
        allowed=tuple(param_text(v) for v in allowed) if isinstance(allowed, list) else None,
        no_echo=str(raw.get("NoEcho", "false")).lower() == "true",
    )
