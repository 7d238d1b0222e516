"""A finding's identity that survives edits: its model path with stages and actions named, not numbered.

`/Resources/Pipeline/Properties/Stages/4/Actions/0` becomes `/Resources/Pipeline/Properties/Stages/[DeployProd]/
Actions/[Deploy]`, so that inserting a stage before prod does not make a known finding new (baselines) or
close and reopen a code-scanning alert (SARIF fingerprints). Brackets cannot occur in CodePipeline names, so a
named part never reads as an index or a key.
"""

from __future__ import annotations

from checker.model import SourceRef, Unknown, Workspace
from checker.model.source import Path


class Identities:
    def __init__(self, workspace: Workspace) -> None:
        self._names: dict[tuple[str, Path], str] = {}
        for pipeline in workspace.pipelines:
            for stage in pipeline.stages:
                self._add(stage.source, stage.name)
                for action in stage.actions:
                    self._add(action.source, action.name)

    def _add(self, ref: SourceRef, name: str | Unknown) -> None:
        text = name.text if isinstance(name, Unknown) else name
        if ref.path and isinstance(ref.path[-1], int) and text:
            self._names.setdefault((ref.file, ref.path), f"[{text}]")  # the first scenario's name

    def of(self, ref: SourceRef) -> str:
        parts = [
            self._names.get((ref.file, ref.path[: index + 1]), part) if isinstance(part, int) else part
            for index, part in enumerate(ref.path)
        ]
        return SourceRef(ref.file, tuple(parts)).pointer()
