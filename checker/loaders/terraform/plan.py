"""Terraform plans and states as `terraform show -json` writes them: fully resolved values.

Resources are read from `planned_values` (a plan) or `values` (a state), root module and child modules alike;
what the plan marks as known only after apply (`resource_changes[].change.after_unknown`) is Unknown with that
reason. Positions are the JSON paths of the values in the file.
"""

from __future__ import annotations

from typing import Iterator

from checker.loaders.base import LoadOptions, LoadResult, report_reader_findings
from checker.model import SourceFormat, SourceRef, Unknown
from checker.model.source import Path
from checker.sources.document import Document

NAME = "terraform-plan"
PIPELINE = "aws_codepipeline"


def sniff(doc: Document) -> bool:
    value = doc.value
    return (isinstance(value, dict) and "format_version" in value
            and any(k in value for k in ("planned_values", "values", "resource_changes", "terraform_version")))  # fmt: skip


def load(doc: Document, options: LoadOptions) -> LoadResult:  # noqa: ARG001
    # imported here: every file is asked whether it is a plan, few are
    from checker.loaders.terraform import targets as target_builders
    from checker.loaders.terraform.shape import read_pipeline

    result = LoadResult(NAME)
    report_reader_findings(doc, result, "Terraform")
    plan = doc.value
    assert isinstance(plan, dict)
    unknown = _after_unknown(plan)
    region = _provider_region(plan)
    for resource, path in _resources(plan):
        kind, values, address = resource.get("type"), resource.get("values"), str(resource.get("address", ""))
        if resource.get("mode", "managed") != "managed" or not isinstance(values, dict):
            continue
        if not isinstance(kind, str) or kind != PIPELINE and kind not in target_builders.BUILDERS:
            continue
        values = _mark(values, unknown.get(address), address)
        if not isinstance(values, dict):  # the whole resource is known only after apply
            values = {"stage": [values]} if kind == PIPELINE else {}
        base = path + ("values",)
        if kind == PIPELINE:
            pipeline, issues = read_pipeline(doc.file, values, base, format=SourceFormat.TERRAFORM_PLAN,
                                             resource_id=address, region=region,
                                             account=Unknown("the plan does not say (no role_arn with an account)"))  # fmt: skip
            result.pipelines.append(pipeline)
            result.problems_at(doc, issues)
        else:
            result.targets.append(target_builders.build(kind, values, address, SourceRef(doc.file, path),
                                                        _platform(plan, values)))  # fmt: skip
    if not result.pipelines and not result.targets:
        result.note = "a Terraform plan with no pipeline or deploy target"
    return result


def _resources(plan: dict) -> Iterator[tuple[dict, Path]]:
    for top in ("planned_values", "values"):
        root = plan.get(top)
        if isinstance(root, dict) and isinstance(root.get("root_module"), dict):
            yield from _module(root["root_module"], (top, "root_module"))
            return


def _module(module: dict, path: Path) -> Iterator[tuple[dict, Path]]:
    resources, children = module.get("resources"), module.get("child_modules")
    for index, resource in enumerate(resources if isinstance(resources, list) else ()):
        if isinstance(resource, dict):
            yield resource, path + ("resources", index)
    for index, child in enumerate(children if isinstance(children, list) else ()):
        if isinstance(child, dict):
            yield from _module(child, path + ("child_modules", index))


def _after_unknown(plan: dict) -> dict[str, object]:
    found = {}
    changes = plan.get("resource_changes")
    for change in changes if isinstance(changes, list) else ():
        if isinstance(change, dict) and isinstance(change.get("change"), dict):
            found[str(change.get("address"))] = change["change"].get("after_unknown")
    return found


def _mark(values: object, unknown: object, where: str) -> object:
    """The values with what the plan knows only after apply made Unknown (and the path it has in messages)."""
    if unknown is True:
        return Unknown(f"{where} is known only after apply", f"${{{where}}}")
    if isinstance(values, dict) and isinstance(unknown, dict):
        marked = {k: _mark(v, unknown.get(k), f"{where}.{k}") for k, v in values.items()}
        for key, flag in unknown.items():
            if flag is True and key not in values:
                marked[key] = Unknown(f"{where}.{key} is known only after apply", f"${{{where}.{key}}}")
        return marked
    if isinstance(values, list) and isinstance(unknown, list):
        return [_mark(v, unknown[i] if i < len(unknown) else None, f"{where}[{i}]") for i, v in enumerate(values)]
    return values


def _provider_region(plan: dict) -> object:
    config = plan.get("configuration")
    providers = config.get("provider_config") if isinstance(config, dict) else None
    aws = providers.get("aws") if isinstance(providers, dict) else None
    expressions = aws.get("expressions") if isinstance(aws, dict) else None
    region = expressions.get("region") if isinstance(expressions, dict) else None
    if isinstance(region, dict) and isinstance(region.get("constant_value"), str):
        return region["constant_value"]
    return Unknown("the plan does not say which region the aws provider uses", "${provider.aws.region}")


def _platform(plan: dict, values: dict) -> object:
    """A deployment group's compute platform: that of the aws_codedeploy_app it names, in the same plan."""
    for resource, _ in _resources(plan):
        app = resource.get("values")
        if resource.get("type") == "aws_codedeploy_app" and isinstance(app, dict) and app.get("name") == values.get("app_name"):
            return app.get("compute_platform") or "Server"
    return None
