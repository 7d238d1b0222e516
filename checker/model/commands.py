"""Shell commands that deploy, and what they deploy, in the words of the CodePipeline provider that does the same.

`sam deploy --stack-name app-prod` is a CloudFormation deploy of stack app-prod; `aws deploy create-deployment
--application-name web --deployment-group-name web-prod` a CodeDeploy deployment to that group. CI loaders turn
such a command into a Deploy action with that provider and configuration, so the analysis links it to its
target as it links a CodePipeline action; the analysis also uses `find_deploy` for deploys hidden in build
actions. Commands are split as a POSIX shell would split them; a command pipelint cannot split is read as words.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import field

from checker.model import ci
from checker.model.record import record

DEPLOY_COMMANDS = re.compile(  # a quick look in free text; parse_deploy reads a command properly
    r"\b(sam\s+deploy|cdk\s+deploy|aws\s+cloudformation\s+(deploy|create-stack|update-stack|create-change-set|"
    r"execute-change-set)|"
    r"aws\s+deploy\s+create-deployment|aws\s+ecs\s+update-service|aws\s+lambda\s+update-function-code|"
    r"terraform\s+apply|serverless\s+deploy|sls\s+deploy|kubectl\s+apply|helm\s+(upgrade|install)|"
    r"aws\s+s3\s+sync|copilot\s+(svc\s+)?deploy|eb\s+deploy)\b"
)
_SEPARATORS = re.compile(r"&&|\|\||;|\n|(?<!\|)\|(?!\|)")


@record()
class DeployCommand:
    """A command that deploys: the CodePipeline provider that does the same, and its configuration."""

    command: str  # the words that name the tool: "sam deploy"
    provider: str
    configuration: dict[str, str] = field(default_factory=dict)
    role_arn: str | None = None  # a role the command itself is given (--role-arn of CloudFormation: the stack's)
    region: str | None = None


def find_deploy(text: str) -> str | None:
    """The deploy command in a text, as written (`sam deploy`), or None."""
    match = DEPLOY_COMMANDS.search(text)
    return match.group() if match else None


def commands(script: str) -> list[list[str]]:
    """The simple commands of a script, each as its words (line continuations joined)."""
    joined = re.sub(r"\\\r?\n", " ", script)
    found = []
    for part in _SEPARATORS.split(joined):
        part = part.strip()
        if not part or part.startswith("#"):
            continue
        try:
            words = shlex.split(part, comments=True)
        except ValueError:  # an unbalanced quote: read it as words
            words = part.split()
        if words:
            found.append(words)
    return found


def _options(words: list[str]) -> dict[str, str | bool]:
    """`--name value`, `--name=value` and flags, by name without dashes."""
    found: dict[str, str | bool] = {}
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("-"):
            name, sep, value = word.lstrip("-").partition("=")
            if sep:
                found[name] = value
            elif index + 1 < len(words) and not words[index + 1].startswith("-"):
                found[name] = words[index + 1]
                index += 1
            else:
                found[name] = True
        index += 1
    return found


# cdk deploy's options that take no value: anything else that starts with `-` takes the next word
_CDK_FLAGS = frozenset({"all", "no-rollback", "rollback", "exclusively", "e", "force", "f", "hotswap", "hotswap-fallback",
                        "watch", "ci", "verbose", "v", "debug", "strict", "json", "j", "no-color", "logs", "no-logs",
                        "previous-parameters", "no-previous-parameters", "ignore-errors", "lookups", "no-lookups"})  # fmt: skip


def _positional(words: list[str], flags: frozenset[str]) -> list[str]:
    """The words that are not options or option values."""
    found, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            name = word.lstrip("-")
            skip = "=" not in name and name not in flags
        else:
            found.append(word)
    return found


def _text(value: str | bool | None) -> str | None:
    return value if isinstance(value, str) else None


# Runners that start another tool: `npx cdk deploy`, `poetry run sam deploy`, `yarn cdk deploy`
_RUNNERS = {"npx": 1, "bunx": 1, "pnpx": 1, "yarn": 1, "pnpm": 1, "sudo": 1, "exec": 1, "time": 1, "command": 1,
            "env": 1, "--": 1}  # fmt: skip
_RUN_VERBS = {"poetry", "pipenv", "uv", "hatch", "pdm", "rye", "npm"}  # `poetry run X`, `npm exec X`
# aws's own options, before the service: those that take a value
_AWS_VALUED = {"region", "profile", "output", "endpoint-url", "query", "color", "ca-bundle", "cli-read-timeout",
               "cli-connect-timeout", "cli-binary-format"}  # fmt: skip


def _unwrap(words: list[str]) -> tuple[list[str], dict[str, str]]:
    """The tool's own words without the runners before it, and the global options a tool takes before its
    subcommand (aws --region, terraform -chdir)."""
    while words:
        head = words[0].rsplit("/", 1)[-1]
        if head in _RUNNERS or "=" in words[0] and not words[0].startswith("-"):
            words = words[1:]  # `VAR=value cmd`, `npx cdk`
            if head in ("yarn", "pnpm") and words[:1] in (["exec"], ["dlx"], ["run"]):
                words = words[1:]
            while head in ("npx", "bunx", "pnpx") and words and words[0].startswith("-"):
                words = words[1:]  # npx --yes cdk
        elif head in _RUN_VERBS and words[1:2] in (["run"], ["exec"], ["x"]):
            words = words[2:]
        else:
            break
    if not words:
        return [], {}
    tool = words[0].rsplit("/", 1)[-1]
    found: dict[str, str] = {}
    rest = words[1:]
    while rest and rest[0].startswith("-"):
        name, sep, value = rest[0].lstrip("-").partition("=")
        if sep:
            found[name] = value
            rest = rest[1:]
        elif tool == "aws" and name in _AWS_VALUED and len(rest) > 1:
            found[name] = rest[1]
            rest = rest[2:]
        else:
            rest = rest[1:]
    return [tool, *rest], found


def parse_deploy(words: list[str]) -> DeployCommand | None:
    """The deploy a command makes, or None when it does not deploy."""
    words, global_options = _unwrap(words)
    if len(words) < 2:
        return None
    tool = words[0]
    options = {**global_options, **_options(words[2:])}
    verb = " ".join(words[:3]) if tool == "aws" and len(words) > 2 else f"{tool} {words[1]}"
    stack = _text(options.get("stack-name"))
    # `deploy` makes a change set and runs it at once, unless told only to make it
    mode = "CHANGE_SET_REPLACE" if options.get("no-execute-changeset") else "CREATE_UPDATE"
    if verb == "sam deploy":
        template = _text(options.get("template-file") or options.get("template") or options.get("t")) or "template.yaml"
        found = _stack("sam deploy", stack, template, options, mode)
        if isinstance(options.get("config-env"), str):  # the samconfig.toml environment it deploys
            found.configuration["Stage"] = str(options["config-env"])
        return found
    if verb in ("aws cloudformation deploy", "aws cloudformation create-stack", "aws cloudformation update-stack"):
        template = _text(options.get("template-file") or options.get("template-url") or options.get("template-body"))
        return _stack(verb, stack, template, options, mode if verb.endswith("deploy") else "CREATE_UPDATE")
    if verb == "aws cloudformation create-change-set":
        template = _text(options.get("template-url") or options.get("template-body"))
        return _stack(verb, stack, template, options, "CHANGE_SET_REPLACE")
    if verb == "aws cloudformation execute-change-set":
        return _stack(verb, stack, None, options, "CHANGE_SET_EXECUTE")
    if verb == "cdk deploy":
        stacks = _positional(words[2:], _CDK_FLAGS)
        prepare = options.get("method") == "prepare-change-set" or options.get("execute") == "false"
        config = {"ActionMode": "CHANGE_SET_REPLACE" if prepare else "CREATE_UPDATE"}
        config.update({"StackName": " ".join(stacks)} if stacks else {})
        if options.get("no-rollback") or options.get("rollback") == "false":
            config["DisableRollback"] = "true"
        return DeployCommand("cdk deploy", "CloudFormation", config, region=_text(options.get("region")))
    if verb == "aws deploy create-deployment":
        config = {k: v for k, v in (("ApplicationName", _text(options.get("application-name"))),
                                    ("DeploymentGroupName", _text(options.get("deployment-group-name"))),
                                    ("DeploymentConfigName", _text(options.get("deployment-config-name")))) if v}  # fmt: skip
        return DeployCommand(verb, "CodeDeploy", config, region=_text(options.get("region")))
    if verb == "aws ecs update-service":
        config = {k: v for k, v in (("ClusterName", _text(options.get("cluster"))),
                                    ("ServiceName", _text(options.get("service")))) if v}  # fmt: skip
        return DeployCommand(verb, "ECS", config, region=_text(options.get("region")))
    if verb in ("aws s3 sync", "aws s3 cp"):
        target = next((w for w in reversed(words[3:]) if w.startswith("s3://")), None)
        if target is None:
            return None
        return DeployCommand(verb, "S3", {"BucketName": target[5:].split("/", 1)[0]}, region=_text(options.get("region")))
    if verb == "aws lambda update-function-code":
        name = _text(options.get("function-name"))
        return DeployCommand(verb, ci.SHELL_DEPLOY, {"Command": verb, **({"FunctionName": name} if name else {})},
                             region=_text(options.get("region")))  # fmt: skip
    if verb == "terraform apply":  # where it applies (-chdir=envs/prod) may say which environment
        where = _text(global_options.get("chdir"))
        return DeployCommand(verb, ci.TERRAFORM_APPLY, {"Command": verb, **({"Directory": where} if where else {})})
    if verb in ("serverless deploy", "sls deploy", "kubectl apply", "helm upgrade", "helm install", "eb deploy",
                "copilot deploy", "copilot svc") and (verb != "copilot svc" or words[2:3] == ["deploy"]):  # fmt: skip
        config = {"Command": verb}
        if isinstance(options.get("stage"), str):  # serverless --stage prod
            config["Stage"] = str(options["stage"])
        if tool == "eb":
            return DeployCommand(verb, "ElasticBeanstalk", {"EnvironmentName": words[2]} if len(words) > 2 and not
                                 words[2].startswith("-") else {})  # fmt: skip
        return DeployCommand(verb, ci.SHELL_DEPLOY, config, region=_text(options.get("region")))
    return None


def _stack(verb: str, stack: str | None, template: str | None, options: dict, mode: str) -> DeployCommand:
    config: dict[str, str] = {"ActionMode": mode}
    change_set = _text(options.get("change-set-name"))
    if change_set:
        config["ChangeSetName"] = change_set
    if stack:
        config["StackName"] = stack
    if template:
        config["TemplatePath"] = template
    overrides = options.get("parameter-overrides")
    if isinstance(overrides, str):
        pairs = dict(item.partition("=")[::2] for item in overrides.split() if "=" in item)
        if pairs:
            import json

            config["ParameterOverrides"] = json.dumps(pairs, sort_keys=True)
    if options.get("disable-rollback") is True or options.get("disable-rollback") == "true":
        config["DisableRollback"] = "true"
    role = _text(options.get("role-arn"))
    if role:
        config["RoleArn"] = role
    return DeployCommand(verb, "CloudFormation", config, role_arn=role, region=_text(options.get("region")))
