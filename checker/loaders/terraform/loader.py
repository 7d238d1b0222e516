"""Terraform: the .tf files of one directory (a module) into pipelines and deploy targets.

`aws_codepipeline` resources become pipelines through the declaration reader every CodePipeline format shares
(after `shape` turns Terraform's blocks into the API's shape); CodeDeploy, ECS, Elastic Beanstalk and AppConfig
resources become deploy targets. Each instance of a resource with `count` or `for_each` is read on its own.
Variables come from, in increasing precedence: their defaults, `terraform.tfvars`, `*.auto.tfvars` (in name
order), `--var-file` files and `--param` values.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from checker.loaders.base import LoadOptions, LoadResult
from checker.loaders.terraform import targets as target_builders
from checker.loaders.terraform.body import BodyReader
from checker.loaders.terraform.expressions import literal
from checker.loaders.terraform.hcl import HclFile, parse_hcl
from checker.loaders.terraform.module import Declared, Module
from checker.loaders.terraform.shape import read_pipeline
from checker.model import LoadProblem, Pipeline, ProblemSeverity, SourceFormat, SourceRef, Unknown
from checker.model.source import Path, Span
from checker.sources.errors import LoadError
from checker.sources.read import read_text

NAME = "terraform"
PIPELINE = "aws_codepipeline"


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str  # on disk
    display: str  # as shown to users


@dataclass(slots=True)
class ModuleResult:
    result: LoadResult
    spans: dict[str, dict[Path, Span]] = field(default_factory=dict)  # display file -> path -> span
    files: list[str] = field(default_factory=list)  # the .tf files read
    variable_files: list[str] = field(default_factory=list)


def load_module(directory: str, sources: list[SourceFile], variable_files: list[SourceFile],
                options: LoadOptions) -> ModuleResult:  # fmt: skip
    out = ModuleResult(LoadResult(NAME))
    parsed: list[HclFile] = []
    for source in sources:
        hcl = _parse(out, source, options)
        if hcl is not None:
            parsed.append(hcl)
            out.files.append(source.display)
            out.spans.setdefault(source.display, {})
    given: dict[str, object] = {}
    for source in [*variable_files, *(SourceFile(p, os.path.normpath(p)) for p in options.var_files)]:
        given.update(_variables(out, source, options))
    given.update(options.parameters)
    module = Module(directory, parsed, _typed(given, parsed))
    for hcl, node, message in module.duplicates:
        span = node.span
        out.result.problems.append(LoadProblem(file=hcl.file, message=message, line=span.line, column=span.column))
    for hcl in parsed:
        for block in _all_blocks(hcl.body):
            for duplicate in block.duplicates:
                out.result.problems.append(LoadProblem(
                    file=hcl.file, message=f"the argument '{duplicate.name}' is set twice in this block; Terraform "
                    "rejects it (pipelint used the last one)", line=duplicate.span.line, column=duplicate.span.column))  # fmt: skip
    for (kind, name), declared in module.resources.items():
        if kind == PIPELINE or kind in target_builders.BUILDERS:
            _resource(out, module, kind, name, declared)
    for hcl, block, message in module.left_out:
        out.result.problems.append(LoadProblem(file=hcl.file, message=message, line=block.span.line,
                                               column=block.span.column, severity=ProblemSeverity.WARNING))  # fmt: skip
    return out


def _parse(out: ModuleResult, source: SourceFile, options: LoadOptions) -> HclFile | None:
    try:
        return parse_hcl(source.display, read_text(source.path, options.max_file_bytes))
    except LoadError as error:
        out.result.problems.append(LoadProblem(file=source.display, message=error.message, line=error.line,
                                               column=error.column))  # fmt: skip
        return None


def _variables(out: ModuleResult, source: SourceFile, options: LoadOptions) -> dict[str, object]:
    """A .tfvars (HCL, constants only) or .tfvars.json file's values."""
    try:
        text = read_text(source.path, options.max_file_bytes)
        if source.path.endswith(".json"):
            try:
                values = json.loads(text)
            except (ValueError, RecursionError) as error:
                raise LoadError(f"invalid JSON: {error}") from None
            if not isinstance(values, dict):
                raise LoadError("a .tfvars.json file holds an object of variable names to values")
            out.variable_files.append(source.display)
            return values
        hcl = parse_hcl(source.display, text)
    except LoadError as error:
        out.result.problems.append(LoadProblem(file=source.display, message=error.message, line=error.line,
                                               column=error.column))  # fmt: skip
        return {}
    out.variable_files.append(source.display)
    for block in hcl.body.blocks:
        out.result.problems.append(LoadProblem(file=source.display, line=block.span.line, column=block.span.column,
                                               message=f"a variables file holds only assignments, not a {block.type} "
                                                       "block; it was left out"))  # fmt: skip
    return {name: literal(attribute.expr, hcl.text) for name, attribute in hcl.body.attributes.items()}


def _typed(given: dict[str, object], files: list[HclFile]) -> dict[str, object]:
    """`--param` gives text; a variable whose type is not a string takes it as HCL (`[1, 2]`, `true`)."""
    declared = {b.labels[0]: (b, f) for f in files for b in f.body.blocks if b.type == "variable" and b.labels}
    result = dict(given)
    for name, value in given.items():
        found = declared.get(name)
        if not isinstance(value, str) or found is None or "type" not in found[0].attributes:
            continue
        block, hcl = found
        meta = block.attributes["type"].expr.meta  # type: ignore[attr-defined]
        if hcl.text[meta.start_pos : meta.end_pos].strip() == "string":
            continue
        try:
            parsed = parse_hcl("--param", f"value = {value}\n").body.attributes.get("value")
        except LoadError:
            continue
        if parsed is not None:
            result[name] = literal(parsed.expr, f"value = {value}\n")
    return result


def _all_blocks(block):  # type: ignore[no-untyped-def]
    yield block
    for child in block.blocks:
        yield from _all_blocks(child)


def _resource(out: ModuleResult, module: Module, kind: str, name: str, declared: Declared) -> None:
    instances = module.instances(declared)
    file = declared.file.file
    keys: list[object] = [None] if instances is None or isinstance(instances, Unknown) else list(instances)
    for key in keys:
        address = f"{kind}.{name}" + ("" if key is None else f"[{json.dumps(key)}]")
        base: Path = ("resource", kind, name) + (() if key is None else (key,))  # type: ignore[operator]
        spans = out.spans.setdefault(file, {})
        spans[base] = declared.block.span
        scope = module.instance_scope(declared, key if key is not None else (0 if "count" in declared.block.attributes else None))
        values = BodyReader(declared.file, spans).values(declared.block, scope, base)
        if kind == PIPELINE:
            out.result.pipelines.append(_pipeline(out, module, declared, values, address, base))
        else:
            platform = _platform(module, values) if kind == "aws_codedeploy_deployment_group" else None
            out.result.targets.append(target_builders.build(kind, values, address, SourceRef(file, base), platform))


def _pipeline(out: ModuleResult, module: Module, declared: Declared, values: dict, address: str, base: Path) -> Pipeline:
    file = declared.file.file
    account, region = module.provider_of(declared)
    pipeline, issues = read_pipeline(file, values, base, format=SourceFormat.TERRAFORM, resource_id=address,
                                     account=account, region=region)  # fmt: skip
    spans = out.spans[file]
    for path, message in issues:
        span = _nearest(spans, path)
        out.result.problems.append(LoadProblem(file=file, message=message, line=span.line if span else None,
                                               column=span.column if span else None))  # fmt: skip
    return pipeline


def _nearest(spans: dict[Path, Span], path: Path) -> Span | None:
    for cut in range(len(path), -1, -1):
        if path[:cut] in spans:
            return spans[path[:cut]]
    return None


def _platform(module: Module, values: dict) -> object:
    """A deployment group's compute platform: that of the aws_codedeploy_app it names."""
    app = values.get("app_name")
    for (kind, name), declared in module.resources.items():
        if kind != "aws_codedeploy_app" or module.attribute(kind, name, None, ("name",))[0] != app:
            continue
        if "compute_platform" not in declared.block.attributes:
            return "Server"  # the provider's default
        return module.attribute(kind, name, None, ("compute_platform",))[0]
    return None
