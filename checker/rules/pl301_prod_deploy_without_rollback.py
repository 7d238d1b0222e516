from __future__ import annotations

from collections.abc import Iterator

from checker.model import Pipeline, Severity
from checker.rules.base import Rule, RuleContext, Verdict, target_related


class ProdDeployWithoutRollback(Rule):
    """No automatic rollback covers a production deploy.

    Counted as rollback: CodeDeploy auto-rollback on `DEPLOYMENT_FAILURE`, an ECS circuit breaker with rollback
    or alarm rollback, Elastic Beanstalk Immutable or TrafficSplitting, SAM traffic shifting, a CloudFormation
    stack update (it rolls back by itself), and a V2 stage `onFailure: ROLLBACK`.

    ## Why is this bad?
    When a production deploy fails halfway, someone has to notice and undo it by hand, at the worst moment.
    Every minute of that is an outage; automatic rollback makes the failure a non-event.

    ## Example
    A CodeDeploy deployment group for prod without `AutoRollbackConfiguration`; an S3 deploy or a CodeBuild
    action that runs `aws ecs update-service` for prod.

    ## Use instead
    `AutoRollbackConfiguration: {Enabled: true, Events: [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM]}` on the
    group, the ECS deployment circuit breaker with `Rollback: true`, or (V2 pipelines) `OnFailure: {Result:
    ROLLBACK}` on the prod stage.
    """

    code = "PL301"
    name = "prod-deploy-without-rollback"
    severity = Severity.HIGH

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        prods = ctx.prod_deploys(pipeline)
        if not prods:
            yield ctx.without_prod(pipeline)
            return
        for deploy in prods:
            rollback = deploy.rollback
            if deploy.stage_rollback:
                yield self.passed(f"stage '{deploy.stage.name}' rolls back on failure (onFailure ROLLBACK)")
            elif why := deploy.unknown_rollback:
                yield self.unknown(why, deploy)
            elif rollback.on_failure:
                yield self.passed(f"{deploy.label}: {rollback.detail}")
            else:
                yield self.failed(deploy, f"{deploy.label} deploys to production with no automatic rollback: "
                                          f"{rollback.detail}", *target_related(deploy, rollback.detail))  # fmt: skip
