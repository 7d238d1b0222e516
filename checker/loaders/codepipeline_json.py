"""CodePipeline JSON: `aws codepipeline get-pipeline` output, `create-pipeline --cli-input-json` input, or a bare
pipeline declaration; V1 and V2; `artifactStore` or `artifactStores`."""

from __future__ import annotations

from checker.loaders.base import LoadOptions, LoadResult, report_reader_findings
from checker.loaders.declaration import DeclarationReader, Verbatim, camel
from checker.model import SourceFormat
from checker.model.arn import account_of, parse_arn
from checker.sources.document import Document

NAME = "codepipeline-json"


def _declaration(value: object) -> tuple[dict, tuple[str, ...]] | None:
    if not isinstance(value, dict):
        return None
    wrapped = value.get("pipeline")
    if isinstance(wrapped, dict) and isinstance(wrapped.get("stages"), list):
        return wrapped, ("pipeline",)
    if isinstance(value.get("stages"), list) and "name" in value:
        return value, ()
    return None


def sniff(doc: Document) -> bool:
    return _declaration(doc.value) is not None


def load(doc: Document, options: LoadOptions) -> LoadResult:  # noqa: ARG001
    result = LoadResult(NAME)
    report_reader_findings(doc, result, "the CodePipeline API")
    found = _declaration(doc.value)
    assert found is not None
    declaration, path = found
    metadata = doc.value.get("metadata") if isinstance(doc.value, dict) else None
    pipeline_arn = metadata.get("pipelineArn") if isinstance(metadata, dict) else None
    arn = parse_arn(pipeline_arn)
    reader = DeclarationReader(doc.file, Verbatim(), camel)
    role = declaration.get("roleArn")
    result.pipelines.append(
        reader.pipeline(
            declaration,
            path,
            format=SourceFormat.CODEPIPELINE_JSON,
            account=(arn.account if arn else None) or account_of(role),
            region=arn.region if arn and arn.region else None,
        )
    )
    return result
