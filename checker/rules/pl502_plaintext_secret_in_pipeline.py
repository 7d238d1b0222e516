from __future__ import annotations

import re
from collections.abc import Iterator

from checker.analysis.deploys import build_variables
from checker.model import Pipeline, Severity, Unknown
from checker.rules.base import Rule, RuleContext, Verdict

SECRET_NAME = re.compile(r"(?i)(pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credential|access[-_]?key)")
# A name that refers to a secret rather than holding it: GITHUB_TOKEN_SECRET_ARN, DB_PASSWORD_PARAM.
REFERENCE_NAME = re.compile(r"(?i)(arn|name|id|path|param(eter)?|url|uri|region|file|ref|location|type)$")
MASKED = re.compile(r"^\*+$")


def literal_secret(name: str, value: object) -> bool:
    if not SECRET_NAME.search(name) or REFERENCE_NAME.search(name):
        return False
    if not isinstance(value, str) or isinstance(value, Unknown):
        return False  # a parameter without default (NoEcho), an import, a dynamic value
    text = value.strip()
    return bool(text) and "{{resolve:" not in text and not MASKED.match(text) and not text.startswith("arn:")


class PlaintextSecretInPipeline(Rule):
    """A token, password or secret is written literally in the pipeline definition.

    Looked at: action configuration values with secret-like names (`OAuthToken`, `Password`, `SecretToken`,
    ...) and CodeBuild `EnvironmentVariables` of type `PLAINTEXT` (or no type) with secret-like names. A
    CloudFormation dynamic reference (`{{resolve:secretsmanager:...}}`), a parameter without a default, and
    the `****` that `get-pipeline` prints are not literals.

    ## Why is this bad?
    Whatever is in the definition is in the repository, in `get-pipeline` output, in CloudFormation's stored
    template and in every fork. A token there is a token leaked.

    ## Example
    `Configuration: {OAuthToken: ghp_0123456789abcdef}`; `EnvironmentVariables:
    '[{"name":"DB_PASSWORD","value":"hunter2","type":"PLAINTEXT"}]'`.

    ## Use instead
    `{{resolve:secretsmanager:github-token}}`, a `NoEcho` parameter without a default, a CodeStar connection
    instead of an OAuth token, or a CodeBuild variable of type `SECRETS_MANAGER` or `PARAMETER_STORE`.
    """

    code = "PL502"
    name = "plaintext-secret-in-pipeline"
    severity = Severity.HIGH

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        found = False
        for facts in ctx.actions(pipeline):
            config = facts.action.configuration
            for key, value in config.items():
                if key != "EnvironmentVariables" and literal_secret(key, value):
                    found = True
                    yield self.failed(facts.action.configuration_ref(key),
                                      f"{facts.label} has a literal {key} in its configuration")
            for item in build_variables(config.get("EnvironmentVariables")):
                name, kind = str(item.get("name", "")), str(item.get("type", "PLAINTEXT"))
                if kind == "PLAINTEXT" and literal_secret(name, item.get("value")):
                    found = True
                    yield self.failed(facts.action.configuration_ref("EnvironmentVariables"),
                                      f"{facts.label} passes {name} as a PLAINTEXT CodeBuild variable")
        if not found:
            yield self.passed("no literal token, password or secret in the pipeline's actions")
