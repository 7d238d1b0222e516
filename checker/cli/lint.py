"""The commands that load files: `lint`, `show` and `run`, with the parallel loader and the cache."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from typing import TextIO

from checker.analysis.core import Analysis
from checker.cli import commands
from checker.cli.output import output, replay
from checker.engine import baseline as baseline_file
from checker.engine.baseline import Baseline
from checker.engine.report import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Report
from checker.engine.run import lint
from checker.load import load_workspace
from checker.loaders.base import LoadOptions
from checker.loaders.params import collect
from checker.model import Severity, SuppressionKind, Workspace
from checker.runner.cache import Cache
from checker.runner.parallel import ForkMap, Loader, default_jobs, quiet_collector
from checker.runner.progress import Progress
from checker.runner.runs import KIND, RunRecord
from checker.sources.read import note, recording
from checker.views.problems import problems_text
from checker.views.style import Style


def execute(args: argparse.Namespace, cache: Cache | None, key: str | None) -> int:
    """Run a command; `key`: where `lint` keeps its run in the cache (None: it is not kept)."""
    with quiet_collector():
        return _execute(args, cache, key)


def _execute(args: argparse.Namespace, cache: Cache | None, key: str | None) -> int:
    if args.command == "lint":
        if cache is None or key is None:
            return replay(_lint(args, cache)[0])
        with recording() as reads:
            record, report = _lint(args, cache)
        keep = not any("internal error" in p.message for p in report.problems)  # a pipelint bug is not kept
        del report  # only its text is needed now
        if keep:
            cache.put(KIND, key, replace(record, depends=tuple(reads.files.items())))
        return replay(record)
    options = _options(args)
    loader = _loader(args, cache)
    if args.command == "run":
        from checker.cli.run import run

        return run(args, _load(args.paths, options, loader))
    from checker.policy.load import load_policy

    environments = load_policy(args.policy).environments  # a wrong policy stops before any file is loaded
    workspace = _load(args.paths, options, loader)
    with output(args.output) as stream:
        _show(workspace, Analysis(workspace, environments), args.format, stream)
    return EXIT_ERROR if workspace.has_errors else EXIT_OK


def _lint(args: argparse.Namespace, cache: Cache | None) -> tuple[RunRecord, Report]:
    """Everything `pipelint lint` writes and says, worked out (and not yet written)."""
    # a wrong policy, baseline or --format/--output pairing stops before any file is loaded
    policy = commands.policy_of(args)
    targets = commands.targets(args.format, args.output, args.write_baseline)
    if args.baseline:
        note(args.baseline)
    baseline = Baseline.read(args.baseline) if args.baseline else None
    workspace = _load(args.paths, _options(args), _loader(args, cache))
    report = lint(workspace, policy, fail_on=Severity(args.fail_on), map_groups=ForkMap(_jobs(args)))
    if args.cfn_lint:  # imported only here, after loading: cfn-lint's import slows every later parse
        from checker.integrations.cfn_lint.validate import with_cfn_lint

        report = with_cfn_lint(report)
    notes = []
    if baseline is not None:
        report = baseline.apply(report)
        if baseline.counts and not any(f.suppressed and f.suppressed.kind is SuppressionKind.BASELINE
                                       for f in report.findings):  # fmt: skip
            notes.append(f"pipelint: note: no finding matched the baseline {args.baseline} (all fixed, or it was "
                         "written for other files or from another folder?)")  # fmt: skip
    if args.write_baseline:
        written = baseline_file.write(report, args.write_baseline)
        notes.append(f"pipelint: wrote {written} finding(s) to the baseline {args.write_baseline}")
    rendered, said = commands.render_reports(report, targets, show_unknown=not args.hide_unknown)
    if args.write_baseline and report.exit_code != EXIT_ERROR:
        code = EXIT_OK
    else:
        code = EXIT_OK if args.exit_zero and report.exit_code == EXIT_FINDINGS else report.exit_code
    return RunRecord((), tuple(rendered), said, tuple(notes), code), report


def _options(args: argparse.Namespace) -> LoadOptions:
    return LoadOptions(parameters=collect(args.param, args.params), max_file_bytes=int(args.max_file_size * 1048576),
                       var_files=tuple(args.var_files))  # fmt: skip


def _jobs(args: argparse.Namespace) -> int:
    return args.jobs or default_jobs()


def _loader(args: argparse.Namespace, cache: Cache | None) -> Loader:
    return Loader(jobs=_jobs(args), cache=cache, progress=Progress.on_terminal(not args.no_progress))


def _load(paths: list[str], options: LoadOptions, loader: Loader) -> Workspace:
    try:
        return load_workspace(paths, options, load_files=loader)
    finally:
        if loader.progress is not None:
            loader.progress.close()


def _show(workspace: Workspace, analysis: Analysis, fmt: str, stream: TextIO) -> None:
    from checker.views import show

    if fmt == "json":
        # compact: with an indent, the json module falls back to its pure-Python encoder (4x slower)
        stream.write(json.dumps(show.as_json(workspace, analysis), separators=(",", ":"), allow_nan=False) + "\n")
        return
    stream.write(show.text(workspace, analysis, Style.for_stream(stream)))
    if workspace.problems:
        stream.write("\n" + problems_text(workspace.problems, Style.for_stream(stream)) + "\n")
