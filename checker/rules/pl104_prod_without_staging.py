from __future__ import annotations

from collections.abc import Iterator

from checker.analysis.environment import Tier
from checker.model import Pipeline, Severity
from checker.rules.base import Rule, RuleContext, Verdict, related


class ProdWithoutStaging(Rule):
    """The first production deploy has no deploy to a non-production environment before it.

    ## Why is this bad?
    Dev → Staging → Prod exists so that a change meets a production-like environment before customers do. A
    pipeline that deploys to prod first (or only) finds its configuration, migration and permission mistakes
    in production.

    ## Example
    Source → Build → DeployProd; or DeployProd → DeployStaging.

    ## Use instead
    Deploy the same artifact to at least one pre-production environment (staging, test or dev) in an earlier
    stage, then to prod.
    """

    code = "PL104"
    name = "prod-without-staging"
    severity = Severity.HIGH

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        first = prods[0]
        earlier = ctx.nonprod_before(first)
        if earlier:
            tiers = ", ".join(dict.fromkeys(f.environment.tier.value for f in earlier))
            yield self.passed(f"{first.label} runs after deploys to {tiers} ({earlier[-1].label})")
            return
        unnamed = [f for f in ctx.deploys(pipeline, Tier.UNKNOWN) if f.runs_before(first)]
        if unnamed:
            yield self.unknown(f"{unnamed[0].label} runs before production, but nothing says which environment "
                               f"it deploys to: {unnamed[0].environment.explain()}", unnamed[0])  # fmt: skip
            return
        later = [related(f, f"{f.label} deploys to {f.environment.tier.value} "
                            + ("only after production" if first.runs_before(f) else "in parallel with production"))
                 for f in ctx.nonprod_deploys(pipeline)]  # fmt: skip
        yield self.failed(first, f"{first.label} is the first deploy and goes to production "
                                 f"({first.environment.explain()}); no deploy to dev, test or staging runs before it",
                          *later)  # fmt: skip
