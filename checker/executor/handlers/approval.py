"""Manual approval: publishes to its SNS topic (a real Publish in moto), then waits for the scenario's decision.

Nothing after the gate starts before the decision: the stage does not finish until then. A rejection fails the
action and stops the execution; so does a timeout (CodePipeline fails an approval after seven days).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from checker.executor.handlers import Handler, Outcome, client_error
from checker.executor.trace import Notification, Status
from checker.model.arn import parse_arn

if TYPE_CHECKING:
    from checker.analysis.core import ActionFacts
    from checker.executor.engine import Context
    from checker.executor.scenario import Failure
    from checker.executor.world import World

TIMEOUT_MINUTES = 7 * 24 * 60


class ManualApproval(Handler):
    categories = ("Approval",)
    providers = ("Manual",)

    def prepare(self, world: World, facts: ActionFacts) -> None:
        arn = parse_arn(facts.action.configuration.get("NotificationArn"))
        if arn is None or not arn.account.isdigit():
            return
        sns = world.client("sns", arn.account, arn.region or world.region)
        sns.create_topic(Name=arn.resource)
        world.record(arn.account, arn.region or world.region, "sns-topic", arn.resource, "approval notifications")

    def run(self, ctx: Context, failure: Failure | None) -> Outcome:
        if failure is not None:
            return Outcome(Status.FAILED, 0, failure.message)
        topic = ctx.config.get("NotificationArn", "")
        if topic:
            arn = parse_arn(topic)
            account = arn.account if arn else ctx.world.pipeline_account
            region = (arn.region if arn else "") or ctx.region
            body = {"approval": {"pipelineName": ctx.world.pipeline.title, "stageName": str(ctx.facts.stage.name),
                                 "actionName": str(ctx.facts.action.name), "customData": ctx.config.get("CustomData", ""),
                                 "externalEntityLink": ctx.config.get("ExternalEntityLink", ""),
                                 "expires": TIMEOUT_MINUTES}}  # fmt: skip
            subject = f"APPROVAL NEEDED: {ctx.world.pipeline.title} {ctx.key}"[:100]
            try:
                sent = ctx.world.client("sns", account, region).publish(TopicArn=topic, Subject=subject, Message=json.dumps(body))
            except Exception as error:  # noqa: BLE001
                return Outcome(Status.FAILED, 0, f"could not notify {topic}: {client_error(error)}")
            ctx.notifications.append(Notification(topic=topic, account=account, subject=subject, message=json.dumps(body),
                                                  time=ctx.clock.stamp(), stage=str(ctx.facts.stage.name),
                                                  action=str(ctx.facts.action.name), message_id=sent["MessageId"]))  # fmt: skip
            ctx.resources.append(f"{account}/{region}/sns-topic/{arn.resource if arn else topic}")
            ctx.step(f"published to {topic} (message {sent['MessageId']})")
        else:
            ctx.step("no NotificationArn: nobody is told that an approval waits")
        decision = ctx.world.scenario.decision(ctx.release, ctx.key)
        if decision.decision == "timeout":
            ctx.step("no decision within 7 days")
            return Outcome(Status.FAILED, TIMEOUT_MINUTES, "approval timed out after 7 days")
        said = f" ({decision.comment})" if decision.comment else ""
        if decision.decision == "reject":
            return Outcome(Status.FAILED, decision.after_minutes, f"Rejected by {decision.by}{said}")
        return Outcome(Status.SUCCEEDED, decision.after_minutes, f"Approved by {decision.by}{said}")
