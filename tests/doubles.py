"""Test doubles shared by the test modules."""

from checker.model import Severity
from checker.rules.base import Rule


class Exploding(Rule):
    """Raises, to show what a rule's bug does to a run and its reports.

    ## Why is this bad?
    It is a test double.

    ## Example
    Any pipeline.

    ## Use instead
    A rule that works.
    """

    code = "PLX999"
    name = "always-raises"
    severity = Severity.LOW

    def check(self, pipeline, ctx):
        raise KeyError("boom")
