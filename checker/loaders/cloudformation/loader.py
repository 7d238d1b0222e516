"""CloudFormation and SAM templates, YAML or JSON: pipelines and deploy targets, per scenario."""

from __future__ import annotations

from checker.loaders.base import LoadOptions, LoadResult, report_reader_findings
from checker.loaders.cloudformation.scenarios import tag, variants
from checker.loaders.cloudformation.targets import BUILDERS, build_target
from checker.loaders.cloudformation.evaluate import Evaluator
from checker.loaders.cloudformation.template import Template, param_text
from checker.loaders.declaration import DeclarationReader, pascal
from checker.model import FrozenDict, Pipeline, ProblemSeverity, SourceFormat
from checker.model.arn import account_of
from checker.sources.document import Document

NAME = "cloudformation"
PIPELINE = "AWS::CodePipeline::Pipeline"


def sniff(doc: Document) -> bool:
    value = doc.value
    return isinstance(value, dict) and (
        isinstance(value.get("Resources"), dict) or "AWSTemplateFormatVersion" in value
    )


def load(doc: Document, options: LoadOptions, fmt: SourceFormat = SourceFormat.CLOUDFORMATION) -> LoadResult:
    result = LoadResult(NAME if fmt is SourceFormat.CLOUDFORMATION else fmt.value)
    report_reader_findings(doc, result, "CloudFormation")
    assert isinstance(doc.value, dict)
    template = Template(doc.value, options.parameters)
    _check_conditions(doc, template, result)
    for logical_id, resource in template.resources.items():
        kind = resource.get("Type")
        if kind == PIPELINE:
            for pipeline, scenario in variants(template, resource, lambda ev, lid=logical_id: _pipeline(doc, template, ev, lid, fmt)):
                result.pipelines.append(tag(pipeline, scenario))
        elif kind in BUILDERS:
            for target, scenario in variants(template, resource, lambda ev, lid=logical_id: _target(doc, template, ev, lid)):
                result.targets.append(tag(target, scenario, template_parameters=_parameters(template, scenario)))
    return result


def _exists(template: Template, ev: Evaluator, logical_id: str) -> bool:
    condition = template.resources[logical_id].get("Condition")
    return condition is None or ev.condition(condition) is not False


def _pipeline(doc: Document, template: Template, ev: Evaluator, logical_id: str, fmt: SourceFormat) -> tuple[Pipeline, ...]:
    if not _exists(template, ev, logical_id):
        return ()
    path = ("Resources", logical_id, "Properties")
    properties, at = ev.node(template.resources[logical_id].get("Properties"), path)
    if not isinstance(properties, dict):
        properties = {}
    reader = DeclarationReader(doc.file, ev, pascal)
    role = ev.value(properties.get("RoleArn"))
    account = account_of(role)
    if not isinstance(account, str):
        account = ev.value({"Ref": "AWS::AccountId"})  # the stack's account: where the pipeline is created
    region = ev.value({"Ref": "AWS::Region"})
    pipeline = reader.pipeline(
        properties,
        at,
        format=fmt,
        account=account,
        region=region,
        resource_id=logical_id,
        source=reader._ref(("Resources", logical_id)),
    )
    return (pipeline,)


def _target(doc: Document, template: Template, ev: Evaluator, logical_id: str) -> tuple:
    if not _exists(template, ev, logical_id):
        return ()
    target = build_target(template, ev, logical_id, doc.file)
    return () if target is None else (target,)


def _parameters(template: Template, scenario: object) -> FrozenDict:
    """The parameter values in force for a target: given, fixed by its scenario, or defaults."""
    values = {name: p.default for name, p in template.parameters.items() if p.default is not None}
    values.update({k: v for k, v in template.given.items() if k in template.parameters})
    for name in template.parameters:
        fixed = scenario.values_of(name)  # type: ignore[attr-defined]
        if fixed is not None and len(fixed) == 1:
            values[name] = next(iter(fixed))
    return FrozenDict(values)


def _check_conditions(doc: Document, template: Template, result: LoadResult) -> None:
    for logical_id, resource in template.resources.items():
        condition = resource.get("Condition")
        if condition is not None and condition not in template.conditions:
            result.problem(
                doc,
                f"resource {logical_id} has Condition '{param_text(condition)}', which the template does not define",
                severity=ProblemSeverity.WARNING,
            )



