"""CodePipeline JSON: `aws codepipeline get-pipeline` output, `create-pipeline --cli-input-json` input, or a bare
pipeline declaration; V1 and V2; `artifactStore` or `artifactStores`."""

from __future__ import annotations

from checker.loaders.base import LoadOptions, LoadResult, report_reader_findings
from checker.loaders.declaration import DeclarationReader, Verbatim, camel
from checker.model import SourceFormat, Unknown
from checker.model.arn import account_of, parse_arn
from checker.sources.document import Document

NAME = "codepipeline-json"


_DECLARATION_KEYS = {"name", "roleArn", "stages", "artifactStore", "artifactStores", "pipelineType"}


def _declaration(value: object) -> tuple[dict, tuple[str, ...]] | None:
    """The declaration: under "pipeline" (get-pipeline, create-pipeline input), or the document itself."""
    if not isinstance(value, dict):
        return None
    wrapped = value.get("pipeline")
    if isinstance(wrapped, dict) and len(_DECLARATION_KEYS & wrapped.keys()) >= 2:
        return wrapped, ("pipeline",)
    if "stages" in value and "name" in value and len(_DECLARATION_KEYS & value.keys()) >= 3:
        return value, ()
    return None


def sniff(doc: Document) -> bool:
    return _declaration(doc.value) is not None


def load(doc: Document, options: LoadOptions) -> LoadResult:  # noqa: ARG001
    result = LoadResult(NAME)
    report_reader_findings(doc, result, "the CodePipeline API")
    found = _declaration(doc.value)
    if found is None:
        result.problem(doc, "not a CodePipeline declaration")
        return result
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
            account=(arn.account if arn else None) or account_of(role) or Unknown("the file does not say (no roleArn or pipelineArn)"),
            region=arn.region if arn and arn.region else Unknown("the file does not say (no pipelineArn in its metadata)"),
        )
    )
    result.problems_at(doc, reader.issues)
    return result
