"""--jobs, the cache and the progress bar: the same results as a plain serial run, byte for byte."""

from __future__ import annotations

import io
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli.main import main
from checker.load import FileUnit, load_workspace
from checker.loaders.base import LoadOptions
from checker.model import FrozenDict
from checker.runner.cache import Cache, unchanged
from checker.runner.parallel import Loader
from checker.runner.progress import Progress
from tests.conftest import ROOT, SAMPLES


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("PIPELINT_NO_CACHE", raising=False)
    folder = tmp_path / "cache"
    monkeypatch.setenv("PIPELINT_CACHE_DIR", str(folder))
    return folder


def _lint(tmp_path: Path, *args: str, name: str = "out.json") -> tuple[int, str]:
    out = tmp_path / name
    code = main(["lint", *args, "-f", "json", "-o", str(out), "--no-progress"])
    return code, out.read_text(encoding="utf-8")


def _entries(folder: Path, kind: str) -> list[Path]:
    return sorted(p for p in (folder / kind).rglob("*") if p.is_file()) if (folder / kind).is_dir() else []


def test_parallel_and_serial_reports_are_byte_identical(tmp_path: Path) -> None:
    serial = _lint(tmp_path, str(SAMPLES), "--jobs", "1", "--no-cache", name="serial.json")
    parallel = _lint(tmp_path, str(SAMPLES), "--jobs", "3", "--no-cache", name="parallel.json")
    assert serial == parallel
    assert serial[0] == 1 and '"PL101"' in serial[1]


@pytest.mark.corpus
def test_parallel_equals_serial_over_the_corpus(tmp_path: Path, corpus: Path) -> None:
    options = LoadOptions()
    units = [FileUnit(str(p), str(p), False) for p in sorted(corpus.rglob("*")) if p.suffix in (".yaml", ".yml", ".json")]
    assert len(units) > 16  # enough to use processes (MIN_PARALLEL)
    serial = Loader(jobs=1)(units, options)
    parallel = Loader(jobs=2)(units, options)
    assert serial == parallel
    assert _lint(tmp_path, str(corpus), "-j", "1", "--no-cache", name="a.json") == \
        _lint(tmp_path, str(corpus), "-j", "2", "--no-cache", name="b.json")  # fmt: skip


def test_an_unchanged_run_is_replayed_and_a_changed_file_is_read_again(tmp_path: Path, cache_dir: Path) -> None:
    folder = tmp_path / "pipelines"
    shutil.copytree(SAMPLES / "02-prod-without-approval", folder)
    first = _lint(tmp_path, str(folder))
    assert first[0] == 1 and '"PL101"' in first[1]
    assert len(_entries(cache_dir, "run")) == 1 and _entries(cache_dir, "file")
    assert _lint(tmp_path, str(folder)) == first  # from the run's entry
    fixed = (SAMPLES / "01-compliant-three-accounts" / "codepipeline.json").read_text(encoding="utf-8")
    (folder / "codepipeline.json").write_text(fixed, encoding="utf-8")
    second = _lint(tmp_path, str(folder))
    assert second != first
    assert second == _lint(tmp_path, str(folder), "--no-cache", name="fresh.json")
    assert len(_entries(cache_dir, "run")) == 1  # same command line: the entry is replaced


def test_a_file_added_to_a_scanned_folder_is_read(tmp_path: Path, cache_dir: Path) -> None:
    folder = tmp_path / "pipelines"
    folder.mkdir()
    shutil.copy(SAMPLES / "01-compliant-three-accounts" / "codepipeline.json", folder / "a.json")
    code, before = _lint(tmp_path, str(folder))
    assert code == 0
    shutil.copy(SAMPLES / "02-prod-without-approval" / "codepipeline.json", folder / "b.json")
    code, after = _lint(tmp_path, str(folder))
    assert code == 1 and '"PL101"' in after and "b.json" in after


def test_a_reusable_workflow_edited_or_deleted_is_read_again(tmp_path: Path, cache_dir: Path) -> None:
    workflows = tmp_path / "repo" / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "deploy.yml").write_text(
        "on: push\njobs:\n  prod:\n    uses: ./.github/workflows/called.yml\n", encoding="utf-8")
    called = workflows / "called.yml"
    called.write_text("on: workflow_call\njobs:\n  go:\n    runs-on: x\n    steps: [{run: echo}]\n", encoding="utf-8")
    target = str(workflows / "deploy.yml")  # the callee is not named: found through the caller
    code, first = _lint(tmp_path, target)
    assert "not in the repository" not in first
    called.unlink()
    code, second = _lint(tmp_path, target)
    assert "not in the repository" in second
    assert second == _lint(tmp_path, target, "--no-cache", name="fresh.json")[1]


def test_file_entries_serve_other_command_lines(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _lint(tmp_path, str(SAMPLES))
    calls = []
    import checker.runner.parallel as parallel

    real = parallel.load_file
    monkeypatch.setattr(parallel, "load_file", lambda *a: calls.append(a) or real(*a))
    code, text = _lint(tmp_path, str(SAMPLES), "--select", "PL101", "-j", "1", name="other.json")  # another run key
    assert calls == [] and code == 1
    assert text == _lint(tmp_path, str(SAMPLES), "--select", "PL101", "--no-cache", name="fresh.json")[1]


def test_no_cache_writes_nothing(tmp_path: Path, cache_dir: Path) -> None:
    _lint(tmp_path, str(SAMPLES), "--no-cache")
    assert not cache_dir.exists()


def test_an_entry_that_is_damaged_or_hostile_is_a_miss(tmp_path: Path, cache_dir: Path) -> None:
    first = _lint(tmp_path, str(SAMPLES))
    hostile = pickle.dumps(os.system)  # unpickling this would hand out a function that runs commands
    for entry in _entries(cache_dir, "run") + _entries(cache_dir, "file")[:5]:
        entry.write_bytes(hostile)
    for entry in _entries(cache_dir, "file")[5:10]:
        entry.write_bytes(b"\x80\x05truncated")
    assert _lint(tmp_path, str(SAMPLES)) == first
    cache, _ = Cache.open(str(cache_dir))
    assert cache is not None and cache.get("run", _entries(cache_dir, "run")[0].name) is not None  # rewritten
    (cache_dir / "x").mkdir()
    (cache_dir / "x" / "y").write_bytes(hostile)
    assert Cache(str(cache_dir)).get("x", "y") is None


def test_a_cache_folder_that_cannot_be_made_is_a_note(tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    code, text = _lint(tmp_path, str(SAMPLES), "--cache-dir", str(blocker / "cache"))
    assert code == 1 and "cannot be used" in capsys.readouterr().err


def test_frozen_dicts_survive_pickling_with_a_fresh_hash() -> None:
    value = FrozenDict({"a": FrozenDict({"b": 1})})
    hash(value)
    again = pickle.loads(pickle.dumps(value))
    assert again == value and type(again) is FrozenDict and hash(again) == hash(value)
    with pytest.raises(TypeError):
        again["c"] = 2  # type: ignore[index]


def test_workspace_from_parallel_loads_locates_findings_without_reading_again(tmp_path: Path) -> None:
    workspace = load_workspace([str(SAMPLES)], load_files=Loader(jobs=2))
    serial = load_workspace([str(SAMPLES)])
    assert workspace.pipelines == serial.pipelines and workspace.problems == serial.problems
    ref = serial.pipelines[0].source
    assert workspace.locate(ref) == serial.locate(ref) is not None


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_appears_after_a_second_and_is_wiped() -> None:
    stream, clock = io.StringIO(), _Clock()
    progress = Progress(True, stream, clock)
    progress.phase("loading files", 4)
    progress.advance()
    assert stream.getvalue() == ""  # a quick run shows nothing
    clock.now = 1.5
    progress.advance()
    assert stream.getvalue() == "\rpipelint: loading files 2/4 [" + "#" * 15 + "." * 15 + "]  50%"
    clock.now = 1.52
    progress.advance()  # redrawn at most ten times a second
    assert stream.getvalue().count("\r") == 1
    progress.close()
    assert stream.getvalue().endswith("\r\033[K")


def test_no_progress_bar_off_a_terminal() -> None:
    stream, clock = io.StringIO(), _Clock()
    progress = Progress(False, stream, clock)
    clock.now = 5
    progress.phase("loading files", 1)
    progress.advance()
    progress.close()
    assert stream.getvalue() == ""


HEAVY = ("moto", "boto3", "botocore", "pandas", "jsonschema", "cfnlint", "lark", "hcl2", "matplotlib")


def _modules_after(code: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                            cwd=ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    return set(result.stdout.split())


def test_linting_one_template_imports_no_heavy_library(tmp_path: Path) -> None:
    template = SAMPLES / "01-compliant-three-accounts" / "cloudformation.yaml"
    loaded = _modules_after(f"from checker.cli.main import main; assert main(['lint', {str(template)!r}, '--no-cache', "
                            f"'-o', {str(tmp_path / 'r.txt')!r}]) == 0")  # fmt: skip
    assert "1 pipeline(s) checked" in (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert not {m.split(".")[0] for m in loaded} & set(HEAVY)


def test_a_replayed_run_loads_neither_parsers_nor_rules(tmp_path: Path, cache_dir: Path) -> None:
    args = f"['lint', {str(SAMPLES)!r}, '-o', {str(tmp_path / 'r.json')!r}]"
    _modules_after(f"from checker.cli.main import main; main({args})")
    loaded = _modules_after(f"from checker.cli.main import main; main({args})")
    assert "checker.cli.lint" not in loaded and "yaml" not in loaded and "checker.rules" not in loaded


def test_rule_packs_are_found_without_importlib_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.packs import declared

    (tmp_path / "mine-1.0.dist-info").mkdir()
    (tmp_path / "mine-1.0.dist-info" / "entry_points.txt").write_text("[pipelint.rules]\nmine = mine.rules:RULES\n")
    (tmp_path / "other-2.0.dist-info").mkdir()
    (tmp_path / "other-2.0.dist-info" / "entry_points.txt").write_text("[console_scripts]\nother = other:main\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), str(tmp_path / "missing")])
    assert declared() == [(str(tmp_path), "mine-1.0.dist-info", "[pipelint.rules]\nmine = mine.rules:RULES\n")]
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing")])
    assert declared() == []


def test_a_tf_file_added_beside_a_named_one_is_read(tmp_path: Path, cache_dir: Path) -> None:
    module = tmp_path / "infra"
    module.mkdir()
    (module / "main.tf").write_text('variable "x" {\n  default = "a"\n}\n', encoding="utf-8")
    first = _lint(tmp_path, str(module / "main.tf"))
    pipeline = (SAMPLES / "02-prod-without-approval" / "terraform" / "main.tf").read_text(encoding="utf-8")
    (module / "pipeline.tf").write_text(pipeline, encoding="utf-8")
    second = _lint(tmp_path, str(module / "main.tf"))
    assert second != first and second == _lint(tmp_path, str(module / "main.tf"), "--no-cache", name="fresh.json")


def test_a_link_retargeted_to_the_same_bytes_is_seen(tmp_path: Path, cache_dir: Path) -> None:
    """A reusable workflow linked outside the repository is refused, whatever its bytes."""
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (repo / "shared").mkdir()
    outside.mkdir()
    (workflows / "main.yml").write_text("on: push\njobs:\n  deploy:\n    uses: ./.github/workflows/reuse.yml\n")
    called = "on: workflow_call\njobs:\n  prod:\n    runs-on: x\n    environment: production\n    steps: [{run: echo}]\n"
    (repo / "shared" / "reuse.yml").write_text(called)
    (outside / "reuse.yml").write_text(called)
    (workflows / "reuse.yml").symlink_to(repo / "shared" / "reuse.yml")
    target = str(workflows / "main.yml")
    first = _lint(tmp_path, target)
    _lint(tmp_path, target, name="other.json")  # another run, from the files' entries
    records = [Cache(str(cache_dir)).get("run", entry.name) for entry in _entries(cache_dir, "run")]
    assert len(records) == 2 and all(unchanged(r.depends) for r in records)  # both used again while unchanged
    (workflows / "reuse.yml").unlink()
    (workflows / "reuse.yml").symlink_to(outside / "reuse.yml")
    second = _lint(tmp_path, target)
    assert "outside the repository" in second[1] and "outside the repository" not in first[1]
    assert second == _lint(tmp_path, target, "--no-cache", name="fresh.json")


def test_a_link_to_nothing_that_comes_to_point_at_a_file_is_read(tmp_path: Path, cache_dir: Path) -> None:
    folder, other = tmp_path / "in", tmp_path / "other"
    folder.mkdir()
    other.mkdir()
    (folder / "p.json").symlink_to(other / "p.json")
    assert _lint(tmp_path, str(folder))[0] == 0
    shutil.copy(SAMPLES / "02-prod-without-approval" / "codepipeline.json", other / "p.json")
    code, text = _lint(tmp_path, str(folder))
    assert code == 1 and '"PL101"' in text


def test_a_file_named_like_a_shipped_pack_takes_its_place(tmp_path: Path, cache_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    sample = str(SAMPLES / "02-prod-without-approval" / "codepipeline.json")
    assert _lint(tmp_path, sample, "--policy", "strict")[0] == 1
    (tmp_path / "strict").write_text("version: 1\nextends: default\nrules:\n  ignore: [PL101]\n")
    code, _ = _lint(tmp_path, sample, "--policy", "strict")
    assert (code, _) == _lint(tmp_path, sample, "--policy", "strict", "--no-cache", name="fresh.json")


def test_a_rule_pack_edited_in_place_changes_the_code_fingerprint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.runner import cache

    (tmp_path / "mypack").mkdir()
    (tmp_path / "mypack" / "__init__.py").write_text("")
    (tmp_path / "mypack" / "rules.py").write_text("RULES = ()\n")
    (tmp_path / "mypack-1.0.dist-info").mkdir()
    (tmp_path / "mypack-1.0.dist-info" / "entry_points.txt").write_text("[pipelint.rules]\nmypack = mypack.rules:RULES\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = cache.code_fingerprint()
    (tmp_path / "mypack" / "rules.py").write_text("RULES = ()  # edited, one line longer\n")
    assert cache.code_fingerprint() != before
