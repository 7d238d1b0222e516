"""CloudFormation and SAM templates, YAML or JSON: pipelines and deploy targets, per scenario."""

from __future__ import annotations

import re

from checker.loaders.base import LoadOptions, LoadResult, report_reader_findings
from checker.loaders.cloudformation.scenarios import tag, variants
from checker.loaders.cloudformation.targets import BUILDERS, build_target
from checker.loaders.cloudformation import validate
from checker.loaders.cloudformation.evaluate import Evaluator
from checker.loaders.cloudformation.template import PSEUDO, Template
from checker.loaders.declaration import DeclarationReader, kind_of, pascal
from checker.model import FrozenDict, Ignore, Pipeline, ProblemSeverity, SourceFormat, SourceRef, Unknown
from checker.model.arn import account_of
from checker.sources.document import Document

NAME = "cloudformation"
PIPELINE = "AWS::CodePipeline::Pipeline"
RULE_CODE = re.compile(r"[A-Z]{2,6}\d{0,3}")


def sniff(doc: Document) -> bool:
    value = doc.value
    return isinstance(value, dict) and (
        isinstance(value.get("Resources"), dict) or "AWSTemplateFormatVersion" in value
    )


def load(doc: Document, options: LoadOptions, fmt: SourceFormat = SourceFormat.CLOUDFORMATION) -> LoadResult:
    result = LoadResult(NAME if fmt is SourceFormat.CLOUDFORMATION else fmt.value)
    report_reader_findings(doc, result, "CloudFormation")
    if not isinstance(doc.value, dict):
        result.problem(doc, f"a CloudFormation template is a mapping, not {kind_of(doc.value)}")
        return result
    template = Template(doc.value, options.parameters)
    result.parameters = (*template.parameters, *sorted(PSEUDO))  # AWS::Region and such: --param sets them too
    result.problems_at(doc, validate.check(template))
    for logical_id, resource in template.resources.items():
        kind = resource.get("Type")
        if kind == PIPELINE:
            issues: list = []
            unused: list = []  # an ignore that is not valid is not applied: a warning, the finding stays
            ignores = _ignores(doc.file, resource, logical_id, unused)
            build = lambda ev, lid=logical_id, found=issues, ig=ignores: _pipeline(doc, template, ev, lid, fmt, found, ig)  # noqa: E731
            for pipeline, scenario in variants(template, resource, build):
                result.pipelines.append(tag(pipeline, scenario))
            result.problems_at(doc, issues)
            result.problems_at(doc, unused, ProblemSeverity.WARNING)
        elif isinstance(kind, str) and kind in BUILDERS:  # a Type that is not a string is reported by validate
            for target, scenario in variants(template, resource, lambda ev, lid=logical_id: _target(doc, template, ev, lid)):
                result.targets.append(tag(target, scenario, template_parameters=_parameters(template, scenario)))
    return result


def _exists(template: Template, ev: Evaluator, logical_id: str) -> bool:
    condition = template.resources[logical_id].get("Condition")
    return condition is None or ev.condition(condition) is not False


def _pipeline(doc: Document, template: Template, ev: Evaluator, logical_id: str, fmt: SourceFormat,
              issues: list, ignores: tuple[Ignore, ...]) -> tuple[Pipeline, ...]:  # fmt: skip
    if not _exists(template, ev, logical_id):
        return ()
    path = ("Resources", logical_id, "Properties")
    properties, at = ev.node(template.resources[logical_id].get("Properties"), path)
    reader = DeclarationReader(doc.file, ev, pascal)
    account = ev.value({"Ref": "AWS::AccountId"})  # the stack's account: where the pipeline is created
    extra = dict(format=fmt, region=ev.value({"Ref": "AWS::Region"}), resource_id=logical_id,
                 source=SourceRef(doc.file, ("Resources", logical_id)), ignores=ignores)  # fmt: skip
    if not isinstance(properties, dict):
        if not isinstance(properties, Unknown):
            properties = Unknown(f"the pipeline's Properties must be a mapping, not {kind_of(properties)}")
            issues.append((at, properties.reason))
        return (reader.opaque(Unknown(f"the pipeline's declaration is unknown: {properties.reason}"), at, account=account, **extra),)
    role_account = account_of(ev.value(properties.get("RoleArn")))
    pipeline = reader.pipeline(properties, at, account=role_account if isinstance(role_account, str) else account, **extra)
    issues.extend(reader.issues)
    return (pipeline,)


def _ignores(file: str, resource: dict, logical_id: str, issues: list) -> tuple[Ignore, ...]:
    """`Metadata: {pipelint: {ignore: [{rule: PL101, reason: ...}]}}`; one without a reason is not applied."""
    metadata = resource.get("Metadata")
    settings = metadata.get("pipelint") if isinstance(metadata, dict) else None
    if settings is None:
        return ()
    path: tuple = ("Resources", logical_id, "Metadata", "pipelint")
    entries = settings.get("ignore") if isinstance(settings, dict) else None
    if not isinstance(entries, list):
        issues.append((path, "Metadata.pipelint must be {ignore: [{rule: PLxxx, reason: ...}]}; nothing is ignored"))
        return ()
    found = []
    for index, entry in enumerate(entries):
        at = (*path, "ignore", index)
        rule = entry.get("rule") if isinstance(entry, dict) else None
        reason = entry.get("reason") if isinstance(entry, dict) else None
        if not isinstance(rule, str) or not RULE_CODE.fullmatch(rule):
            issues.append((at, "an ignore needs `rule` (a rule code such as PL101, or a prefix such as PL1); not applied"))
        elif not isinstance(reason, str) or not reason.strip():
            issues.append((at, f"the ignore of {rule} has no `reason`; a reason is required, so it is not applied"))
        else:
            found.append(Ignore(rule=rule, reason=reason.strip(), source=SourceRef(file, at)))
    return tuple(found)


def _target(doc: Document, template: Template, ev: Evaluator, logical_id: str) -> tuple:
    if not _exists(template, ev, logical_id):
        return ()
    target = build_target(template, ev, logical_id, doc.file)
    return () if target is None else (target,)


def _parameters(template: Template, scenario: object) -> FrozenDict:
    """The parameter values a target is known to have: given, or fixed by its scenario. Not defaults: the action
    that deploys the template usually overrides them."""
    values = {k: v for k, v in template.given.items() if k in template.parameters}
    for name in template.parameters:
        fixed = scenario.values_of(name)  # type: ignore[attr-defined]
        if fixed is not None and len(fixed) == 1:
            values[name] = next(iter(fixed))
    return FrozenDict(values)
