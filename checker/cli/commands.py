"""The pieces of the commands that are not argument parsing: the policy, the output, `pipelint rules`."""

from __future__ import annotations

import argparse
import json
import os
import sys

from checker.cli.output import UsageError, output
from checker.engine.report import EXIT_OK, Report
from checker.policy.model import Policy
from checker.rules.registry import by_code, catalog
from checker.views import rules as rules_view
from checker.views.style import Style


SUFFIXES = {".txt": "text", ".json": "json", ".sarif": "sarif", ".xml": "junit", ".md": "markdown",
            ".markdown": "markdown", ".html": "html", ".htm": "html"}  # fmt: skip
STDOUT = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")


def targets(formats: list[str] | None, outputs: list[str] | None, baseline: str | None = None) -> list[tuple[str, str | None]]:
    """--format/--output pairs: the n-th --output takes the n-th --format; None is standard output.

    Without --format, each --output's format comes from its suffix (report.sarif is SARIF). Every file is
    checked before anything is loaded: a report that cannot be written must not cost the run.
    """
    outputs = outputs or []
    if not formats:
        formats = [SUFFIXES.get(os.path.splitext(path)[1].lower(), "text") for path in outputs] or ["text"]
    if len(outputs) != len(formats) and not (len(formats) == 1 and not outputs):
        raise UsageError(f"{len(formats)} --format but {len(outputs)} --output: give one --output per --format "
                         "(use '-' for standard output)")  # fmt: skip
    paired = [(fmt, None if path is None or path in STDOUT else path) for fmt, path in zip(formats, outputs or [None])]
    if sum(1 for _, path in paired if path is None) > 1:
        raise UsageError("only one report can go to standard output; give the others an --output FILE")
    files = [path for _, path in paired if path is not None] + ([baseline] if baseline else [])
    if baseline in STDOUT:
        raise UsageError("--write-baseline needs a file name, not standard output")
    real = [os.path.realpath(path) for path in files]
    if len(set(real)) != len(real):
        raise UsageError("two outputs (reports or --write-baseline) would be written to the same file")
    for path in files:
        _writable(path)
    return paired


def _writable(path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"cannot write {path}: it is a folder")
    if not os.path.isdir(folder):
        raise UsageError(f"cannot write {path}: there is no folder {folder}")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise UsageError(f"cannot write {path}: permission denied")


def render_reports(report: Report, targets: list[tuple[str, str | None]], *,
                   show_unknown: bool) -> tuple[list[tuple[str | None, tuple[str, ...]]], str | None]:  # fmt: skip
    """Every report rendered, first, so that a failing reporter leaves no half-written set of files; and the
    summary line to print when none of them goes to standard output."""
    from checker.views.formats import render_parts
    from checker.views.lint import summary

    rendered = []
    for fmt, path in targets:
        style = Style.for_stream(sys.stdout) if path is None else Style(False)
        rendered.append((path, tuple(render_parts(report, fmt, style=style, show_unknown=show_unknown))))
    said = None
    if all(path is not None for path, _ in rendered):
        said = summary(report) + " Wrote " + ", ".join(f"{p} ({f})" for f, p in targets) + "."
    return rendered, said


def codes(values: list[str], option: str) -> tuple[str, ...]:
    """--select/--ignore values: comma-separated codes or prefixes, each matching at least one rule."""
    from checker.policy.checks import Catalog

    known = Catalog(catalog())  # the same check, and the same hints, as a policy pack's select and ignore
    found = []
    for value in values:
        for code in (part.strip().upper() for part in value.split(",")):
            if not code:
                continue
            problem = known.problem(code, prefix=True)
            if problem:
                raise UsageError(f"{option} {code}: {problem} (see `pipelint rules`)")
            found.append(code)
    return tuple(found)


def policy_of(args: argparse.Namespace) -> Policy:
    from checker.policy.load import load_policy

    policy = load_policy(args.policy)
    return policy.with_selection(codes(args.select, "--select"), codes(args.ignore, "--ignore"))


def rules(args: argparse.Namespace) -> int:
    with output(args.output) as stream:
        if args.code:
            rule = by_code().get(args.code.upper())
            if rule is None:
                raise UsageError(f"no rule {args.code}; `pipelint rules` lists them")
            chosen = [rule]
        else:
            chosen = list(catalog())
        if args.format == "json":
            stream.write(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity.value,
                                      "summary": r.summary(), "options": dict(r.options), "docs": r.docs()}
                                     for r in chosen], indent=2) + "\n")  # fmt: skip
        elif args.format == "markdown":
            stream.write(rules_view.markdown(chosen))
        elif args.code:
            stream.write(rules_view.page(chosen[0]))
        else:
            stream.write(rules_view.listing(chosen, Style.for_stream(stream)))
    return EXIT_OK
