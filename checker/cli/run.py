"""`pipelint run`: lint the pipeline, refuse to run one with findings unless asked, run it, show the trace."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from checker.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, SEVERITIES
from checker.cli.output import UsageError, output

if TYPE_CHECKING:
    from checker.model import Pipeline, Workspace

RUN_DESCRIPTION = """\
Run a pipeline end to end against moto (AWS services mocked in memory; nothing reaches AWS) and show what
happened: every stage and action with simulated times, the artifacts and their sha256 digests, the accounts
and resources touched, the approval notifications, and every rollback.

The scenario file (YAML) says what the world does: the sample source, approval decisions (approve, reject,
timeout), failures to inject, alarm states, CodeBuild results, and when the clock starts. Without one, a single
release runs with every approval given.

Before running, pipelint lints the pipeline; a pipeline with findings at or above --fail-on is run only with
--allow-findings. Needs the executor extra: pip install 'pipelint[executor]'.

providers it runs ("simulated": moto cannot run it for real, and the action says so in the trace):
{providers}
Any other provider, and every custom action, is named with its action before anything starts.

exit codes: 0 the last release succeeded; 1 it failed (or findings stopped the run); 2 the pipeline could not be
            run (an input or the scenario is wrong, a provider the executor cannot run, moto missing).
"""

# written out so that `pipelint --help` imports no handler; a test keeps it equal to the handlers' own list
PROVIDERS = """\
  Approval: Manual
  Build:    CodeBuild
  Deploy:   AppConfig (simulated), CloudFormation, CodeDeploy, CodeDeployToECS, ECS,
            ElasticBeanstalk (simulated), S3
  Invoke:   Lambda (simulated)
  Source:   Bitbucket (simulated), CodeCommit, CodeStarSourceConnection (simulated), ECR (simulated),
            GitHub (simulated), GitLab (simulated), S3
  Test:     CodeBuild"""
RUN_DESCRIPTION = RUN_DESCRIPTION.format(providers=PROVIDERS)

RUN_EPILOG = """\
examples:
  pipelint run sample_pipelines/01-compliant-three-accounts \\
      --scenario sample_pipelines/01-compliant-three-accounts/scenarios/release.yaml
  pipelint run infra/ --pipeline webapp --scenario prod-fails.yaml --trace trace.json --format json
"""


def add_parser(commands_: argparse._SubParsersAction, common: object) -> None:
    run_cmd = commands_.add_parser("run", help="run a pipeline end to end against moto and show what happened",
                                   description=RUN_DESCRIPTION, epilog=RUN_EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    common(run_cmd)  # type: ignore[operator]
    run_cmd.add_argument("--pipeline", metavar="NAME", help="which pipeline to run when the paths define several")
    run_cmd.add_argument("--scenario", metavar="FILE", help="the scenario (YAML); default: one release, approvals given")
    run_cmd.add_argument("--trace", metavar="FILE", help="also write the ExecutionTrace as JSON to FILE")
    run_cmd.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    run_cmd.add_argument("--output", "-o", metavar="FILE", help="write the output to FILE instead of standard output")
    run_cmd.add_argument("--steps", action="store_true",
                         help="text: show every step under its action (API calls, traffic shifts, waits)")  # fmt: skip
    run_cmd.add_argument("--policy", metavar="FILE", default=None, help="the policy pack to lint with before running")
    run_cmd.add_argument("--fail-on", choices=SEVERITIES, default="high", metavar="SEVERITY",
                         help="findings at or above this severity stop the run (default: high)")  # fmt: skip
    run_cmd.add_argument("--allow-findings", action="store_true", help="run the pipeline even when it has findings")


def choose(workspace: Workspace, name: str | None) -> Pipeline:
    """The one pipeline to run (see `checker.api.choose`); a usage error when the choice is not clear."""
    from checker.api import choose as choose_pipeline

    try:
        return choose_pipeline(workspace, name, how="with --pipeline")
    except ValueError as error:
        raise UsageError(str(error)) from None


def run(args: argparse.Namespace, workspace: Workspace) -> int:
    from checker.engine.run import lint
    from checker.executor.run import CannotRun, blockers
    from checker.model import Severity
    from checker.executor.scenario import load_scenario
    from checker.views.problems import problems_text
    from checker.views.style import Style

    if workspace.has_errors:
        print(problems_text(workspace.problems, Style.for_stream(sys.stderr)), file=sys.stderr)
        print("pipelint run: an input could not be loaded; nothing was run", file=sys.stderr)
        return EXIT_ERROR
    pipeline = choose(workspace, args.pipeline)
    scenario = load_scenario(args.scenario) if args.scenario else None
    from checker.policy.load import load_policy

    policy = load_policy(args.policy)
    report = lint(workspace, policy, fail_on=Severity(args.fail_on))
    mine = [f for f in report.blocking if f.pipeline == pipeline.title or f.pipeline.startswith(pipeline.title + " ")]
    if mine:
        print(f"pipelint run: pipeline {pipeline.title} has {len(mine)} policy finding(s) at or above {args.fail_on}:",
              file=sys.stderr)  # fmt: skip
        for finding in mine:
            print(f"  {finding.where}: {finding.code} {finding.name}: {finding.message}", file=sys.stderr)
        if not args.allow_findings:
            print("pipelint run: not running it; fix the findings, or pass --allow-findings to run it anyway",
                  file=sys.stderr)  # fmt: skip
            return EXIT_FINDINGS
        print("pipelint run: running it anyway (--allow-findings)", file=sys.stderr)
    reasons = blockers(pipeline)
    if reasons:
        raise CannotRun(pipeline.title, reasons)
    try:
        import moto  # noqa: F401
    except ImportError:
        raise UsageError("pipelint run needs moto: pip install 'pipelint[executor]'") from None
    from checker.executor.run import execute

    trace = execute(workspace, pipeline, scenario, policy.environments)
    if args.trace:
        with output(args.trace) as stream:
            stream.write(trace.to_json() + "\n")
    with output(args.output) as stream:
        if args.format == "json":
            stream.write(trace.to_json() + "\n")
        else:
            from checker.views.trace import text

            stream.write(text(trace, steps=args.steps))
    return EXIT_OK if trace.status.value == "Succeeded" else EXIT_FINDINGS


__all__ = ["add_parser", "choose", "run"]
