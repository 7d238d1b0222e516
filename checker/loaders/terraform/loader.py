"""Terraform: the .tf files of one directory (a module) into pipelines and deploy targets; a module another
module of the run calls (`module "x" { source = "./modules/x" }`) is read through the call, with its inputs.

`aws_codepipeline` resources become pipelines through the declaration reader every CodePipeline format shares
(after `shape` turns Terraform's blocks into the API's shape); CodeDeploy, ECS, Elastic Beanstalk and AppConfig
resources become deploy targets. Each instance of a resource with `count` or `for_each` is read on its own.
Variables come from, in increasing precedence: their defaults, `terraform.tfvars`, `*.auto.tfvars` (in name
order), `--var-file` files and `--param` values.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

from checker.loaders.base import LoadOptions, LoadResult
from checker.loaders.terraform import targets as target_builders
from checker.loaders.terraform.body import BodyReader
from checker.loaders.terraform.expressions import evaluate, literal
from checker.loaders.terraform.hcl import Block, HclFile, parse_hcl
from checker.loaders.terraform.module import Declared, Module
from checker.loaders.terraform.shape import read_pipeline
from checker.model import LoadProblem, Pipeline, ProblemSeverity, SourceFormat, SourceRef, Unknown
from checker.model.source import Path, Span
from checker.sources.errors import LoadError
from checker.sources.read import read_text

NAME = "terraform"
PIPELINE = "aws_codepipeline"
MODULE_META = frozenset({"source", "version", "providers", "count", "for_each", "depends_on"})
MAX_NESTING = 10  # module calls followed, one inside another


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
    seen: set[tuple] = field(default_factory=set)  # problems already reported (a module called twice)
    members: list[Parsed] = field(default_factory=list)  # the modules a tree evaluated

    def problem(self, problem: LoadProblem) -> None:
        key = (problem.file, problem.line, problem.column, problem.message)
        if key not in self.seen:
            self.seen.add(key)
            self.result.problems.append(problem)


@dataclass(slots=True)
class Parsed:
    """A module's files, parsed once, and the variable values its own files give (for a root module)."""

    directory: str  # on disk, absolute: how module calls find it
    display: str
    files: list[HclFile]
    given: dict[str, object]
    out: ModuleResult  # the files read and the problems found while reading


def parse_module(directory: str, sources: list[SourceFile], variable_files: list[SourceFile],
                 options: LoadOptions) -> Parsed:  # fmt: skip
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
    for hcl in parsed:
        for block in _all_blocks(hcl.body):
            for duplicate in block.duplicates:
                out.problem(LoadProblem(file=hcl.file, message=f"the argument '{duplicate.name}' is set twice in this "
                                        "block; Terraform rejects it (pipelint used the last one)",
                                        line=duplicate.span.line, column=duplicate.span.column))  # fmt: skip
    return Parsed(os.path.abspath(directory), os.path.normpath(directory), parsed, _typed(given, parsed), out)


def load_module(directory: str, sources: list[SourceFile], variable_files: list[SourceFile],
                options: LoadOptions) -> ModuleResult:  # fmt: skip
    """One module on its own, as a root module."""
    parsed = parse_module(directory, sources, variable_files, options)
    out = evaluate_tree(parsed, {parsed.directory: parsed})
    for problem in parsed.out.result.problems:
        out.problem(problem)
    out.files, out.variable_files = parsed.out.files, parsed.out.variable_files
    return out


def called(parsed: dict[str, Parsed]) -> set[str]:
    """The modules (by directory) that another module of the run calls: Terraform evaluates them only so."""
    found = set()
    for module in parsed.values():
        for block in (b for f in module.files for b in f.body.blocks if b.type == "module"):
            child = _local_source(module, block)
            if child is not None and child in parsed and child != module.directory:
                found.add(child)
    return found


def evaluate_tree(root: Parsed, parsed: dict[str, Parsed]) -> ModuleResult:
    """A root module and, through its `module` blocks, the modules of the run it calls, with their inputs. The
    result holds what they define and the problems evaluating found; `members` the modules read (whose `out`
    holds their files and the problems reading found)."""
    out = ModuleResult(LoadResult(NAME))
    _evaluate(out, root, parsed, root.given, (), "", None, {}, [root.directory])
    return out


def _evaluate(out: ModuleResult, parsed: Parsed, known: dict[str, Parsed], given: dict[str, object], prefix: Path,
              address: str, parent: Module | None, providers: dict[str, str], active: list[str]) -> None:  # fmt: skip
    if parsed not in out.members:
        out.members.append(parsed)
    module = Module(parsed.display, parsed.files, given, parent=parent, provider_map=providers)
    for hcl, node, message in module.duplicates:
        out.problem(LoadProblem(file=hcl.file, message=message, line=node.span.line, column=node.span.column))
    for (kind, name), declared in module.resources.items():
        if kind == PIPELINE or kind in target_builders.BUILDERS:
            _resource(out, module, kind, name, declared, prefix, address)
    for hcl, block, message in module.left_out:
        out.problem(LoadProblem(file=hcl.file, message=message, line=block.span.line, column=block.span.column,
                                severity=ProblemSeverity.WARNING))  # fmt: skip
    for name, declared in module.calls.items():
        child = _local_source(parsed, declared.block)
        if child is None or child not in known:
            continue
        if child in active or len(active) > MAX_NESTING:
            out.problem(LoadProblem(file=declared.file.file, line=declared.block.span.line, column=declared.block.span.column,
                                    message=f"module '{name}' calls a module that calls it back (or nests deeper than "
                                            f"{MAX_NESTING}); it was not followed"))  # fmt: skip
            continue
        _call(out, module, declared, known[child], known, prefix, address, active)


def _call(out: ModuleResult, module: Module, declared: Declared, child: Parsed, known: dict[str, Parsed],
          prefix: Path, address: str, active: list[str]) -> None:  # fmt: skip
    """A `module` block: the child module with the inputs the block gives, evaluated where the block stands."""
    name = declared.block.labels[0]
    instances = module.instances(declared)
    keys: list[object] = [None] if instances is None or isinstance(instances, Unknown) else list(instances)
    for key in keys:
        scope = module.instance_scope(declared, key if key is not None else (0 if "count" in declared.block.attributes else None))
        inputs = {arg: evaluate(attribute.expr, scope, declared.file.text)  # type: ignore[arg-type]
                  for arg, attribute in declared.block.attributes.items() if arg not in MODULE_META}  # fmt: skip
        # the child's own tfvars do not apply (Terraform reads them for the root module only): a variable the call
        # does not set takes its default
        suffix = "" if key is None else f"[{json.dumps(key)}]"
        _evaluate(out, child, known, inputs, prefix + ("module", name) + (() if key is None else (key,)),
                  f"{address}module.{name}{suffix}.", module, _provider_map(module, declared), [*active, child.directory])  # fmt: skip


def _provider_map(module: Module, declared: Declared) -> dict[str, str]:
    """`providers = { aws = aws.prod }`: the caller's provider configurations the child's names stand for."""
    attribute = declared.block.attributes.get("providers")
    if attribute is None:
        return {}
    meta = getattr(attribute.expr, "meta", None)
    text = declared.file.text[meta.start_pos : meta.end_pos] if meta is not None else ""
    return {child: caller for child, caller in re.findall(r"([\w.-]+)\s*=\s*([\w.-]+)", text)}


def _local_source(parsed: Parsed, block: Block) -> str | None:
    """The directory a `module` block's local `source` (./x, ../y) names; None for a registry or git source."""
    attribute = block.attributes.get("source")
    source = literal(attribute.expr, "") if attribute is not None else None
    if not isinstance(source, str) or not source.startswith(("./", "../")):
        return None
    return os.path.normpath(os.path.join(parsed.directory, source))


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


def _resource(out: ModuleResult, module: Module, kind: str, name: str, declared: Declared, prefix: Path = (),
              within: str = "") -> None:  # fmt: skip
    instances = module.instances(declared)
    file = declared.file.file
    keys: list[object] = [None] if instances is None or isinstance(instances, Unknown) else list(instances)
    for key in keys:
        address = within + f"{kind}.{name}" + ("" if key is None else f"[{json.dumps(key)}]")
        base: Path = prefix + ("resource", kind, name) + (() if key is None else (key,))  # type: ignore[operator]
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
        out.problem(LoadProblem(file=file, message=message, line=span.line if span else None,
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
