from __future__ import annotations

from collections.abc import Iterator

from checker.analysis.core import ActionFacts
from checker.model import Category, Pipeline, Severity, Unknown
from checker.rules.base import Rule, RuleContext, Verdict, related


def producer(artifact: str, consumer: ActionFacts, actions: tuple[ActionFacts, ...]) -> ActionFacts | None:
    """The last build or source action before `consumer` that outputs the artifact (a change set's output
    artifact, or a test report, is not a new build of the application)."""
    found = [a for a in actions if artifact in a.action.output_artifacts and a.runs_before(consumer)
             and a.action.category in (Category.BUILD, Category.SOURCE)]  # fmt: skip
    return found[-1] if found else None


class ArtifactRebuiltForProd(Rule):
    """Production deploys an artifact built after the pre-production deploys, not the one they received.

    ## Why is this bad?
    Build once, promote the same bytes. An artifact rebuilt for prod can differ from the one staging tested:
    a dependency resolved again, a base image moved, a different commit. What prod runs was never tested.

    ## Example
    Source → Build → DeployStaging → BuildProd → DeployProd, where DeployProd takes BuildProd's output.

    ## Use instead
    Give the prod deploy the same output artifact the pre-production deploys took; put environment
    differences in parameters or configuration, not in a second build.
    """

    code = "PL106"
    name = "artifact-rebuilt-for-prod"
    severity = Severity.MEDIUM

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        actions = ctx.actions(pipeline)
        for deploy in prods:
            earlier = ctx.nonprod_before(deploy)
            if not earlier:
                yield self.not_applicable("no pre-production deploy runs before production (PL104 reports that)")
                continue
            inputs = deploy.inputs
            if not inputs:
                yield self.unknown(f"{deploy.label} takes no input artifact, so what it deploys is not in the pipeline", deploy)
                continue
            if any(isinstance(name, Unknown) for name in inputs):
                yield self.unknown(f"an input artifact of {deploy.label} is unknown", deploy)
                continue
            tested = {name for d in earlier for name in d.inputs}
            for name in inputs:
                made = producer(name, deploy, actions)  # type: ignore[arg-type]
                rebuilt = made is not None and name not in tested and any(d.runs_before(made) for d in earlier)
                if rebuilt:
                    yield self.failed(deploy, f"{deploy.label} deploys artifact '{name}', built by {made.label} after "
                                              f"the pre-production deploy {earlier[-1].label}, so prod runs a build "
                                              "nothing tested",
                                      related(made, f"{made.label} builds '{name}' again"),
                                      related(earlier[-1], f"{earlier[-1].label} deployed {', '.join(map(str, earlier[-1].inputs)) or 'another artifact'}"))  # fmt: skip
                    break
            else:
                yield self.passed(f"{deploy.label} deploys {', '.join(map(str, inputs))}, built before the "
                                  "pre-production deploys")  # fmt: skip
