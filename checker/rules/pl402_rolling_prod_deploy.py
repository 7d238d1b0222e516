from __future__ import annotations

from collections.abc import Iterator

from checker.analysis.strategy import StrategyClass
from checker.model import Pipeline, Severity
from checker.rules.base import Rule, RuleContext, Verdict, target_related


class RollingProdDeploy(Rule):
    """A production deploy updates in place, in batches, lowering capacity while it runs.

    Rolling: CodeDeploy `HalfAtATime` or `OneAtATime` in place (OneAtATime is the default for EC2 when no
    configuration is set), a custom configuration that keeps a minimum of healthy hosts, Elastic Beanstalk
    `Rolling` and `RollingWithAdditionalBatch`, an ECS rolling update.

    ## Why is this bad?
    Each batch is taken out of service while it updates, so the fleet runs short of capacity during the
    deploy, and a rollback is another slow rolling deploy. Old and new versions serve side by side with no
    traffic control.

    ## Example
    A prod deployment group for EC2 with no `DeploymentConfigName` (CodeDeploy then uses OneAtATime).

    ## Use instead
    Blue/green (`DeploymentStyle: {DeploymentType: BLUE_GREEN}`), Elastic Beanstalk `Immutable`, or for
    Lambda and ECS a canary or linear configuration.
    """

    code = "PL402"
    name = "rolling-prod-deploy"
    severity = Severity.LOW

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        for deploy in prods:
            strategy = deploy.strategy
            if why := deploy.unknown_strategy:
                yield self.unknown(why, deploy)
            elif strategy.cls is StrategyClass.ROLLING:
                yield self.failed(deploy, f"{deploy.label} updates production in place, in batches ({strategy.detail})",
                                  *target_related(deploy, strategy.detail))
            elif strategy.cls in (StrategyClass.STACK_UPDATE, StrategyClass.ALL_AT_ONCE):
                yield self.not_applicable(f"{deploy.label}: {strategy.cls.value} ({strategy.detail})")
            else:
                yield self.passed(f"{deploy.label}: {strategy.cls.value} ({strategy.detail})")
