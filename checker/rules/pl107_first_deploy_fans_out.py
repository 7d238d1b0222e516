from __future__ import annotations

from collections.abc import Iterator

from checker.model import Pipeline, Severity
from checker.rules.base import Rule, RuleContext, Verdict, related


class FirstDeployFansOut(Rule):
    """The first deploy stage deploys more than once.

    A static port of the AWS Config managed rule `codepipeline-deployment-count-check`: the first deploy
    stage may deploy at most `max_deploys` times (default 1); with `deployment_limit` above 0, every later
    stage may deploy at most that many times (the Config rule's `deploymentLimit`). A change set and its
    execution count as one deploy.

    ## Why is this bad?
    The first deployment is where a bad change is meant to fail, cheaply and once. A first stage that deploys
    to several environments or regions at once spreads an untested change before anything has checked it.

    ## Example
    The first deploy stage has DeployEuWest1 and DeployUsEast1, both at `RunOrder: 1`.

    ## Use instead
    One deploy in the first deploy stage; fan out to more environments and regions in later stages, after it
    has been verified.
    """

    code = "PL107"
    name = "first-deploy-fans-out"
    severity = Severity.LOW
    options = {"max_deploys": 1, "deployment_limit": 0}

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        deploys = ctx.deploys(pipeline)
        if not deploys:
            yield ctx.without_deploys(pipeline)
            return
        stages: dict[int, list] = {}
        for deploy in deploys:
            stages.setdefault(deploy.stage_index, []).append(deploy)
        later_limit = int(ctx.option("deployment_limit"))
        for position, (index, found) in enumerate(sorted(stages.items())):
            limit = int(ctx.option("max_deploys")) if position == 0 else later_limit
            if limit <= 0 or len(found) <= limit:
                continue
            which = "the first deploy stage" if position == 0 else "stage"
            yield self.failed(found[limit], f"{which} '{found[0].stage.name}' deploys {len(found)} times (the limit "
                                            f"is {limit})", *(related(f, f"{f.label} deploys to "
                                            f"{f.environment.tier.value}") for f in found))  # fmt: skip
            return
        first = sorted(stages.items())[0][1]
        yield self.passed(f"the first deploy stage '{first[0].stage.name}' deploys {len(first)} time(s)")
