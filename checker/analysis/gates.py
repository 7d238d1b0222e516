"""Approval gates: which approval actions make a person approve, and how approvers hear of it.

A CodePipeline `Approval` action always waits for a person. A CI job's `environment:` waits only when the
environment has required reviewers (GitHub) or deployment approvals (GitLab), and those live in the
repository's settings, not in the file. The policy declares them (`protected_environments`); without that
declaration, whether such a gate approves anything is unknown, and the reason says how to declare it.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from checker.model import Action, Category, Unknown
from checker.model.ci import ENVIRONMENT_GATES, GITHUB_ENVIRONMENT, GITHUB_MANUAL_APPROVAL, GITLAB_MANUAL_JOB
from checker.model.values import as_text

_SYSTEM = {GITHUB_ENVIRONMENT: ("GitHub", "required reviewers", "repository's environment settings"),
           "GitLabEnvironment": ("GitLab", "deployment approvals", "project's protected environment settings")}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Gate:
    """What an approval action does: True, a person must approve; False, it waits for nobody; None, unknown."""

    approves: bool | None
    reason: str
    notifies: str | None = None  # whom the CI system itself tells that a release waits


def protected(name: str, patterns: tuple[str, ...]) -> bool:
    """An environment the policy declares protected (names compare case-insensitively; wildcards allowed)."""
    return any(fnmatch.fnmatchcase(name.lower(), pattern.lower()) for pattern in patterns)


def gate_of(action: Action, protected_environments: tuple[str, ...] | None) -> Gate | None:
    """The gate an approval action makes, or None for an action that is not an approval."""
    if action.category is not Category.APPROVAL:
        return None
    provider = as_text(action.provider) or ""
    if provider in ENVIRONMENT_GATES:
        return _environment_gate(action, provider, protected_environments)
    if provider == GITLAB_MANUAL_JOB:
        return Gate(True, "a manual job: it waits until someone with permission starts it")
    if action.configuration.get("ContinueOnError") == "true":
        return Gate(False, "it has continue-on-error: a rejection does not fail its job, so what needs it runs on")
    if provider == GITHUB_MANUAL_APPROVAL:
        approvers = as_text(action.configuration.get("approvers"))
        told = f"{approvers} (in a GitHub issue)" if approvers else None
        return Gate(True, "a step that waits for approvers' answer", told)
    return Gate(True, "a manual approval action")


def _environment_gate(action: Action, provider: str, patterns: tuple[str, ...] | None) -> Gate:
    system, reviewers, settings = _SYSTEM[provider]
    name = action.environment
    if isinstance(name, Unknown) or name is None:
        why = name.reason if isinstance(name, Unknown) else "no name"
        return Gate(None, f"the job's {system} environment is not known ({why}), so whether it waits for "
                          f"{reviewers} is unknown")  # fmt: skip
    if patterns is None:
        return Gate(None, f"{system} keeps the {reviewers} of environment '{name}' in the {settings}, not in the "
                          f"file; declare the environments that require approval in the policy "
                          f"(protected_environments: [{name}])")  # fmt: skip
    if protected(name, patterns):
        # GitHub e-mails the required reviewers; GitLab tells nobody that a deployment waits (gitlab#354783).
        told = "the environment's required reviewers (GitHub tells them)" if provider == GITHUB_ENVIRONMENT else None
        return Gate(True, f"environment '{name}' requires {reviewers} (the policy's protected_environments)", told)
    return Gate(False, f"environment '{name}' is not among the policy's protected_environments, so it waits "
                       "for nobody")  # fmt: skip
