"""CodeBuild build and test actions: a real StartBuild in moto; the result is the scenario's.

moto's builds always succeed and run nothing, so the scenario says how each project's build ends, how long it
takes, the files it adds to its output and the variables it exports. The output artifact is the primary input
plus those files plus `pipelint-build.json` (project, build id, source digest): a rebuilt artifact is never
byte-identical to the one built before, which is what makes "prod got what staging tested" checkable.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from checker.executor.handlers import Handler, Outcome, client_error
from checker.executor.trace import Status

if TYPE_CHECKING:
    from checker.analysis.core import ActionFacts
    from checker.executor.engine import Context
    from checker.executor.scenario import Failure
    from checker.executor.world import World


class CodeBuild(Handler):
    categories = ("Build", "Test")
    providers = ("CodeBuild",)

    def prepare(self, world: World, facts: ActionFacts) -> None:
        project = str(facts.action.configuration.get("ProjectName", "project"))
        region = world.where(facts)[1]
        codebuild = world.client("codebuild", world.pipeline_account, region)
        if codebuild.batch_get_projects(names=[project])["projects"]:
            return
        codebuild.create_project(
            name=project, source={"type": "CODEPIPELINE", "location": "codepipeline"}, artifacts={"type": "CODEPIPELINE", "location": "codepipeline"},
            environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"},
            serviceRole=f"arn:aws:iam::{world.pipeline_account}:role/codebuild-{project}"[:2048],
        )  # fmt: skip
        world.record(world.pipeline_account, region, "codebuild-project", project)

    def run(self, ctx: Context, failure: Failure | None) -> Outcome:
        project = ctx.config.get("ProjectName", "")
        plan = ctx.world.scenario.build(ctx.release, project)
        codebuild = ctx.world.client("codebuild", ctx.world.pipeline_account, ctx.region)
        try:
            overrides = [{"name": str(v.get("name")), "value": str(v.get("value", "")), "type": "PLAINTEXT"}
                         for v in json.loads(ctx.config.get("EnvironmentVariables", "[]") or "[]") if isinstance(v, dict)]  # fmt: skip
        except ValueError:
            return Outcome(Status.FAILED, 0, "EnvironmentVariables is not a JSON list")
        try:
            build = codebuild.start_build(projectName=project, environmentVariablesOverride=overrides)["build"]
        except Exception as error:  # noqa: BLE001
            return Outcome(Status.FAILED, 0, client_error(error))
        ctx.resources.append(f"{ctx.world.pipeline_account}/{ctx.region}/codebuild-project/{project}")
        ctx.step(f"StartBuild {build['id']}")
        if failure is not None or plan.result == "FAILED":
            reason = failure.message if failure else "the scenario's build result is FAILED"
            return Outcome(Status.FAILED, plan.minutes, f"build {build['id']} failed: {reason}")
        outputs = {}
        primary = ctx.config.get("PrimarySource") or next(iter(ctx.inputs), "")
        for name in map(str, ctx.facts.action.output_artifacts):
            files = ctx.inputs[primary].files() if primary in ctx.inputs else {}
            files.update({path: text.encode() for path, text in plan.files})
            record = {"project": project, "build": build["id"], "sources": {n: a.digest for n, a in sorted(ctx.inputs.items())}}
            files["pipelint-build.json"] = json.dumps(record, sort_keys=True).encode()
            outputs[name] = ctx.artifacts.store(name, files, ctx.execution_id, ctx.region)
            ctx.step(f"{name} {outputs[name].digest}")
        variables = dict(plan.variables)
        return Outcome(Status.SUCCEEDED, plan.minutes, f"build {build['id']} succeeded", outputs, variables)
