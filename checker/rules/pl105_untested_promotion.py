from __future__ import annotations

from collections.abc import Iterator

from checker.analysis.core import ActionFacts
from checker.analysis.environment import words
from checker.model import Category, Pipeline, Severity
from checker.model.values import as_text
from checker.rules.base import Rule, RuleContext, Verdict, related

# Build or invoke actions that test, by their name: "IntegrationTests", "smoke-test", "RunE2E".
TEST_WORDS = {"test", "tests", "testing", "integration", "smoke", "e2e", "acceptance", "validate", "validation",
              "verify", "verification", "qa", "check", "checks"}  # fmt: skip


def is_test(facts: ActionFacts) -> bool:
    if facts.action.category is Category.TEST:
        return True
    if facts.action.category in (Category.BUILD, Category.INVOKE, Category.COMPUTE) and not facts.is_deploy:
        return any(w in TEST_WORDS for w in words(as_text(facts.action.name) or ""))
    return False


class UntestedPromotion(Rule):
    """No test runs after a pre-production deploy and before the first production deploy.

    ## Why is this bad?
    A staging deploy proves little by itself: it is the tests against the running staging environment that
    catch the regression before prod. Without them, a change is promoted because it deployed, not because it
    works.

    ## Example
    DeployStaging → ApproveProd → DeployProd, with no test action after DeployStaging.

    ## Use instead
    A `Test` action (or a CodeBuild/Lambda action that runs integration or smoke tests) after the
    pre-production deploy, at a higher run order in its stage or in a stage of its own, before prod.
    """

    code = "PL105"
    name = "untested-promotion"
    severity = Severity.MEDIUM

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        first = prods[0]
        earlier = ctx.nonprod_before(first)
        if not earlier:
            yield self.not_applicable("no pre-production deploy runs before production (PL104 reports that)")
            return
        tests = [t for t in ctx.actions(pipeline)
                 if is_test(t) and t.runs_before(first) and any(d.runs_before(t) for d in earlier)]  # fmt: skip
        if tests:
            yield self.passed(f"{tests[-1].label} tests after {earlier[0].label} and before {first.label}")
            return
        yield self.failed(first, f"{first.label} deploys to production, but no test action runs after the "
                                 f"pre-production deploy {earlier[-1].label}",
                          related(earlier[-1], f"{earlier[-1].label} deploys to {earlier[-1].environment.tier.value} "
                                               "and nothing tests it"))  # fmt: skip
