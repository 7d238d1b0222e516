from __future__ import annotations

from collections.abc import Iterator

from checker.analysis.core import ActionFacts
from checker.model import Pipeline, Severity, Unknown
from checker.rules.base import Rule, RuleContext, Verdict

HOME = "<the pipeline's region>"


def region_of(facts: ActionFacts) -> str | Unknown:
    region = facts.action.region
    if region is None:  # the pipeline's region: in a template `${AWS::Region}`, the same as `!Ref AWS::Region`
        region = facts.pipeline.region
        if region is None or isinstance(region, Unknown) and region.text is None:
            return HOME
    if isinstance(region, Unknown) and region.text is not None:
        return region.text  # `${AWS::Region}` twice is one region, whatever it is
    return region


class RegionFanoutTooFast(Rule):
    """A deploy stage reaches more regions than the fan-out factor allows.

    A static port of the AWS Config managed rule `codepipeline-region-fanout-check`: the first deploy stage may
    deploy to one region; every later stage to at most `factor` (default 3) times the number of regions all
    earlier deploy stages reached together.

    ## Why is this bad?
    Regions are failure boundaries. Growing the blast radius too fast (one region, then twenty) turns a bad
    change that one region would have caught into a global incident.

    ## Example
    Stage 1 deploys to us-east-1; stage 2 deploys to eight more regions at once.

    ## Use instead
    Widen geometrically: one region, then at most three, then nine, each stage after the last one proved the
    change.
    """

    code = "PL108"
    name = "region-fanout-too-fast"
    severity = Severity.LOW
    options = {"factor": 3}

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        deploys = ctx.deploys(pipeline)
        if not deploys:
            yield ctx.without_deploys(pipeline)
            return
        factor = int(ctx.option("factor"))
        stages: dict[int, list[ActionFacts]] = {}
        for deploy in deploys:
            stages.setdefault(deploy.stage_index, []).append(deploy)
        reached: set[str] = set()
        for position, (_, found) in enumerate(sorted(stages.items())):
            regions = {region_of(f) for f in found}
            if any(isinstance(r, Unknown) for r in regions):
                unknown = next(f for f in found if isinstance(region_of(f), Unknown))
                yield self.unknown(f"the region of {unknown.label} is unknown: {region_of(unknown).reason}", unknown)  # type: ignore[union-attr]
                return
            limit = 1 if position == 0 else factor * len(reached)
            if len(regions) > limit:
                names = ", ".join(sorted(regions))  # type: ignore[arg-type]
                yield self.failed(found[0], f"stage '{found[0].stage.name}' deploys to {len(regions)} regions "
                                            f"({names}); after {len(reached)} region(s) before it the limit is {limit}")  # fmt: skip
                return
            reached |= regions  # type: ignore[arg-type]
        yield self.passed(f"deploys reach {len(reached)} region(s), at most {factor}× more per stage")
