"""One file, loaded on its own: the unit that runs in a worker process and that the cache keeps.

`load_file` gives a `FileLoad`: what the file adds to the Workspace (pipelines, deploy targets, problems, its
summary), the spans of its model nodes (worked out while the document is in memory, so nothing has to read the
file again), and every file the load looked at, with its fingerprint. A CDK cloud assembly manifest is one unit
with its stack templates.
"""

from __future__ import annotations

import dataclasses
import importlib
import os

from checker.loaders import cdk
from checker.loaders.base import LoadOptions, LoadResult
from checker.loaders.cloudformation import loader as cloudformation
from checker.model import DeployTarget, LoadProblem, Pipeline, ProblemSeverity, SourceFormat, SourceRef
from checker.model.source import Path
from checker.model.workspace import FileSummary
from checker.sources.document import Document, open_document
from checker.sources.errors import LoadError
from checker.sources.positions import packed
from checker.sources.read import recording
from checker.model.record import record

# The loaders, in the order they are asked whether a file is theirs; each is imported when a file is first put
# to it (linting CloudFormation imports no CI loader).
LOADERS = ("checker.loaders.terraform.plan", "checker.loaders.codepipeline_json", "checker.loaders.cloudformation.loader",
           "checker.loaders.ci.github", "checker.loaders.ci.gitlab")  # fmt: skip


@record()
class FileLoad:
    """What one file adds to a run, in the order the serial loader would add it."""

    pipelines: tuple[Pipeline, ...] = ()
    targets: tuple[DeployTarget, ...] = ()
    problems: tuple[LoadProblem, ...] = ()
    files: tuple[FileSummary, ...] = ()
    spans: tuple[tuple[str, dict[Path, int]], ...] = ()  # per file read: the model nodes' spans, packed
    disk: tuple[tuple[str, str], ...] = ()  # display path -> path on disk, to read a file again for a position
    reads: tuple[tuple[str, tuple[str, ...]], ...] = ()  # a file -> the workflows read through it
    called_only: tuple[str, ...] = ()  # workflows only another workflow starts
    declared: tuple[str, ...] = ()  # the template parameters --param can set
    depends: tuple[tuple[str, str], ...] = ()  # every file looked at (this one too) -> its fingerprint


class Failures:
    """Saying that a file could not be loaded: a problem, and the file's summary. For classes with `problems`
    and `files` lists."""

    __slots__ = ()
    problems: list[LoadProblem]
    files: list[FileSummary]

    def fail(self, file: str, message: str, line: int | None = None, column: int | None = None,
             severity: ProblemSeverity = ProblemSeverity.ERROR) -> None:  # fmt: skip
        self.problems.append(LoadProblem(file=file, message=message, line=line, column=column, severity=severity))
        self.files.append(FileSummary(file=file, kind=None, note=message))

    def crash(self, file: str, error: Exception) -> None:
        """A bug of pipelint's own while reading one file: say so for that file, and go on with the others."""
        self.fail(file, f"pipelint could not load this file (internal error: {type(error).__name__}: {error})")


@dataclasses.dataclass(slots=True)
class _Out(Failures):
    pipelines: list = dataclasses.field(default_factory=list)
    targets: list = dataclasses.field(default_factory=list)
    problems: list = dataclasses.field(default_factory=list)
    files: list = dataclasses.field(default_factory=list)
    spans: list = dataclasses.field(default_factory=list)
    disk: list = dataclasses.field(default_factory=list)
    reads: list = dataclasses.field(default_factory=list)
    called_only: list = dataclasses.field(default_factory=list)
    declared: list = dataclasses.field(default_factory=list)


def load_file(path: str, display: str, explicit: bool, options: LoadOptions) -> FileLoad:
    """Load one file found by the walk (explicit: named on the command line, so a file that is not a pipeline
    definition is worth a warning)."""
    out = _Out()
    with recording() as reads:
        _load(out, path, display, explicit, options)
    return FileLoad(
        pipelines=tuple(out.pipelines), targets=tuple(out.targets), problems=tuple(out.problems),
        files=tuple(out.files), spans=tuple(out.spans), disk=tuple(out.disk), reads=tuple(out.reads),
        called_only=tuple(out.called_only), declared=tuple(out.declared), depends=tuple(reads.files.items()),
    )  # fmt: skip


def _load(out: _Out, path: str, display: str, explicit: bool, options: LoadOptions) -> None:
    out.disk.append((display, path))
    try:
        doc = open_document(path, display, options.max_file_bytes)
    except LoadError as error:
        out.fail(display, _explain(path, error.message), error.line, error.column)
        return
    except Exception as error:  # noqa: BLE001 - a reader bug must not hide the other files
        out.crash(display, error)
        return
    try:
        if cdk.sniff(doc):
            _load_assembly(out, doc, path, display, options)
            return
        for name in LOADERS:
            loader = importlib.import_module(name)
            if loader.sniff(doc):
                _keep(out, doc, loader.load(doc, options))
                return
    except Exception as error:  # noqa: BLE001 - a loader bug must not hide the other files
        out.crash(display, error)
        return
    if doc.value is None:
        out.fail(display, "the file is empty (or holds only comments): it defines no pipeline")
        return
    note = _other_format(doc)
    if note or explicit:
        message = note or ("not a pipeline definition pipelint reads (CodePipeline JSON, CloudFormation, CDK cloud "
                           "assembly, Terraform, GitHub Actions, GitLab CI)")
        out.fail(display, message, severity=ProblemSeverity.WARNING)
    else:
        out.files.append(FileSummary(file=display, kind=None, note="not a pipeline definition"))


def _load_assembly(out: _Out, doc: Document, path: str, display: str, options: LoadOptions) -> None:
    out.files.append(FileSummary(file=display, kind=cdk.NAME, note="cloud assembly manifest"))
    for item in cdk.expand(doc, os.path.dirname(path), os.path.dirname(display)):
        if isinstance(item, cdk.Missing):
            out.problems.append(LoadProblem(file=display, message=item.message))
            continue
        out.disk.append((item.display, item.path))
        try:
            stack_doc = open_document(item.path, item.display, options.max_file_bytes)
            stack_options = dataclasses.replace(options, parameters={**item.parameters, **options.parameters})
            _keep(out, stack_doc, cloudformation.load(stack_doc, stack_options, SourceFormat.CDK))
        except LoadError as error:
            out.fail(item.display, error.message, error.line, error.column)
        except Exception as error:  # noqa: BLE001 - one stack must not hide the others
            out.crash(item.display, error)


def _keep(out: _Out, doc: Document, result: LoadResult) -> None:
    out.declared.extend(result.parameters)
    out.reads.append((doc.file, tuple(result.reads)))
    if result.called_only:
        out.called_only.append(doc.file)
    out.pipelines.extend(result.pipelines)
    out.targets.extend(result.targets)
    out.problems.extend(result.problems)
    out.files.append(FileSummary(file=doc.file, kind=result.kind, pipelines=len(result.pipelines),
                                 targets=len(result.targets), note=result.note))  # fmt: skip
    # every model node of this file and what holds it: a finding's place and the places of the comments that
    # can cover it (engine/suppress.py) are then known without reading the file again
    out.spans.append((doc.file, packed(doc.spans, _with_holders(_refs(result.pipelines + result.targets, doc.file)))))


def _with_holders(paths: set[Path]) -> set[Path]:
    """The paths and every path that holds one of them."""
    found = set()
    for path in sorted(paths, key=len, reverse=True):
        for cut in range(len(path), -1, -1):
            holder = path[:cut]
            if holder in found:
                break  # and so are the ones that hold it
            found.add(holder)
    return found


_SCALARS = (str, int, float, bool, type(None))
_FIELDS: dict[type, tuple[str, ...]] = {}  # the fields of each model class


def _refs(value: object, file: str) -> set[Path]:
    """The paths of every SourceRef of this file inside model objects, and those of each action's
    configuration keys (rules point at them)."""
    found: set[Path] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is SourceRef:
            if item.file == file:  # type: ignore[attr-defined]
                found.add(item.path)  # type: ignore[attr-defined]
        elif kind is tuple or kind is list:
            stack.extend(item)  # type: ignore[arg-type]
        elif not isinstance(item, _SCALARS) and dataclasses.is_dataclass(item):
            names = _FIELDS.get(kind)
            if names is None:
                names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(item))  # type: ignore[arg-type]
            where = getattr(item, "configuration_source", None)
            if where is not None and isinstance(item.configuration, dict) and where.file == file:  # type: ignore[attr-defined]
                found.update(where.path + (key,) for key in item.configuration)  # type: ignore[attr-defined]
            stack.extend(field for field in (getattr(item, name) for name in names) if not isinstance(field, _SCALARS))
    return found


def is_assembly(path: str) -> bool:
    try:
        return cdk.sniff(open_document(path))
    except LoadError:
        return False


def _other_format(doc: Document) -> str | None:
    value = doc.value
    if isinstance(value, dict) and "option_settings" in value:
        return "Elastic Beanstalk .ebextensions settings: not linked to environments by this version of pipelint"
    return None


def _explain(path: str, message: str) -> str:
    if path.endswith(".snap"):
        return f"a Jest snapshot (JavaScript), not YAML or JSON; pipelint cannot read pipelines embedded in it ({message})"
    return message
