"""ECS standard deploys: imagedefinitions.json from the artifact, a new task definition, a real UpdateService.

The cluster and service are created in the target account (from the scanned ECS service when it is there). A
failed rollout rolls back to the previous task definition (another UpdateService) when the service's deployment
circuit breaker or alarms are set to roll back; otherwise it is left on the failed one.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from checker.executor.handlers import Handler, Outcome, client_error, input_file
from checker.executor.trace import Rollback, Status
from checker.model import EcsService, Unknown
from checker.model.values import as_text

if TYPE_CHECKING:
    from checker.analysis.core import ActionFacts
    from checker.executor.engine import Context
    from checker.executor.scenario import Failure
    from checker.executor.world import World


class EcsDeploy(Handler):
    categories = ("Deploy",)
    providers = ("ECS",)

    def prepare(self, world: World, facts: ActionFacts) -> None:
        config = facts.action.configuration
        cluster, service = str(config.get("ClusterName", "default")), str(config.get("ServiceName", "service"))
        account = world.where(facts)[0]
        region = world.where(facts)[1]
        ecs = world.client("ecs", account, region)
        ecs.create_cluster(clusterName=cluster)
        task = ecs.register_task_definition(family=service, containerDefinitions=[{"name": service, "image": "initial", "memory": 512}])
        ecs.create_service(cluster=cluster, serviceName=service, desiredCount=2,
                           taskDefinition=task["taskDefinition"]["taskDefinitionArn"])  # fmt: skip
        world.record(account, region, "ecs-service", f"{cluster}/{service}")

    def run(self, ctx: Context, failure: Failure | None) -> Outcome:
        cluster, service = ctx.config.get("ClusterName", "default"), ctx.config.get("ServiceName", "")
        data, problem = input_file(ctx, ctx.config.get("FileName", "imagedefinitions.json"))
        if data is None:
            return Outcome(Status.FAILED, 0, problem)
        try:
            images = {str(i["name"]): str(i["imageUri"]) for i in json.loads(data)}
        except (ValueError, KeyError, TypeError):
            return Outcome(Status.FAILED, 0, "imagedefinitions.json is not a list of {name, imageUri}")
        ecs = ctx.client("ecs")
        artifact = next(iter(ctx.inputs.values()))
        try:
            before = ecs.describe_services(cluster=cluster, services=[service])["services"][0]["taskDefinition"]
            containers = [{"name": n, "image": uri, "memory": 512} for n, uri in sorted(images.items())]
            task = ecs.register_task_definition(family=service, containerDefinitions=containers)["taskDefinition"]
            ecs.update_service(cluster=cluster, service=service, taskDefinition=task["taskDefinitionArn"])
        except Exception as error:  # noqa: BLE001
            return Outcome(Status.FAILED, 0, client_error(error))
        target = f"{ctx.account}/{ctx.region}/ecs-service/{cluster}/{service}"
        ctx.resources.append(target)
        ctx.step(f"UpdateService {cluster}/{service} to {task['taskDefinitionArn'].split('/')[-1]}")
        firing = [a for a in _alarms(ctx) if ctx.world.alarm_state(a) == "ALARM"]
        if failure is None and not firing:
            ctx.set_live(target, artifact.digest, detail=task["taskDefinitionArn"])
            return Outcome(Status.SUCCEEDED, 10, f"service {service} runs {task['taskDefinitionArn'].split('/')[-1]}")
        reason = failure.message if failure else f"alarm {', '.join(firing)} in ALARM"
        previous = ctx.world.live.get(target)
        if _rolls_back(ctx, bool(firing)):
            ecs.update_service(cluster=cluster, service=service, taskDefinition=before)
            ctx.step(f"deployment failed ({reason}); rolled back to {before.split('/')[-1]}")
            if previous is not None:
                ctx.world.live[target] = previous
            ctx.rollbacks.append(Rollback(kind="ecs-rollback", stage=str(ctx.facts.stage.name), action=str(ctx.facts.action.name),
                                          reason=reason, from_digest=artifact.digest,
                                          to_digest=previous.digest if previous else None, time=ctx.clock.stamp()))  # fmt: skip
            return Outcome(Status.FAILED, 10, f"deployment failed and rolled back: {reason}")
        ctx.set_live(target, artifact.digest, healthy=False, detail=f"failed and left running: {reason}")
        return Outcome(Status.FAILED, 10, f"deployment failed: {reason}; the service has no rollback")


def _service(ctx: Context) -> EcsService | None:
    return next((t for t in ctx.facts.link.targets if isinstance(t, EcsService)), None)


def _alarms(ctx: Context) -> list[str]:
    target = _service(ctx)
    return [a for a in (as_text(x) for x in target.alarms) if a] if target and target.alarms_enabled is True else []


def _rolls_back(ctx: Context, alarm: bool) -> bool:
    target = _service(ctx)
    if target is None:
        return False
    flag = target.alarms_rollback if alarm else target.circuit_breaker_rollback
    return flag is True and not isinstance(flag, Unknown)

