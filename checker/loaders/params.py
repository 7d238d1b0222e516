"""Template parameter values from the command line (`--param K=V`) and from files (`--params FILE`).

A parameters file may be a CloudFormation TemplateConfiguration file (as CodePipeline's CloudFormation action
reads it: `{"Parameters": {...}}`), the CLI's list (`[{"ParameterKey": ..., "ParameterValue": ...}]`), or a plain
JSON object of names to values.
"""

from __future__ import annotations

from checker.loaders.cloudformation.template import param_text
from checker.sources.document import open_document
from checker.sources.errors import LoadError


class ParameterError(ValueError):
    """A parameter given on the command line or in a parameters file that cannot be used."""


def parse_assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ParameterError(f"--param expects NAME=VALUE, got {text!r}")
    return name.strip(), value


def read_parameters_file(path: str) -> dict[str, str]:
    try:
        value = open_document(path).value
    except LoadError as error:
        where = f":{error.line}" if error.line else ""
        raise ParameterError(f"{path}{where}: {error.message}") from None
    if isinstance(value, dict) and isinstance(value.get("Parameters"), dict):
        value = value["Parameters"]
    if isinstance(value, list):
        result = {}
        for index, item in enumerate(value):
            if not isinstance(item, dict) or not isinstance(item.get("ParameterKey"), str) or not item["ParameterKey"]:
                raise ParameterError(f"{path}: item {index} has no ParameterKey")
            if "ParameterValue" in item:
                result[str(item["ParameterKey"])] = param_text(item["ParameterValue"])
        return result
    if isinstance(value, dict) and all(not isinstance(v, (dict, list)) for v in value.values()):
        return {str(k): param_text(v) for k, v in value.items()}
    raise ParameterError(
        f"{path}: not a parameters file (expected a TemplateConfiguration with 'Parameters', "
        "a list of ParameterKey/ParameterValue, or an object of names to values)"
    )


def collect(assignments: list[str], files: list[str]) -> dict[str, str]:
    """Files first, then --param on top: the command line wins."""
    values: dict[str, str] = {}
    for path in files:
        values.update(read_parameters_file(path))
    for text in assignments:
        name, value = parse_assignment(text)
        values[name] = value
    return values
