from __future__ import annotations

import re
from collections.abc import Iterator

from checker.model import ArtifactStore, Pipeline, Severity, Unknown
from checker.rules.base import Rule, RuleContext, Verdict, related
from checker.model.arn import describe, same_account

KEY_ID = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})")
# Region and account may be unresolved (`${AWS::Region}`, as `!GetAtt Key.Arn` reads before deployment).
_PART = r"(?:\$\{[^}]*\}|[^:$])*"
KEY_ARN = re.compile(rf"arn:[^:]+:kms:{_PART}:{_PART}:key/")


def key_problem(store: ArtifactStore) -> str | None | Unknown:
    """Why a store's key does not work across accounts; None when it does; Unknown when the files do not say."""
    key = store.encryption_key
    if key is None:
        return "has no encryption key, so S3 uses the AWS managed key aws/s3, which other accounts cannot use"
    value = key.id
    text = value.text if isinstance(value, Unknown) else value
    if text is not None and "alias/" in text:
        return f"uses the key alias {text}; an alias resolves only in the pipeline's account"
    if isinstance(value, str):
        return None if KEY_ID.search(value) or KEY_ARN.match(value) else f"has a key id {value!r} that is not a key ARN or id"
    if text is not None and (KEY_ARN.match(text) or text.endswith(".Arn}") or text.endswith(".KeyId}")):
        return None  # a key ARN with an unresolved account or region, or a key defined in the template
    return value  # type: ignore[return-value]


class CrossAccountArtifactsWithoutCmk(Rule):
    """The pipeline deploys across accounts, but an artifact store has no customer-managed KMS key.

    ## Why is this bad?
    Actions in other accounts must decrypt the artifacts. The default key (`aws/s3`) cannot be shared with
    other accounts, and a key alias resolves only in the account that reads it, so cross-account actions fail
    — or teams work around it by weakening the bucket's encryption.

    ## Example
    `ArtifactStore: {Type: S3, Location: my-artifacts}` with no `EncryptionKey`, and a deploy action whose
    `RoleArn` is in the prod account.

    ## Use instead
    A customer-managed KMS key given by key ARN or key id in `EncryptionKey`, whose key policy lets the
    deploy roles of the other accounts decrypt.
    """

    code = "PL203"
    name = "cross-account-artifacts-without-cmk"
    severity = Severity.HIGH

    def check(self, pipeline: Pipeline, ctx: RuleContext) -> Iterator[Verdict]:
        if pipeline.format.is_ci:
            yield self.not_applicable(f"a {pipeline.format.value} workflow keeps no CodePipeline artifact store")
            return
        actions = [f for f in ctx.actions(pipeline) if f.action.role_arn is not None]
        crossing = [f for f in actions if same_account(f.account, pipeline.account) is False]
        accounts = {f.account for f in actions if isinstance(f.account, str)}
        if not crossing and len(accounts) > 1:  # two accounts: at least one is not the pipeline's, whichever it is
            crossing = [f for f in actions if isinstance(f.account, str)]
        if not crossing:
            open_ = [f for f in actions if same_account(f.account, pipeline.account) is None]
            if open_:
                yield self.unknown(f"cannot tell whether {open_[0].label} (account {describe(open_[0].account)}) is in "
                                   f"another account than the pipeline ({describe(pipeline.account)})", open_[0])  # fmt: skip
            elif opaque := [stage for stage in pipeline.stages if stage.opaque is not None]:
                yield self.unknown(f"no action is known to run in another account, but a stage is not in the files: "
                                   f"{opaque[0].opaque.reason}", opaque[0])  # type: ignore[union-attr]  # fmt: skip
            else:
                yield self.not_applicable("every action runs in the pipeline's own account")
            return
        if not pipeline.artifact_stores:
            yield self.unknown("the pipeline's artifact store is not in the files", pipeline)
            return
        first = crossing[0]
        for store in pipeline.artifact_stores:
            problem = key_problem(store)
            at = store.encryption_key or store
            if isinstance(problem, Unknown):
                yield self.unknown(f"the artifact store's encryption key is unknown: {problem.reason}", at)
            elif problem:
                region = f" ({store.region})" if store.region is not None else ""
                yield self.failed(at, f"artifact store {store.location}{region} {problem}; {first.label} runs in "
                                      f"account {describe(first.account)}",
                                  related(first, f"{first.label} runs in account {describe(first.account)}"))  # fmt: skip
            else:
                yield self.passed(f"artifact store {store.location} is encrypted with {store.encryption_key.id}")  # type: ignore[union-attr]
