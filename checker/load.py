"""From paths to a Workspace: find the files, recognise each by content, load it, keep its positions.

A file that cannot be loaded becomes a PL000 problem with its line; it never stops the other files.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Iterator

from checker.loaders import cdk, codepipeline_json
from checker.loaders.base import LoadOptions, LoadResult
from checker.loaders.cloudformation import loader as cloudformation
from checker.loaders.ci import github, gitlab
from checker.loaders.terraform import files as terraform_files
from checker.loaders.terraform import plan as terraform_plan
from checker.model import LoadProblem, ProblemSeverity, SourceFormat, SourceRef, Workspace
from checker.model.workspace import FileSummary
from checker.sources.document import Document, open_document
from checker.sources.errors import LoadError
from checker.sources.positions import SourceIndex, SpanFinder

# The loaders, in the order they are asked whether a file is theirs.
LOADERS = (terraform_plan, codepipeline_json, cloudformation, github, gitlab)

CANDIDATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")
TERRAFORM_SUFFIX = terraform_files.TERRAFORM_SUFFIX
SKIPPED_DIRECTORIES = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".terraform",
                       ".mypy_cache", ".pytest_cache", ".ruff_cache", ".idea", ".vscode"}  # fmt: skip


@dataclasses.dataclass(slots=True)
class _Run:
    options: LoadOptions
    index: SourceIndex
    pipelines: list = dataclasses.field(default_factory=list)
    targets: list = dataclasses.field(default_factory=list)
    problems: list[LoadProblem] = dataclasses.field(default_factory=list)
    files: list[FileSummary] = dataclasses.field(default_factory=list)
    disk: dict[str, str] = dataclasses.field(default_factory=dict)  # display path -> path on disk
    finders: dict[str, SpanFinder] = dataclasses.field(default_factory=dict)  # files whose positions stay in memory

    def fail(self, file: str, message: str, line: int | None = None, column: int | None = None,
             severity: ProblemSeverity = ProblemSeverity.ERROR) -> None:  # fmt: skip
        self.problems.append(LoadProblem(file=file, message=message, line=line, column=column, severity=severity))
        self.files.append(FileSummary(file=file, kind=None, note=message))

    def crash(self, file: str, error: Exception) -> None:
        """A bug of pipelint's own while reading one file: say so for that file, and go on with the others."""
        self.fail(file, f"pipelint could not load this file (internal error: {type(error).__name__}: {error})")


def load_workspace(paths: list[str], options: LoadOptions | None = None) -> Workspace:
    run = _Run(options or LoadOptions(), SourceIndex(lambda file: _reopen(run, file)))
    named: dict[str, tuple[list[str], list[str]]] = {}  # Terraform files named on the command line, by directory
    for path in paths:
        if not os.path.exists(path):
            run.fail(path, "no such file or directory")
        elif os.path.isdir(path):
            for file, display in _walk(run, path):
                _load_file(run, file, display, explicit=False)
        elif path.endswith(TERRAFORM_SUFFIX) or terraform_files.is_variables_file(path):
            tf, variables = named.setdefault(os.path.dirname(os.path.abspath(path)), ([], []))
            (tf if path.endswith(TERRAFORM_SUFFIX) else variables).append(path)
        else:
            _load_file(run, path, os.path.normpath(path), explicit=True)
    for directory, (tf, variables) in named.items():
        if not tf:
            for path in variables:
                run.fail(os.path.normpath(path), "a Terraform variables file without a .tf file of its directory in "
                         "the run; it was not used", severity=ProblemSeverity.WARNING)  # fmt: skip
            continue
        _load_module(run, directory, [(p, os.path.normpath(p)) for p in tf], [(p, os.path.normpath(p)) for p in variables])
    return Workspace(
        pipelines=tuple(run.pipelines),
        targets=tuple(run.targets),
        problems=tuple(run.problems),
        files=tuple(run.files),
        locator=run.index,
    )


def _walk(run: _Run, top: str) -> Iterator[tuple[str, str]]:
    for directory, subdirectories, files in os.walk(top):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES)
        if "manifest.json" in files and _is_assembly(os.path.join(directory, "manifest.json")):
            subdirectories[:] = []  # the assembly's manifest says which templates to read
            yield os.path.join(directory, "manifest.json"), os.path.normpath(os.path.join(directory, "manifest.json"))
            continue
        names = sorted(files)
        modules = [n for n in names if n.endswith(TERRAFORM_SUFFIX) and os.path.isfile(os.path.join(directory, n))]
        if modules:  # a directory's .tf files are one module, and Terraform reads its variable files by name
            automatic = terraform_files.automatic_variable_files(names)
            _load_module(run, directory, [_pair(directory, n) for n in modules], [_pair(directory, n) for n in automatic])
        for name in names:
            path = os.path.join(directory, name)
            suffix = os.path.splitext(name)[1].lower()
            if suffix in CANDIDATE_SUFFIXES and os.path.isfile(path) and not terraform_files.is_variables_file(name):
                yield path, os.path.normpath(path)


def _pair(directory: str, name: str) -> tuple[str, str]:
    path = os.path.join(directory, name)
    return path, os.path.normpath(path)


def _load_module(run: _Run, directory: str, sources: list[tuple[str, str]], variables: list[tuple[str, str]]) -> None:
    """One Terraform module: its .tf files together, with the variable files that apply to it."""
    from checker.loaders.terraform import loader as terraform  # the HCL parser costs an import only when needed

    try:
        loaded = terraform.load_module(os.path.normpath(directory), [terraform.SourceFile(*s) for s in sources],
                                       [terraform.SourceFile(*v) for v in variables], run.options)  # fmt: skip
    except Exception as error:  # noqa: BLE001 - a loader bug must not hide the other files
        for _, display in sources:
            run.crash(display, error)
        return
    result = loaded.result
    run.pipelines.extend(result.pipelines)
    run.targets.extend(result.targets)
    run.problems.extend(result.problems)
    for path, display in sources:
        run.disk[display] = path
        if display not in loaded.files:
            run.files.append(FileSummary(file=display, kind=None, note="could not be parsed"))
            continue
        spans = loaded.spans.get(display, {})
        mine = [p for p in result.pipelines if p.source.file == display]
        targets = [t for t in result.targets if t.source.file == display]
        run.files.append(FileSummary(file=display, kind=terraform.NAME, pipelines=len(mine), targets=len(targets)))
        run.finders[display] = spans.get
        run.index.record(display, spans.get, set(spans))
    for display in loaded.variable_files:
        run.files.append(FileSummary(file=display, kind=terraform.NAME, note="Terraform variables"))


def _is_assembly(path: str) -> bool:
    try:
        return cdk.sniff(open_document(path))
    except LoadError:
        return False


def _load_file(run: _Run, path: str, display: str, explicit: bool) -> None:
    run.disk[display] = path
    try:
        doc = open_document(path, display, run.options.max_file_bytes)
    except LoadError as error:
        run.fail(display, _explain(path, error.message), error.line, error.column)
        return
    except Exception as error:  # noqa: BLE001 - a reader bug must not hide the other files
        run.crash(display, error)
        return
    try:
        if cdk.sniff(doc):
            _load_assembly(run, doc, path, display)
            return
        for loader in LOADERS:
            if loader.sniff(doc):
                _keep(run, doc, loader.load(doc, run.options))
                return
    except Exception as error:  # noqa: BLE001 - a loader bug must not hide the other files
        run.crash(display, error)
        return
    if doc.value is None:
        run.fail(display, "the file is empty (or holds only comments): it defines no pipeline")
        return
    note = _other_format(doc)
    if note or explicit:
        message = note or ("not a pipeline definition pipelint reads (CodePipeline JSON, CloudFormation, CDK cloud "
                           "assembly, Terraform, GitHub Actions, GitLab CI)")
        run.fail(display, message, severity=ProblemSeverity.WARNING)
    else:
        run.files.append(FileSummary(file=display, kind=None, note="not a pipeline definition"))


def _load_assembly(run: _Run, doc: Document, path: str, display: str) -> None:
    run.files.append(FileSummary(file=display, kind=cdk.NAME, note="cloud assembly manifest"))
    for item in cdk.expand(doc, os.path.dirname(path), os.path.dirname(display)):
        if isinstance(item, cdk.Missing):
            run.problems.append(LoadProblem(file=display, message=item.message))
            continue
        run.disk[item.display] = item.path
        try:
            stack_doc = open_document(item.path, item.display, run.options.max_file_bytes)
            options = dataclasses.replace(run.options, parameters={**item.parameters, **run.options.parameters})
            _keep(run, stack_doc, cloudformation.load(stack_doc, options, SourceFormat.CDK))
        except LoadError as error:
            run.fail(item.display, error.message, error.line, error.column)
        except Exception as error:  # noqa: BLE001 - one stack must not hide the others
            run.crash(item.display, error)


def _keep(run: _Run, doc: Document, result: LoadResult) -> None:
    run.pipelines.extend(result.pipelines)
    run.targets.extend(result.targets)
    run.problems.extend(result.problems)
    run.files.append(FileSummary(file=doc.file, kind=result.kind, pipelines=len(result.pipelines),
                                 targets=len(result.targets), note=result.note))  # fmt: skip
    paths = {ref.path for ref in _refs(result.pipelines + result.targets)}
    run.index.record(doc.file, doc.spans, paths)


def _refs(value: object) -> Iterator[SourceRef]:
    """Every SourceRef inside model objects."""
    if isinstance(value, SourceRef):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _refs(item)
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            if field.name == "source" or not isinstance(getattr(value, field.name), (str, int, float, bool, type(None))):
                yield from _refs(getattr(value, field.name))


def _reopen(run: _Run, file: str) -> SpanFinder | None:
    if file in run.finders:
        return run.finders[file]
    try:
        return open_document(run.disk.get(file, file), file).spans
    except (LoadError, OSError):
        return None


def _other_format(doc: Document) -> str | None:
    value = doc.value
    if isinstance(value, dict) and "option_settings" in value:
        return "Elastic Beanstalk .ebextensions settings: not linked to environments by this version of pipelint"
    return None


def _explain(path: str, message: str) -> str:
    if path.endswith(".snap"):
        return f"a Jest snapshot (JavaScript), not YAML or JSON; pipelint cannot read pipelines embedded in it ({message})"
    return message
