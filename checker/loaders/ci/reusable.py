"""The reusable workflows of the repository a GitHub workflow runs (`jobs.<id>.uses: ./.github/workflows/x.yml`).

GitHub reads such a path from the root of the caller's repository: the folder that holds `.github`. pipelint
reads the file from the disk there, with the same safe reader as any other, only inside that repository, and at
most as deep and as many as GitHub runs (ten levels, fifty workflows). A workflow of another repository
(`owner/repo/...@ref`) is not fetched: linting never touches the network.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from checker.model import LoadProblem
from checker.sources.document import Document, open_document
from checker.sources.errors import LoadError
from checker.sources.read import note

MAX_DEPTH = 10  # GitHub: ten levels of workflows, the caller's included
MAX_WORKFLOWS = 50  # GitHub: fifty distinct workflows in one run
_WORKFLOWS = os.path.join(".github", "workflows")
_REMOTE = re.compile(r"[\w.-]+/[\w.-]+/\.github/workflows/[^@\s]+@\S+")


@dataclass(frozen=True, slots=True)
class Called:
    """A workflow a job runs: its document when pipelint read it, otherwise why not (and, when its file could not
    be read, the problem to report: the caller may be the only file of the run that names it)."""

    uses: str
    doc: Document | None = None
    why: str = ""  # e.g. "which is named by repository and version (owner/repo/path@ref); ..."
    problem: LoadProblem | None = None


@dataclass(slots=True)
class Calls:
    """The workflows one run of a caller reads, each read once; `read` lists their files in the order met."""

    max_bytes: int
    read: list[str] = field(default_factory=list)
    _docs: dict[str, Document | LoadError] = field(default_factory=dict)

    def open(self, uses: str, caller: str, chain: tuple[str, ...]) -> Called:
        """The workflow `uses` names, called from the file `caller` through the files of `chain` (the first
        caller's included)."""
        if not uses.startswith("./"):
            if _REMOTE.fullmatch(uses):
                return Called(uses, why="which is named by repository and version (owner/repo/path@ref); pipelint "
                                        "does not fetch workflows")  # fmt: skip
            return Called(uses, why="which is neither ./.github/workflows/FILE nor owner/repo/.github/workflows/"
                                    "FILE@ref (GitHub refuses the workflow)")  # fmt: skip
        if "@" in uses:
            return Called(uses, why="which names a version (@ref); a workflow of the same repository takes none "
                                    "(GitHub refuses the workflow)")  # fmt: skip
        if os.path.dirname(os.path.normpath(uses)) != _WORKFLOWS:
            return Called(uses, why=f"which is not in {_WORKFLOWS}/, where GitHub runs reusable workflows from")
        path = local_path(caller, uses)
        if path is None:
            return Called(uses, why=f"which is read from the repository root, and {caller} is not in a "
                                    f"{_WORKFLOWS} folder that says where that root is")  # fmt: skip
        if _same_file(path, caller):
            return Called(uses, why="which is this workflow itself (GitHub refuses a workflow that calls itself)")
        if any(_same_file(path, c) for c in chain):
            return Called(uses, why="which runs a workflow that runs it: a cycle (GitHub refuses the workflow)")
        if len(chain) + 2 > MAX_DEPTH:  # the callers above, the caller, and this one
            return Called(uses, why=f"which is nested deeper than the {MAX_DEPTH} levels GitHub runs")
        if path not in self._docs and len(self._docs) >= MAX_WORKFLOWS:
            return Called(uses, why=f"beyond the {MAX_WORKFLOWS} workflows GitHub runs in one run")
        if path not in self._docs:
            self._docs[path] = _read(path, caller, self.max_bytes)
            self.read.append(path)
        found = self._docs[path]
        if isinstance(found, LoadError):
            if not os.path.lexists(path):
                return Called(uses, why=f"which is not in the repository (no {path})")
            where = f" (line {found.line})" if found.line else ""
            problem = LoadProblem(file=path, message=found.message, line=found.line, column=found.column)
            return Called(uses, why=f"which pipelint could not read: {found.message}{where}", problem=problem)
        value = found.value
        if not isinstance(value, dict) or not isinstance(value.get("jobs"), dict):
            return Called(uses, why=f"whose file {path} defines no jobs")
        return Called(uses, doc=found)


def _read(path: str, caller: str, max_bytes: int) -> Document | LoadError:
    if "\0" in path:  # no file has such a name, and os.stat refuses it with a ValueError
        return LoadError("no such file")
    note(path)  # also when it is missing: the caller's result changes once it appears
    if not os.path.lexists(path):
        return LoadError("no such file")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(caller))))
    if os.path.commonpath([os.path.realpath(path), os.path.realpath(root)]) != os.path.realpath(root):
        return LoadError("it links to a file outside the repository; GitHub reads the repository's own files only")
    if not os.path.isfile(path):  # a folder, a pipe: never wait on one
        return LoadError("it is not a regular file")
    try:
        return open_document(path, path, max_bytes)
    except LoadError as error:
        return error
    except OSError as error:  # no permission, a file that went away: never a traceback
        return LoadError(error.strerror or str(error))


def local_path(caller: str, uses: str) -> str | None:
    """Where `./.github/workflows/x.yml` is for a workflow in `caller`, named as the run names the caller
    (relative stays relative): None when the caller is not in a `.github/workflows` folder."""
    folder = os.path.dirname(os.path.abspath(caller))
    if os.path.basename(folder) != "workflows" or os.path.basename(os.path.dirname(folder)) != ".github":
        return None
    target = os.path.join(os.path.dirname(os.path.dirname(folder)), os.path.normpath(uses))
    if os.path.isabs(caller):
        return target
    return os.path.normpath(os.path.join(os.path.dirname(caller), os.path.relpath(target, folder)))


def _same_file(a: str, b: str) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def call_only(workflow: dict) -> bool:
    """A workflow no event but another workflow's call starts (`on: workflow_call`)."""
    on = workflow.get("on", workflow.get(True))
    events = [on] if isinstance(on, str) else list(on) if isinstance(on, (list, dict)) else []
    return events == ["workflow_call"]


def inputs_of(workflow: dict, given: dict[str, object]) -> dict[str, object]:
    """The workflow's inputs for one call, as `inputs.NAME`: what the caller gives (`with:`), else the input's
    default, each of its declared type (a boolean `false` is false, not the text "false"); an input neither
    gives stays out (its expressions stay unknown)."""
    on = workflow.get("on", workflow.get(True))
    call = on.get("workflow_call") if isinstance(on, dict) else None
    declared = call.get("inputs") if isinstance(call, dict) else None
    specs = {str(k): v for k, v in declared.items() if isinstance(v, dict)} if isinstance(declared, dict) else {}
    values = {name: spec["default"] for name, spec in specs.items() if spec.get("default") is not None}
    values.update({name: item for name, item in given.items() if item is not None})
    return {f"inputs.{name}": _typed(item, specs.get(name, {}).get("type")) for name, item in values.items()}


def _typed(value: object, kind: object) -> object:
    if isinstance(value, str) and "${" not in value:
        if kind == "boolean" and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        if kind == "number":
            try:
                number = float(value)
            except ValueError:
                return value
            return int(number) if number.is_integer() else number
    return value if isinstance(value, (str, bool, int, float)) else str(value)
