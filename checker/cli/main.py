"""`pipelint`: show and lint AWS deployment pipelines.

Exit codes: 0 everything loaded; 2 an input could not be loaded, the command line was wrong, or pipelint failed.
(1, findings at or above a severity, comes with the rule set.)
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from checker import __version__
from checker.analysis.core import Analysis
from checker.load import load_workspace
from checker.loaders.base import LoadOptions
from checker.loaders.params import ParameterError, collect
from checker.model import ProblemSeverity, Workspace
from checker.sources.read import MAX_FILE_BYTES
from checker.views import show
from checker.views.problems import problems_text
from checker.views.style import Style

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

DESCRIPTION = """\
Check AWS deployment pipelines for safe multi-environment practice.

pipelint reads CodePipeline JSON (aws codepipeline get-pipeline output, create-pipeline input, bare
declarations), CloudFormation and SAM templates (YAML or JSON) and CDK cloud assemblies (cdk.out). Directories
are scanned recursively and files are recognised by their content.
"""
EPILOG = """\
exit codes: 0 every input loaded (warnings may be printed);
            2 an input could not be loaded (a PL000 error), the command line was wrong,
              or pipelint itself failed.
examples:
  pipelint show sample_pipelines/
  pipelint show pipeline.json --format json --output pipeline-model.json
  pipelint lint infra/ --param Environment=prod --params params/prod.json
"""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories to read (directories recursively)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the output to FILE instead of standard output")
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE",
        help="a CloudFormation template parameter value (repeatable); also pseudo parameters such as "
             "AWS::AccountId=111111111111 or AWS::Region=eu-west-1",
    )  # fmt: skip
    parser.add_argument(
        "--params", action="append", default=[], metavar="FILE",
        help="template parameter values from a file: a CloudFormation TemplateConfiguration JSON "
             '({"Parameters": {...}}), the CLI list ([{"ParameterKey": ..., "ParameterValue": ...}]) or a '
             "JSON object of names to values; --param wins over it",
    )  # fmt: skip
    parser.add_argument(
        "--max-file-size", type=_megabytes, default=MAX_FILE_BYTES / 1048576, metavar="MB",
        help=f"skip (with a PL000 error) files larger than this (default: {MAX_FILE_BYTES // 1048576} MB)",
    )  # fmt: skip


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of megabytes") from None
    if not 0 < value <= 100_000:
        raise argparse.ArgumentTypeError(f"{text} MB: give a size above 0 and at most 100000")
    return value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="pipelint", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    root.add_argument("--version", action="version", version=f"pipelint {__version__}")
    commands = root.add_subparsers(dest="command", metavar="COMMAND", required=True, title="commands")
    show_cmd = commands.add_parser(
        "show", help="print each pipeline: stages, actions, what each deploys to and why",
        description="Print each pipeline as its people see it: stages in order, actions by run order, and\n"
                    "for each deploy its environment tier (with the evidence that decided it), account,\n"
                    "region, linked deploy target, strategy class and rollback facts.\n"
                    "--format json gives the same for machines.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    _common(show_cmd)
    lint_cmd = commands.add_parser(
        "lint", help="load every pipeline and report problems",
        description="Load every pipeline definition under PATH and report what is wrong, where, and why.\n"
                    "Files that cannot be loaded are reported as PL000 with file, line and message; the\n"
                    "others are still checked.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    _common(lint_cmd)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _run(args)
    except ParameterError as error:
        print(f"pipelint: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the user sees a message, not a traceback
        print(f"pipelint: internal error ({type(error).__name__}: {error}); please report it", file=sys.stderr)
        return EXIT_ERROR


def _run(args: argparse.Namespace) -> int:
    options = LoadOptions(parameters=collect(args.param, args.params), max_file_bytes=int(args.max_file_size * 1048576))
    workspace = load_workspace(args.paths, options)
    analysis = Analysis(workspace)
    try:
        stream: TextIO = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    except OSError as error:
        raise ParameterError(f"cannot write {args.output}: {error.strerror or error}") from None
    try:
        if args.command == "show":
            _show(workspace, analysis, args.format, stream)
        else:
            _lint(workspace, args.format, stream)
    finally:
        if args.output:
            stream.close()
    return EXIT_ERROR if workspace.has_errors else EXIT_OK


def _show(workspace: Workspace, analysis: Analysis, fmt: str, stream: TextIO) -> None:
    if fmt == "json":
        # compact: with an indent, the json module falls back to its pure-Python encoder (4x slower)
        stream.write(json.dumps(show.as_json(workspace, analysis), separators=(",", ":"), allow_nan=False) + "\n")
        return
    stream.write(show.text(workspace, analysis, Style.for_stream(stream)))
    if workspace.problems:
        stream.write("\n" + problems_text(workspace, Style.for_stream(stream)) + "\n")


def _lint(workspace: Workspace, fmt: str, stream: TextIO) -> None:
    if fmt == "json":
        data = show.as_json(workspace, Analysis(workspace))
        summary = {k: data[k] for k in ("tool", "version", "schema_version", "problems", "files")}
        stream.write(json.dumps(summary | {"pipelines": [p["label"] for p in data["pipelines"]]}, separators=(",", ":")) + "\n")
        return
    style = Style.for_stream(stream)
    if workspace.problems:
        stream.write(problems_text(workspace, style) + "\n")
    errors = sum(1 for p in workspace.problems if p.severity is ProblemSeverity.ERROR)
    warnings = len(workspace.problems) - errors
    stream.write(f"{show.summary(workspace)} {errors} error(s), {warnings} warning(s) while loading.\n")
