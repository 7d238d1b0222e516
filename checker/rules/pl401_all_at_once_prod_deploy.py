from __future__ import annotations

from collections.abc import Iterator

from checker.analysis.strategy import StrategyClass
from checker.model import Pipeline, Severity
from checker.rules.base import Rule, RuleContext, Verdict, target_related


class AllAtOnceProdDeploy(Rule):
    """A production deploy shifts all traffic or all instances at once.

    All at once: CodeDeploy `AllAtOnce`, `LambdaAllAtOnce`, `ECSAllAtOnce` or a custom configuration that is
    all-at-once; Elastic Beanstalk `AllAtOnce` (also its default); AppConfig `AllAtOnce`, or zero duration with
    100% growth; SAM `AllAtOnce`; an S3 deploy.

    ## Why is this bad?
    A bad release reaches every customer before any signal can stop it. Canary, linear and blue/green deploys
    expose a small share first, watch the alarms, and stop while the damage is small.

    ## Example
    `DeploymentConfigName: CodeDeployDefault.AllAtOnce` on the prod deployment group.

    ## Use instead
    A canary or linear configuration (`CodeDeployDefault.LambdaCanary10Percent5Minutes`,
    `CodeDeployDefault.ECSLinear10PercentEvery1Minutes`), blue/green, Elastic Beanstalk `Immutable` or
    `TrafficSplitting`, or an AppConfig strategy that grows over time.
    """

    code = "PL401"
    name = "all-at-once-prod-deploy"
    severity = Severity.HIGH

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        for deploy in prods:
            strategy = deploy.strategy
            if why := deploy.unknown_strategy:
                yield self.unknown(why, deploy)
            elif strategy.cls is StrategyClass.STACK_UPDATE:
                yield self.not_applicable(f"{deploy.label}: {strategy.detail}")
            elif strategy.cls is StrategyClass.ALL_AT_ONCE:
                yield self.failed(deploy, f"{deploy.label} deploys to production all at once ({strategy.detail})",
                                  *target_related(deploy, strategy.detail))
            else:
                yield self.passed(f"{deploy.label}: {strategy.cls.value} ({strategy.detail})")
