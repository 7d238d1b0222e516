"""`pipelint`: lint, show and explain AWS deployment pipelines.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 an input could not be loaded, the
command line or policy was wrong, a rule failed (PL001), or pipelint itself failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from checker import __version__
from checker.cli import EXIT_ERROR, EXIT_OK, SEVERITIES
from checker.sources.read import MAX_FILE_BYTES
from checker.views.formats import FORMATS

if TYPE_CHECKING:
    from checker.runner.cache import Cache

DESCRIPTION = """\
Check AWS deployment pipelines for safe multi-environment practice.

pipelint reads CodePipeline JSON (aws codepipeline get-pipeline output, create-pipeline input, bare
declarations), CloudFormation and SAM templates (YAML or JSON), CDK cloud assemblies (cdk.out), Terraform
(the .tf files of a directory as one module, with its terraform.tfvars and *.auto.tfvars; terraform show -json
plans), GitHub Actions workflows and GitLab CI files. Directories are scanned recursively and files are
recognised by their content.

GitHub and GitLab keep an environment's required reviewers in the repository's settings: declare the protected
ones in the policy (protected_environments: [production]), or a prod deploy gated only by its environment is
unknown for PL101.
"""
EPILOG = """\
exit codes: 0 no finding at or above --fail-on (default: high);
            1 findings at or above --fail-on;
            2 an input could not be loaded (a PL000 error), the command line or the policy was wrong,
              a rule failed (PL001), or pipelint itself failed.
examples:
  pipelint lint sample_pipelines/
  pipelint lint infra/ --policy policies/strict.yaml --fail-on medium
  pipelint lint infra/ --select PL1,PL2 --ignore PL102 --format json --output findings.json
  pipelint lint infra/ -f text -o - -f sarif -o pipelint.sarif -f html -o report.html
  pipelint lint infra/ --write-baseline .pipelint-baseline.json   (then: --baseline .pipelint-baseline.json)
  pipelint lint infra/ --param Environment=prod --params params/prod.json
  pipelint lint terraform/ --var-file prod.tfvars
  pipelint lint .github/workflows/ .gitlab-ci.yml --policy policy.yaml   (its protected_environments)
  pipelint show pipeline.json --format json --output pipeline-model.json
  pipelint rules             (list the rules)   pipelint rules PL301   (one rule's documentation)
"""
SHOW_EPILOG = """\
exit codes: 0 every input was read; 2 an input could not be loaded (a PL000 error), or the command line or the
            policy was wrong.
examples:
  pipelint show pipeline.json
  pipelint show .github/workflows/ --policy policy.yaml   (its environments and protected_environments)
  pipelint show infra/ --format json --output pipeline-model.json
"""
LINT_DESCRIPTION = """\
Load every pipeline definition under PATH, run the rules the policy selects, and report what is wrong, where
and why. Every rule gives every pipeline one evaluation: passed, failed, not applicable, unknown (the files
do not decide it; the reason is given) or error.

Suppress a finding in a template with `Metadata: {pipelint: {ignore: [{rule: PL101, reason: "..."}]}}` on the
pipeline resource, or a comment `# pipelint: ignore[PL101] reason` on the finding's line or the line above it
(above the pipeline resource: the whole pipeline). A reason is required. Suppressed findings stay in the JSON,
SARIF, HTML and Markdown reports, marked; they do not count for the exit code. Policy exemptions work the same
way, until they expire, and so does a baseline (--write-baseline once, then --baseline on every run).
"""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories to read (directories recursively)")
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE",
        help="a CloudFormation template parameter value (repeatable); also pseudo parameters such as "
             "AWS::AccountId=111111111111 or AWS::Region=eu-west-1; for Terraform, an input variable's value",
    )  # fmt: skip
    parser.add_argument(
        "--params", action="append", default=[], metavar="FILE",
        help="template parameter values from a file: a CloudFormation TemplateConfiguration JSON "
             '({"Parameters": {...}}), the CLI list ([{"ParameterKey": ..., "ParameterValue": ...}]) or a '
             "JSON object of names to values; --param wins over it",
    )  # fmt: skip
    parser.add_argument(
        "--var-file", action="append", default=[], metavar="FILE", dest="var_files",
        help="a Terraform variables file (.tfvars or .tfvars.json; repeatable), read after the module's "
             "terraform.tfvars and *.auto.tfvars, as `terraform plan -var-file` does; --param NAME=VALUE sets one "
             "variable and wins over all files",
    )  # fmt: skip
    parser.add_argument(
        "--max-file-size", type=_megabytes, default=MAX_FILE_BYTES / 1048576, metavar="MB",
        help=f"skip (with a PL000 error) files larger than this (default: {MAX_FILE_BYTES // 1048576} MB)",
    )  # fmt: skip
    speed = parser.add_argument_group("speed (the results are the same whatever these say)")
    speed.add_argument(
        "--jobs", "-j", type=_jobs, default=0, metavar="N",
        help="load files, and run the rules over pipelines, in N processes (1 to 256; default: the cores this "
             "process may use; 1: all in this process). Processes are forked on Linux, spawned elsewhere",
    )  # fmt: skip
    speed.add_argument(
        "--no-cache", action="store_true",
        help="neither use nor fill the cache (also: PIPELINT_NO_CACHE=1). The cache keeps each file's load, and each lint run's reports, under "
             "a digest of pipelint's code, the options and every file read: a file changed, added or removed is "
             "read again, and an unchanged set of files is reported again at once. Runs with --write-baseline or "
             "--cfn-lint are not kept whole (what they depend on is outside pipelint)",
    )  # fmt: skip
    speed.add_argument(
        "--cache-dir", metavar="DIR", default=None,
        help="the cache folder (default: $PIPELINT_CACHE_DIR, else $XDG_CACHE_HOME/pipelint, else "
             "~/.cache/pipelint). Keep it out of the repository you lint: entries are trusted",
    )  # fmt: skip
    speed.add_argument("--no-progress", action="store_true",
                       help="no progress bar (one is drawn on standard error, on a terminal, once a run has taken a "
                            "second)")  # fmt: skip


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of megabytes") from None
    if not 0 < value <= 100_000:
        raise argparse.ArgumentTypeError(f"{text} MB: give a size above 0 and at most 100000")
    return value


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes") from None
    if not 1 <= value <= 256:
        raise argparse.ArgumentTypeError(f"{value}: give a number of processes from 1 to 256")
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
        epilog=SHOW_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    _common(show_cmd)
    show_cmd.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    show_cmd.add_argument("--output", "-o", metavar="FILE", help="write the output to FILE instead of standard output")
    show_cmd.add_argument("--policy", metavar="FILE", default=None,
                          help="the policy pack (YAML, or 'default' / 'strict') whose environments (name patterns, "
                               "accounts, protected CI environments) decide each deploy's tier, as `lint --policy` "
                               "does. Default: the default pack")  # fmt: skip
    lint_cmd = commands.add_parser(
        "lint", help="run the rules and report findings (the main command)", description=LINT_DESCRIPTION,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    _common(lint_cmd)
    _report_options(lint_cmd)
    lint_cmd.add_argument(
        "--policy", metavar="FILE", default=None,
        help="a policy pack (YAML): environments, rule selection, severities, settings, exemptions; or the name "
             "of a shipped pack ('default', 'strict'). Default: the default pack",
    )  # fmt: skip
    lint_cmd.add_argument("--select", action="append", default=[], metavar="CODES",
                          help="run only rules with these codes or prefixes, comma-separated (PL1,PL201); "
                               "replaces the policy's selection")  # fmt: skip
    lint_cmd.add_argument("--ignore", action="append", default=[], metavar="CODES",
                          help="do not run rules with these codes or prefixes, comma-separated; adds to the "
                               "policy's. The most specific prefix wins, as in ruff")  # fmt: skip
    lint_cmd.add_argument("--fail-on", choices=SEVERITIES, default="high", metavar="SEVERITY",
                          help="exit 1 when a finding has this severity or higher: info, low, medium, high, "
                               "critical (default: high)")  # fmt: skip
    lint_cmd.add_argument("--exit-zero", action="store_true",
                          help="exit 0 even when there are findings at or above --fail-on (load errors and "
                               "PL001 still exit 2)")  # fmt: skip
    lint_cmd.add_argument("--hide-unknown", action="store_true",
                          help="text output: do not list the evaluations the files leave unknown")
    from checker.integrations.cfn_lint import CfnLintOption  # light: cfn-lint itself is imported only when run

    lint_cmd.add_argument("--cfn-lint", action=CfnLintOption,
                          help="also run cfn-lint's own checks on the CloudFormation/SAM templates read: each match "
                               "is a CFN-<id> finding (error: high, warning: medium, informational: info) that "
                               "counts for --fail-on; cfn-lint's .cfnlintrc applies. Needs "
                               "pip install 'pipelint[cfn-lint]'")  # fmt: skip
    from checker.cli.run import add_parser as add_run

    add_run(commands, _common)
    rules_cmd = commands.add_parser(
        "rules", help="list the rules, or print one rule's documentation",
        description="List every rule (code, name, default severity, what it finds), or print one rule's\n"
                    "documentation: what it finds, why it matters, an example and what to do instead.\n"
                    "--format markdown writes the whole rules reference (docs/rules.md).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    rules_cmd.add_argument("code", nargs="?", metavar="CODE", help="a rule code, such as PL301")
    rules_cmd.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                           help="output format (default: text)")
    rules_cmd.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    return root


def _report_options(parser: argparse.ArgumentParser) -> None:
    formats = "\n".join(f"  {name:<9} {what}" for name, what in FORMATS.items())
    group = parser.add_argument_group("reports", "formats:\n" + formats)
    group.add_argument(
        "--format", "-f", action="append", choices=tuple(FORMATS), metavar="FORMAT",
        help="output format (default: text); repeat it with one --output each to write several reports in one run",
    )  # fmt: skip
    group.add_argument(
        "--output", "-o", action="append", metavar="FILE",
        help="write the report to FILE instead of standard output ('-' is standard output); the n-th --output "
             "takes the n-th --format; without --format, the suffix decides (.sarif .json .xml (JUnit) .md .html "
             ".txt). When every report goes to a file, the summary line is printed",
    )  # fmt: skip
    group.add_argument(
        "--baseline", metavar="FILE",
        help="report only findings not listed in this baseline (keyed by rule, file and model path, so moving "
             "lines does not bring a finding back); listed ones stay in the reports, marked as baseline",
    )  # fmt: skip
    group.add_argument(
        "--write-baseline", metavar="FILE",
        help="write every current finding (except those suppressed in the files or the policy) to FILE as a "
             "baseline, and exit 0 unless an input could not be loaded",
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a lone surrogate or an odd locale must not end the run
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = parser().parse_args(argv)
    try:
        if args.command == "rules":
            from checker.cli.commands import rules

            return rules(args)
        cache, key = _cache(args)
        if key is not None:
            from checker.cli.output import replay
            from checker.runner.runs import cached_run

            record = cached_run(cache, key)
            if record is not None:  # nothing the run read has changed: its reports, without loading pipelint
                return replay(record)
        from checker.cli.lint import execute

        return execute(args, cache, key)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the user sees a message, not a traceback
        if _said_to_user(error):
            print(f"pipelint: {error}", file=sys.stderr)
            return EXIT_ERROR
        print(f"pipelint: internal error ({type(error).__name__}: {error}); please report it", file=sys.stderr)
        return EXIT_ERROR


def _cache(args: argparse.Namespace) -> tuple[Cache | None, str | None]:
    """The cache (None with --no-cache, or when its folder cannot be used), and the key of this run in it:
    a lint run that writes nothing else (no --write-baseline) and asks nothing outside pipelint (--cfn-lint)."""
    if args.no_cache or os.environ.get("PIPELINT_NO_CACHE", "") not in ("", "0"):
        return None, None
    from checker.runner.cache import Cache
    from checker.runner.runs import run_key

    cache, problem = Cache.open(args.cache_dir)
    if problem:
        print(f"pipelint: note: {problem}", file=sys.stderr)
    if cache is None or args.command != "lint" or args.write_baseline or getattr(args, "cfn_lint", False):
        return cache, None
    return cache, run_key(cache, args)


def _said_to_user(error: Exception) -> bool:
    """An error whose message is for the user: a wrong command line, parameter, policy, baseline or rule pack,
    or the executor's refusal to run."""
    from checker.cli.output import UsageError

    if isinstance(error, UsageError) or type(error).__name__ in ("CannotRun", "RealAwsRefused"):
        return True
    from checker.engine.baseline import BaselineError
    from checker.loaders.params import ParameterError
    from checker.policy.errors import PolicyError
    from checker.rules.registry import RulePackError

    return isinstance(error, (ParameterError, PolicyError, RulePackError, BaselineError))
