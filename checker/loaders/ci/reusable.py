"""The reusable workflows of the repository a GitHub workflow runs (`jobs.<id>.uses: ./.github/workflows/x.yml`).

GitHub reads such a path from the root of the caller's repository: the folder above `.github`. pipelint reads the
file from the disk beside the caller, with the same safe reader as any other, and at most as deep and as many
as GitHub runs (ten levels, fifty workflows). A workflow of another repository (`owner/repo/...@ref`) is not
fetched: linting never touches the network.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from checker.sources.document import Document, open_document
from checker.sources.errors import LoadError

MAX_DEPTH = 10  # GitHub: ten levels of workflows, the caller's included
MAX_WORKFLOWS = 50  # GitHub: fifty distinct workflows in one run
_WORKFLOWS = os.path.join(".github", "workflows")


@dataclass(frozen=True, slots=True)
class Called:
    """A workflow a job runs: its document when pipelint read it, otherwise why not."""

    uses: str
    doc: Document | None = None
    why: str = ""  # e.g. "which is in another repository; pipelint does not fetch it"


@dataclass(slots=True)
class Calls:
    """The workflows one run of a caller reads, each read once; `read` lists their files in the order met."""

    file: str  # the caller, as the run names it
    max_bytes: int
    read: list[str] = field(default_factory=list)
    _docs: dict[str, Document | LoadError] = field(default_factory=dict)

    def open(self, uses: str, caller: str, chain: tuple[str, ...]) -> Called:
        """The workflow `uses` names, called from the file `caller` through the files of `chain`."""
        if not uses.startswith("./"):
            return Called(uses, why="which is named by repository and version (owner/repo/path@ref); pipelint "
                                    "does not fetch workflows")
        path = local_path(caller, uses)
        if path is None and os.path.dirname(os.path.normpath(uses)) != _WORKFLOWS:
            return Called(uses, why=f"which is not in {_WORKFLOWS}/, where GitHub runs reusable workflows from")
        if path is None:
            return Called(uses, why=f"which is read from the repository root, and {caller} is not in a "
                                    f"{_WORKFLOWS} folder that says where that root is")  # fmt: skip
        if path in chain or path == os.path.normpath(caller):
            return Called(uses, why="which calls itself (GitHub refuses the workflow)")
        if len(chain) + 1 >= MAX_DEPTH:
            return Called(uses, why=f"which is nested deeper than the {MAX_DEPTH} levels GitHub runs")
        if path not in self._docs and len(self._docs) >= MAX_WORKFLOWS:
            return Called(uses, why=f"beyond the {MAX_WORKFLOWS} workflows GitHub runs in one run")
        if path not in self._docs:
            try:
                if os.path.exists(path) and not os.path.isfile(path):  # a folder, a pipe: never wait on one
                    raise LoadError("it is not a regular file")
                self._docs[path] = open_document(path, path, self.max_bytes)
            except LoadError as error:
                self._docs[path] = error
            except OSError as error:  # a device, a folder without permission: never a traceback
                self._docs[path] = LoadError(error.strerror or str(error))
            if path not in self.read:
                self.read.append(path)
        found = self._docs[path]
        if isinstance(found, LoadError):
            where = f" (line {found.line})" if found.line else ""
            missing = not os.path.exists(path)
            return Called(uses, why=f"which is not in the repository beside this file (no {path})" if missing
                          else f"which pipelint could not read: {found.message}{where}")  # fmt: skip
        value = found.value
        if not isinstance(value, dict) or not isinstance(value.get("jobs"), dict):
            return Called(uses, why=f"whose file {path} defines no jobs")
        return Called(uses, doc=found)


def local_path(caller: str, uses: str) -> str | None:
    """Where `./path` is for a workflow in `caller`: from the folder above `.github`, as the run names files.
    None when the caller is not in such a folder, or the path leaves it (GitHub runs only `.github/workflows/`)."""
    folder = os.path.dirname(os.path.normpath(caller))
    if os.path.basename(folder) != "workflows" or os.path.basename(os.path.dirname(folder)) != ".github":
        return None
    relative = os.path.normpath(uses.split("@", 1)[0])
    if os.path.dirname(relative) != _WORKFLOWS:
        return None
    return os.path.join(os.path.dirname(os.path.dirname(folder)), relative)


def call_only(workflow: dict) -> bool:
    """A workflow no event but another workflow's call starts (`on: workflow_call`)."""
    on = workflow.get("on", workflow.get(True))
    events = [on] if isinstance(on, str) else list(on) if isinstance(on, (list, dict)) else []
    return events == ["workflow_call"]


def inputs_of(workflow: dict, given: dict[str, object]) -> dict[str, object]:
    """The workflow's inputs for one call: what the caller gives (`with:`), else the input's default; an input
    neither gives stays out (its expressions stay unknown)."""
    on = workflow.get("on", workflow.get(True))
    call = on.get("workflow_call") if isinstance(on, dict) else None
    declared = call.get("inputs") if isinstance(call, dict) else None
    inputs: dict[str, object] = {}
    for name, spec in (declared or {}).items() if isinstance(declared, dict) else ():
        if isinstance(spec, dict) and spec.get("default") is not None:
            inputs[f"inputs.{name}"] = _text(spec["default"])
    inputs.update({f"inputs.{name}": _text(item) for name, item in given.items() if item is not None})
    return inputs


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
