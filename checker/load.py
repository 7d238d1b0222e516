"""From paths to a Workspace: find the files, recognise each by content, load it, keep its positions.

A file that cannot be loaded becomes a PL000 problem with its line; it never stops the other files.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator

from checker.load_file import Failures, FileLoad, is_assembly, load_file
from checker.loaders.base import LoadOptions
from checker.loaders.terraform import files as terraform_files
from checker.model import LoadProblem, ProblemSeverity, Workspace
from checker.model.workspace import COMMAND_LINE, FileSummary
from checker.sources.document import open_document
from checker.sources.errors import LoadError
from checker.sources.positions import SourceIndex, SpanFinder
from checker.sources.read import note

CANDIDATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")
TERRAFORM_SUFFIX = terraform_files.TERRAFORM_SUFFIX
SKIPPED_DIRECTORIES = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".terraform",
                       ".mypy_cache", ".pytest_cache", ".ruff_cache", ".idea", ".vscode", ".devcontainer"}  # fmt: skip
# Files a folder scan passes over: well-known tool settings that are never pipelines, some written in JSON with
# comments (tsconfig.json in every TypeScript CDK app), which would otherwise be a PL000 error. Named on the
# command line, they are read like any file.
SKIPPED_FILES = re.compile(r"(ts|js)config(\..+)?\.json|\.eslintrc\.json|package(-lock)?\.json|composer\.json|"
                           r"devcontainer\.json|\.prettierrc\.json|renovate\.json|\.babelrc\.json")


@dataclasses.dataclass(frozen=True, slots=True)
class FileUnit:
    """A file to load on its own (checker.load_file), here or in a worker process."""

    path: str
    display: str
    explicit: bool  # named on the command line: a file that is no pipeline definition is worth a warning


# Loads the units in their order, one FileLoad each: in this process, or in parallel and cached (checker.runner).
FileLoader = Callable[[list[FileUnit], LoadOptions], Iterable[FileLoad]]


def load_serially(units: list[FileUnit], options: LoadOptions) -> Iterator[FileLoad]:
    return (load_file(u.path, u.display, u.explicit, options) for u in units)


@dataclasses.dataclass(slots=True)
class _Run(Failures):
    options: LoadOptions
    index: SourceIndex
    pipelines: list = dataclasses.field(default_factory=list)
    targets: list = dataclasses.field(default_factory=list)
    problems: list[LoadProblem] = dataclasses.field(default_factory=list)
    files: list[FileSummary] = dataclasses.field(default_factory=list)
    disk: dict[str, str] = dataclasses.field(default_factory=dict)  # display path -> path on disk
    finders: dict[str, SpanFinder] = dataclasses.field(default_factory=dict)  # files whose positions stay in memory
    modules: dict = dataclasses.field(default_factory=dict)  # Terraform modules of the run, parsed, by directory
    called: set[str] = dataclasses.field(default_factory=set)  # modules another module of the run calls
    done: set[str] = dataclasses.field(default_factory=set)  # modules already read
    reads: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # a file -> the workflows read through it
    called_only: set[str] = dataclasses.field(default_factory=set)  # workflows only another workflow starts
    declared: set[str] = dataclasses.field(default_factory=set)  # template parameters and Terraform variables

    def absorb(self, loaded: FileLoad) -> None:
        self.pipelines += loaded.pipelines
        self.targets += loaded.targets
        self.problems += loaded.problems
        self.files += loaded.files
        self.disk.update(loaded.disk)
        self.reads.update((file, list(read)) for file, read in loaded.reads)
        self.called_only.update(loaded.called_only)
        self.declared.update(loaded.declared)
        for file, spans in loaded.spans:
            self.index.add(file, spans)


def load_workspace(paths: list[str], options: LoadOptions | None = None, *,
                   load_files: FileLoader = load_serially) -> Workspace:  # fmt: skip
    run = _Run(options or LoadOptions(), SourceIndex(lambda file: _reopen(run, file)))
    run.modules = _terraform_modules(run, paths)
    steps = list(_steps(run, paths))
    units = [step for step in steps if isinstance(step, FileUnit)]
    loaded = iter(load_files(units, run.options))
    for step in steps:
        if isinstance(step, FileUnit):
            run.absorb(next(loaded))
        else:
            step()
    _through_callers(run)
    _unused_parameters(run)
    return Workspace(
        pipelines=tuple(run.pipelines),
        targets=tuple(run.targets),
        problems=tuple(dict.fromkeys(run.problems)),  # a reusable workflow's problems, found by each reader, once
        files=tuple(run.files),
        locator=run.index,
    )


def _steps(run: _Run, paths: list[str]) -> Iterator[FileUnit | Callable[[], None]]:
    """What the run does, in order: files to load (in any process), and what only this process can do (Terraform
    modules, which read each other; problems with the command line's paths)."""
    for path in paths:
        note(path)
        if not os.path.exists(path):
            yield functools.partial(run.fail, path, "no such file or directory")
        elif os.path.isdir(path):
            yield from _walk(run, path)
        elif path.endswith(TERRAFORM_SUFFIX) or terraform_files.is_variables_file(path):
            yield functools.partial(_load_terraform, run, os.path.dirname(os.path.abspath(path)))
        elif path.endswith(".tf.json"):
            yield functools.partial(_terraform_json, run, os.path.normpath(path))
        else:
            yield FileUnit(path, os.path.normpath(path), explicit=True)


def _unused_parameters(run: _Run) -> None:
    """A --param (or --params) name no scanned template or module declares: most likely a typo, and the value it
    was meant to decide stays unknown. A warning, as a parameters file may serve more templates than were read."""
    for name in sorted(set(run.options.parameters) - run.declared):
        run.problems.append(LoadProblem(
            file=COMMAND_LINE, severity=ProblemSeverity.WARNING,
            message=f"--param {name}: no template parameter or Terraform variable of the scanned files has this "
                    "name; the value was not used"))  # fmt: skip


def _through_callers(run: _Run) -> None:
    """A reusable workflow that a workflow of the run reads is linted as part of it, not on its own as well: alone,
    its inputs are unknown and every verdict would be too. One that no workflow of the run calls stays."""
    roots = [f for f in run.reads if f not in run.called_only or not any(f in r for r in run.reads.values())]
    callers: dict[str, list[str]] = {}
    for root in roots:
        for file in run.reads[root]:
            if file in run.called_only:
                callers.setdefault(file, []).append(root)
    if not callers:
        return
    run.pipelines = [p for p in run.pipelines if p.source.file not in callers]
    run.files = [dataclasses.replace(f, pipelines=0, note="reusable workflow, linted as part of the workflows that "
                                     f"call it: {_some(callers[f.file])}") if f.file in callers else f
                 for f in run.files]  # fmt: skip


def _some(names: list[str], shown: int = 3) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def _walk(run: _Run, top: str) -> Iterator[FileUnit | Callable[[], None]]:
    for directory, subdirectories, files in os.walk(top):
        note(os.path.join(directory, ""))  # a file added or removed changes what the run reads
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES)
        if "manifest.json" in files and is_assembly(os.path.join(directory, "manifest.json")):
            subdirectories[:] = []  # the assembly's manifest says which templates to read
            path = os.path.join(directory, "manifest.json")
            yield FileUnit(path, os.path.normpath(path), explicit=False)
            continue
        names = sorted(files)
        yield functools.partial(_load_terraform, run, os.path.abspath(directory))
        for name in names:
            path = os.path.join(directory, name)
            suffix = os.path.splitext(name)[1].lower()
            if name.endswith(".tf.json"):
                yield functools.partial(_terraform_json, run, os.path.normpath(path))
            elif (suffix in CANDIDATE_SUFFIXES and not SKIPPED_FILES.fullmatch(name) and _is_file(path)
                  and not terraform_files.is_variables_file(name)):  # fmt: skip
                yield FileUnit(path, os.path.normpath(path), explicit=False)


def _is_file(path: str) -> bool:
    """os.path.isfile; a name that is not a file (a link to nothing yet, a folder) is noted: the run's result
    changes once it is one. A file is noted when it is read."""
    found = os.path.isfile(path)
    if not found:
        note(path)
    return found


def _terraform_json(run: _Run, display: str) -> None:
    run.fail(display, "Terraform's JSON syntax (.tf.json, as CDK for Terraform writes it) is not read by this version "
             "of pipelint; the file was not checked", severity=ProblemSeverity.WARNING)  # fmt: skip


def _terraform_modules(run: _Run, paths: list[str]) -> dict:
    """Every Terraform module of the run, parsed before any is read: a module another one calls is read through
    that call, with its inputs. A directory's .tf files are one module, also when one of them is named: Terraform
    reads them all, and its terraform.tfvars and *.auto.tfvars; a .tfvars file named beside them applies too."""
    named: dict[str, tuple[str, list[str]]] = {}  # directory -> (as the user wrote it, variable files named)
    for path in paths:
        if os.path.isdir(path):
            for directory, subdirectories, _ in os.walk(path):
                subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES)
                named.setdefault(os.path.abspath(directory), (os.path.normpath(directory), []))
        elif os.path.isfile(path) and (path.endswith(TERRAFORM_SUFFIX) or terraform_files.is_variables_file(path)):
            _, variables = named.setdefault(os.path.dirname(os.path.abspath(path)),
                                            (os.path.normpath(os.path.dirname(path) or "."), []))  # fmt: skip
            if not path.endswith(TERRAFORM_SUFFIX):
                variables.append(path)
    found: dict[str, tuple] = {}
    for directory, (display, variables) in named.items():
        note(os.path.join(directory, ""))  # a .tf file added beside a named one joins its module
        names = sorted(os.listdir(directory))
        tf = [n for n in names if n.endswith(TERRAFORM_SUFFIX) and _is_file(os.path.join(directory, n))]
        if not tf:
            for path in variables:
                run.fail(os.path.normpath(path), "a Terraform variables file without a .tf file in its directory; it "
                         "was not used", severity=ProblemSeverity.WARNING)  # fmt: skip
            continue
        automatic = [os.path.join(display, n) for n in terraform_files.automatic_variable_files(names)]
        found[directory] = (display, [os.path.join(display, n) for n in tf], [*automatic, *variables])
    if not found:
        return {}
    from checker.loaders.terraform import loader as terraform  # the HCL parser costs an import only when needed

    modules = {}
    for directory, (display, tf, variables) in found.items():
        try:
            modules[directory] = terraform.parse_module(display, [terraform.SourceFile(p, os.path.normpath(p)) for p in tf],
                                                        [terraform.SourceFile(p, os.path.normpath(p)) for p in variables],
                                                        run.options)  # fmt: skip
        except Exception as error:  # noqa: BLE001 - a loader bug must not hide the other files
            for path in tf:
                run.crash(os.path.normpath(path), error)
    run.called = terraform.called(modules)
    run.declared.update(b.labels[0] for parsed in modules.values() for hcl in parsed.files for b in hcl.body.blocks
                        if b.type == "variable" and len(b.labels) == 1)  # fmt: skip
    return modules


def _load_terraform(run: _Run, directory: str) -> None:
    """A root module, where the walk meets it, with the modules it calls; a called module is read by its caller."""
    if directory not in run.modules or directory in run.done or directory in run.called:
        return
    from checker.loaders.terraform import loader as terraform

    run.done.add(directory)
    try:
        loaded = terraform.evaluate_tree(run.modules[directory], run.modules)
    except Exception as error:  # noqa: BLE001 - a loader bug must not hide the other files
        for file in run.modules[directory].out.files:
            run.crash(file, error)
        return
    result = loaded.result
    run.pipelines.extend(result.pipelines)
    run.targets.extend(result.targets)
    for member in loaded.members:
        run.problems.extend(member.out.result.problems)  # what reading its files found
        for display in member.out.files:
            spans = {**member.out.spans.get(display, {}), **loaded.spans.get(display, {})}
            mine = [p for p in result.pipelines if p.source.file == display]
            targets = [t for t in result.targets if t.source.file == display]
            run.files.append(FileSummary(file=display, kind=terraform.NAME, pipelines=len(mine), targets=len(targets)))
            run.finders[display] = spans.get
            run.index.record(display, spans.get, set(spans))
        run.files += [FileSummary(file=f, kind=terraform.NAME, note="Terraform variables") for f in member.out.variable_files]
    run.problems.extend(result.problems)  # what evaluating them found


def _reopen(run: _Run, file: str) -> SpanFinder | None:
    if file in run.finders:
        return run.finders[file]
    try:
        return open_document(run.disk.get(file, file), file).spans
    except (LoadError, OSError):
        return None
