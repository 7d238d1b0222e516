"""CodeDeploy (EC2/on-premises) and CodeDeployToECS (blue/green): a real deployment, traffic shifted on the clock.

The application and deployment group are created in the target account from the group the scanned files
define (deployment configuration, auto-rollback events, alarms, blue/green termination). At run time the
handler reads the group back from moto and acts on what it holds: it creates the deployment, shifts traffic in
the configuration's steps, stops on a firing alarm, and when the group's auto-rollback covers the event, deploys
the previous revision again (a second real deployment) so it is live once more. moto keeps deployments in
"Created"; their course is ours.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from checker.executor.handlers import Handler, Outcome, client_error, input_file
from checker.executor.trace import Rollback, Status
from checker.executor.traffic import plan, shift
from checker.model import CodeDeployConfig, CodeDeployGroup, Unknown
from checker.model.values import as_text

if TYPE_CHECKING:
    from checker.analysis.core import ActionFacts
    from checker.executor.engine import Context
    from checker.executor.scenario import Failure
    from checker.executor.world import World


def _known(value: Any) -> Any:
    return None if isinstance(value, Unknown) else value


class CodeDeploy(Handler):
    categories = ("Deploy",)
    providers = ("CodeDeploy", "CodeDeployToECS")

    def prepare(self, world: World, facts: ActionFacts) -> None:
        config = facts.action.configuration
        app, group_name = str(config.get("ApplicationName", "application")), str(config.get("DeploymentGroupName", "group"))
        account = world.where(facts)[0]
        region = world.where(facts)[1]
        ecs = as_text(facts.action.provider) == "CodeDeployToECS"
        target = world.codedeploy_group(facts)
        platform = "ECS" if ecs else (_known(target.compute_platform) if target else None) or "Server"
        codedeploy = world.client("codedeploy", account, region)
        try:
            codedeploy.create_application(applicationName=app, computePlatform=platform)
            world.record(account, region, "codedeploy-application", app, platform)
        except codedeploy.exceptions.ApplicationAlreadyExistsException:
            pass
        options: dict[str, Any] = {}
        if target is None:
            world.notes.append(f"deployment group {app}/{group_name} is not in the scanned files: created with "
                               "CodeDeploy's defaults (no auto-rollback, no alarms)")  # fmt: skip
        else:
            events = [e for e in map(_known, target.auto_rollback_events) if e]
            if _known(target.auto_rollback_enabled):
                options["autoRollbackConfiguration"] = {"enabled": True, "events": events or ["DEPLOYMENT_FAILURE"]}
            alarms = [a for a in map(_known, target.alarms) if a]
            for alarm in alarms:
                world.alarm(alarm, account, region)
            if alarms:
                options["alarmConfiguration"] = {"enabled": bool(_known(target.alarms_enabled) is not False),
                                                 "alarms": [{"name": a} for a in alarms]}  # fmt: skip
            if _known(target.deployment_config_name):
                options["deploymentConfigName"] = target.deployment_config_name
            style = {k: v for k, v in (("deploymentType", _known(target.deployment_type)),
                                       ("deploymentOption", _known(target.deployment_option))) if v}  # fmt: skip
            if style:
                options["deploymentStyle"] = style
            if _known(target.blue_termination_action):
                options["blueGreenDeploymentConfiguration"] = {"terminateBlueInstancesOnDeploymentSuccess": {
                    "action": target.blue_termination_action,
                    "terminationWaitTimeInMinutes": _known(target.blue_termination_wait_minutes) or 0}}
        world.group_alarms[(account, region, app, group_name)] = options.get("alarmConfiguration", {})
        codedeploy.create_deployment_group(applicationName=app, deploymentGroupName=group_name,
                                           serviceRoleArn=f"arn:aws:iam::{account}:role/codedeploy-service", **options)  # fmt: skip
        world.record(account, region, "codedeploy-deployment-group", f"{app}/{group_name}",
                     options.get("deploymentConfigName", "default configuration"))  # fmt: skip

    def run(self, ctx: Context, failure: Failure | None) -> Outcome:
        config = ctx.config
        app, group_name = config.get("ApplicationName", ""), config.get("DeploymentGroupName", "")
        ecs = str(ctx.facts.action.provider) == "CodeDeployToECS"
        codedeploy = ctx.client("codedeploy")
        try:
            group = codedeploy.get_deployment_group(applicationName=app, deploymentGroupName=group_name)["deploymentGroupInfo"]
        except Exception as error:  # noqa: BLE001
            return Outcome(Status.FAILED, 0, client_error(error))
        artifact = next(iter(ctx.inputs.values()), None)
        if artifact is None:
            return Outcome(Status.FAILED, 0, "no input artifact to deploy")
        revision, problem = _revision(ctx, ecs, artifact)
        if revision is None:
            return Outcome(Status.FAILED, 0, problem)
        try:
            deployment = codedeploy.create_deployment(applicationName=app, deploymentGroupName=group_name, revision=revision)
        except Exception as error:  # noqa: BLE001
            return Outcome(Status.FAILED, 0, client_error(error))
        target_id = f"{ctx.account}/{ctx.region}/codedeploy-deployment-group/{app}/{group_name}"
        ctx.resources.append(target_id)
        ctx.step(f"CreateDeployment {deployment['deploymentId']} of {artifact.name} {artifact.digest}")
        platform = "ECS" if ecs else "Server"
        configs = [t for t in ctx.world.analysis.workspace.targets if isinstance(t, CodeDeployConfig)]
        name = group.get("deploymentConfigName")
        route = plan(name if name and name != "None" else None, platform, configs)
        # moto does not return a group's alarm configuration (its response leaves it empty): use what was created
        alarm_config = group.get("alarmConfiguration") or ctx.world.group_alarms.get((ctx.account, ctx.region, app, group_name), {})
        alarms = [a["name"] for a in alarm_config.get("alarms", [])] if alarm_config.get("enabled") else []
        result = shift(ctx, route, f"{artifact.digest[:19]} ({route.name})", alarms, failure)
        previous = ctx.world.live.get(target_id)
        if result.ok:
            wait = int(((group.get("blueGreenDeploymentConfiguration") or {}).get("terminateBlueInstancesOnDeploymentSuccess")
                        or {}).get("terminationWaitTimeInMinutes", 0) or 0) if ecs else 0  # fmt: skip
            if wait:
                ctx.clock.advance(wait)
                ctx.step(f"original task set terminated after {wait} min")
            ctx.set_live(target_id, artifact.digest, detail=f"deployment {deployment['deploymentId']}")
            return Outcome(Status.SUCCEEDED, 1, f"deployment {deployment['deploymentId']} succeeded ({route.name})")
        rollback = group.get("autoRollbackConfiguration") or {}
        covered = rollback.get("enabled") and result.event in (rollback.get("events") or [])
        message = f"deployment {deployment['deploymentId']} {result.reason}"
        if covered and previous is not None and previous.digest:
            redo = codedeploy.create_deployment(applicationName=app, deploymentGroupName=group_name,
                                                revision=previous_revision(ctx, previous.digest))  # fmt: skip
            ctx.step(f"auto-rollback ({result.event}): deployment {redo['deploymentId']} puts {previous.digest[:19]} back")
            ctx.set_live(target_id, previous.digest, detail=f"rolled back by {redo['deploymentId']}",
                         execution_id=previous.execution_id)  # fmt: skip
            ctx.rollbacks.append(Rollback(kind="codedeploy-auto-rollback", stage=str(ctx.facts.stage.name),
                                          action=str(ctx.facts.action.name), reason=f"{result.event}: {result.reason}",
                                          from_digest=artifact.digest, to_digest=previous.digest, time=ctx.clock.stamp()))  # fmt: skip
            return Outcome(Status.FAILED, 1, message + "; auto-rollback restored the previous revision")
        if covered:
            ctx.step("auto-rollback: no earlier revision to go back to")
            ctx.world.live.pop(target_id, None)
            return Outcome(Status.FAILED, 1, message + "; auto-rollback found no previous revision")
        why = "auto-rollback is off" if not rollback.get("enabled") else f"auto-rollback does not cover {result.event}"
        ctx.step(f"no rollback ({why}): {result.percent}% of traffic stays on the failed revision")
        ctx.set_live(target_id, artifact.digest, healthy=False, detail=f"failed at {result.percent}% and left there: {why}")
        return Outcome(Status.FAILED, 1, f"{message}; {why}")


def _revision(ctx: Context, ecs: bool, artifact: Any) -> tuple[dict[str, Any] | None, str]:
    config = ctx.config
    if not ecs:
        files = artifact.files()
        if "appspec.yml" not in files and "appspec.yaml" not in files:
            return None, (f"The AppSpec file cannot be found: artifact {artifact.name} has no appspec.yml at its root "
                          "(give one in the scenario's source or build files)")  # fmt: skip
        return {"revisionType": "S3", "s3Location": {"bucket": artifact.bucket, "key": artifact.key, "bundleType": "zip",
                                                     "eTag": artifact.digest[7:39]}}, ""  # fmt: skip
    for key in ("TaskDefinitionTemplate", "AppSpecTemplate"):
        name = config.get(f"{key}Artifact", artifact.name)
        default = "taskdef.json" if key == "TaskDefinitionTemplate" else "appspec.yaml"
        data, problem = input_file(ctx, f"{name}::{config.get(f'{key}Path', default)}")
        if data is None:
            return None, problem
        if key == "AppSpecTemplate":
            appspec = data.decode("utf-8", "replace")
    content = appspec + f"\n# pipelint: revision {artifact.digest}\n"
    return {"revisionType": "AppSpecContent", "appSpecContent": {
        "content": content, "sha256": hashlib.sha256(content.encode()).hexdigest()}}, ""


def previous_revision(ctx: Context, digest: str) -> dict[str, Any]:
    content = f"# pipelint: rollback to revision {digest}\n"
    return {"revisionType": "AppSpecContent", "appSpecContent": {"content": content,
                                                                 "sha256": hashlib.sha256(content.encode()).hexdigest()}}


__all__ = ["CodeDeploy", "CodeDeployGroup"]
