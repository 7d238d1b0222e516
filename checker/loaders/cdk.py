"""CDK cloud assemblies (`cdk.out`): the manifest lists stack templates and nested stage assemblies.

Each stack's template is CloudFormation JSON; its `environment` (`aws://ACCOUNT/REGION`) gives the account and
region the stack deploys to, unless CDK left them `unknown-account` / `unknown-region`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from checker.sources.document import Document, open_document
from checker.sources.errors import LoadError
from checker.sources.read import is_file

NAME = "cdk"


@dataclass(frozen=True, slots=True)
class StackTemplate:
    path: str  # on disk
    display: str
    stack: str
    parameters: dict[str, str]


@dataclass(frozen=True, slots=True)
class Missing:
    message: str


def sniff(doc: Document) -> bool:
    value = doc.value
    if not isinstance(value, dict) or not isinstance(value.get("artifacts"), dict) or "version" not in value:
        return False
    return any(
        isinstance(a, dict) and str(a.get("type", "")).startswith(("aws:cloudformation:", "cdk:"))
        for a in value["artifacts"].values()
    )


def expand(doc: Document, disk_dir: str, display_dir: str, seen: set[str] | None = None) -> list[StackTemplate | Missing]:
    """The stack templates an assembly holds, following nested assemblies; what is missing is said."""
    seen = seen if seen is not None else set()
    real = os.path.realpath(disk_dir)
    if real in seen:
        return []
    seen.add(real)
    found: list[StackTemplate | Missing] = []
    assert isinstance(doc.value, dict)
    for name, artifact in sorted(doc.value["artifacts"].items()):
        if not isinstance(artifact, dict) or not isinstance(artifact.get("properties"), dict):
            continue
        properties, kind = artifact["properties"], artifact.get("type")
        named = (properties.get("templateFile"), properties.get("directoryName"))
        bad = next((v for v in named if isinstance(v, str) and "\0" in v), None)
        if bad is not None:  # no file has such a name, and os.path refuses it with a ValueError
            found.append(Missing(f"{name}: {bad!r} is not a file name (it holds a NUL character); not read"))
            continue
        if kind == "aws:cloudformation:stack" and isinstance(properties.get("templateFile"), str):
            relative = properties["templateFile"]
            path = os.path.join(disk_dir, relative)
            if not _inside(path, real):
                found.append(Missing(f"stack {name}: templateFile {relative} is outside the cloud assembly; not read"))
                continue
            if not is_file(path):
                found.append(Missing(f"the cloud assembly lists stack {name} in {relative}, which is not in {display_dir}"))
                continue
            found.append(StackTemplate(path, os.path.normpath(os.path.join(display_dir, relative)), name, _environment(artifact)))
        elif kind == "cdk:cloud-assembly" and isinstance(properties.get("directoryName"), str):
            nested = properties["directoryName"]
            manifest = os.path.join(disk_dir, nested, "manifest.json")
            if not _inside(manifest, real):
                found.append(Missing(f"nested assembly {nested} is outside the cloud assembly; not read"))
                continue
            if not is_file(manifest):
                found.append(Missing(f"the cloud assembly lists nested assembly {nested}, which is not in {display_dir}"))
                continue
            try:
                nested_doc = open_document(manifest)
            except LoadError as error:
                found.append(Missing(f"nested assembly {nested}: manifest.json: {error.message}"))
                continue
            if not sniff(nested_doc):
                found.append(Missing(f"nested assembly {nested}: manifest.json is not a cloud assembly manifest"))
                continue
            found.extend(expand(nested_doc, os.path.join(disk_dir, nested), os.path.join(display_dir, nested), seen))
    return found


def _inside(path: str, top: str) -> bool:
    """A manifest names files inside its assembly; one that points elsewhere is not followed."""
    resolved = os.path.realpath(path)
    return resolved == top or resolved.startswith(top + os.sep)


def _environment(artifact: dict) -> dict[str, str]:
    environment = str(artifact.get("environment", ""))
    if not environment.startswith("aws://"):
        return {}
    account, _, region = environment[6:].partition("/")
    parameters = {}
    if account.isdigit():
        parameters["AWS::AccountId"] = account
    if region and not region.startswith("unknown"):
        parameters["AWS::Region"] = region
    return parameters
