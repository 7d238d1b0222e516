"""pipelint over one template, for the cfn-lint rules: one run per template, whatever the number of rules.

cfn-lint calls every rule class on every template. Each class asks `check_file` for the findings of its own
codes; the first call runs pipelint (all its rules) and the rest are served from a cache keyed by the file name
and its bytes, so a template that changes between two runs in one process (an editor, the Python API) is
checked again. Nothing here imports cfn-lint.

What becomes a hit: every active finding located in the template itself (suppressed ones, by a comment,
Metadata or a policy exemption, are left out; an unknown verdict is no finding), and every load error of the
template. Any failure — a policy that cannot be read, a rule pack that cannot be loaded, a bug of pipelint's —
is one hit of the failure rule (E9000) with the reason, never a traceback in cfn-lint's output.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from checker.engine.run import lint
from checker.load import load_workspace
from checker.model import Location, ProblemSeverity
from checker.model.source import Path
from checker.policy.errors import PolicyError
from checker.policy.load import load_policy
from checker.policy.model import Policy
from checker.rules.tool import INPUT_NOT_LOADED

POLICY_VARIABLE = "PIPELINT_POLICY"  # cfn-lint has no way to pass options to a rule pack; the environment does
FAILED = INPUT_NOT_LOADED.code


@dataclass(frozen=True, slots=True)
class Hit:
    """One thing to report in cfn-lint: at `path` in the template (cfn-lint turns it into the line), or at
    pipelint's `location` where a path is of no use (an empty one, or a template cfn-lint transformed)."""

    code: str
    message: str
    path: Path = ()
    location: Location | None = None


def check_file(filename: str | None) -> tuple[Hit, ...]:
    """pipelint's hits for the template cfn-lint is checking (None: it came from standard input)."""
    if not filename:
        return (Hit(FAILED, "pipelint reads templates from files: give cfn-lint the template's file name, not "
                            "standard input; pipelint's rules did not run"),)  # fmt: skip
    try:
        with open(filename, "rb") as stream:
            content = stream.read()
    except OSError as error:
        return (Hit(FAILED, f"pipelint could not read the template: {error.strerror or error}"),)
    return _checked(filename, content, os.environ.get(POLICY_VARIABLE) or None)


@lru_cache(maxsize=32)
def _checked(filename: str, content: bytes, policy_name: str | None) -> tuple[Hit, ...]:
    """`content` is only part of the key: pipelint reads the file itself, with its positions and comments."""
    del content
    try:
        policy = load_policy(policy_name)
    except PolicyError as error:
        return (Hit(FAILED, f"pipelint could not use the policy {POLICY_VARIABLE}={policy_name}: {error}; its "
                            "pipeline rules did not run"),)  # fmt: skip
    try:
        return _run(os.path.normpath(filename), policy)
    except Exception as error:  # noqa: BLE001 - inside cfn-lint a failure is one match that says why
        return (Hit(FAILED, f"pipelint could not check this template ({type(error).__name__}: {error}); its "
                            "pipeline rules did not run"),)  # fmt: skip


def _run(file: str, policy: Policy) -> tuple[Hit, ...]:
    report = lint(load_workspace([file]), policy)
    hits = [_problem_hit(p.message, p.line, p.column, file) for p in report.problems
            if p.file == file and p.severity is ProblemSeverity.ERROR]  # fmt: skip
    for finding in report.findings:
        if finding.suppressed is not None or finding.ref.file != file:  # other files: cfn-lint is not checking them
            continue
        message = finding.message + (f" when {finding.scenario}" if finding.scenario else "")
        hits.append(Hit(finding.code, message, finding.ref.path, finding.location))
    return tuple(hits)


def _problem_hit(message: str, line: int | None, column: int | None, file: str) -> Hit:
    location = Location(file, line, column or 1) if line is not None else None
    return Hit(FAILED, f"pipelint could not load the template: {message}", (), location)
