"""What the rules conclude on whole files: the sample pipelines exactly as their README says, and real
pipelines from ../shared/corpus as their MANIFEST notes describe them."""

from __future__ import annotations

import os

import pytest

from checker.engine.run import lint
from checker.load import load_workspace
from checker.model import Confidence, Outcome
from checker.policy.model import Policy
from tests.conftest import CORPUS, SAMPLES

SAMPLE_FAILS = {
    "01-compliant-three-accounts": set(),
    "02-prod-without-approval": {"PL101"},
    "03-prod-shares-staging-account": {"PL201"},
    "04-prod-all-at-once-no-rollback": {"PL301", "PL401"},
    "05-v2-rollback-and-conditions": {"PL501"},
    "06-sam-lambda-canary": set(),
}
# The CI workflows of 07, by file: each is a pipeline of its own.
CI_FAILS = {
    "github/release.yml": {"PL501"},
    "github/hotfix.yml": {"PL101", "PL104", "PL501"},
    "gitlab/release.gitlab-ci.yml": {"PL501"},
    "gitlab/manual-gate-does-not-block.gitlab-ci.yml": {"PL101", "PL501"},
}


def report_for(*paths: str):
    return lint(load_workspace([str(p) for p in paths]), Policy())


def failed_by_file(report, top) -> dict[str, set[str]]:
    by_file: dict[str, set[str]] = {}
    for evaluation in report.evaluations:
        name = os.path.relpath(evaluation.ref.file, top)
        by_file.setdefault(name, set())
        if evaluation.outcome is Outcome.FAILED:
            by_file[name].add(evaluation.code)
    return by_file


@pytest.mark.parametrize("scenario", sorted(SAMPLE_FAILS))
def test_each_sample_gives_exactly_the_findings_its_readme_lists(scenario):
    report = report_for(SAMPLES / scenario)
    assert not report.problems
    # the same pipeline in every format, with the same verdicts
    formats = ["codepipeline.json", "cloudformation.yaml"]
    formats += ["terraform/main.tf"] if (SAMPLES / scenario / "terraform").is_dir() else []
    assert failed_by_file(report, SAMPLES / scenario) == {f: SAMPLE_FAILS[scenario] for f in formats}
    assert not any(e.outcome is Outcome.ERROR for e in report.evaluations)


def test_the_ci_workflows_give_exactly_the_findings_the_readme_lists():
    top = SAMPLES / "07-ci-workflows"
    report = report_for(top)
    assert not report.problems
    assert failed_by_file(report, top) == CI_FAILS
    assert not any(e.outcome in (Outcome.ERROR, Outcome.UNKNOWN) for e in report.evaluations)


def test_the_all_at_once_finding_points_at_the_prod_scenario_of_the_deployment_group():
    report = report_for(SAMPLES / "04-prod-all-at-once-no-rollback")
    for finding in (f for f in report.findings if f.code in ("PL301", "PL401")):
        (related,) = finding.related
        if finding.ref.file.endswith(".tf"):  # Terraform: the prod group itself, in its own resource
            assert related.location.file.endswith("terraform/targets.tf") and related.location.line == 116
            assert "aws_codedeploy_deployment_group.prod" in related.message
            continue
        assert related.location.file.endswith("targets.yaml") and related.location.line == 44
        assert "when Environment=prod" in related.message


@pytest.mark.parametrize("scenario", ["01-compliant-three-accounts", "04-prod-all-at-once-no-rollback"])
def test_without_the_targets_rollback_and_strategy_are_unknown_not_passed(scenario):
    report = report_for(SAMPLES / scenario / "codepipeline.json")
    outcomes = {e.code: e.outcome for e in report.evaluations}
    assert {outcomes[c] for c in ("PL301", "PL302", "PL401", "PL402")} == {Outcome.UNKNOWN}
    assert outcomes["PL101"] is Outcome.PASSED


# (file name fragment, rule, outcome, a fragment of the finding or reason) from the corpus MANIFEST notes
CORPUS_VERDICTS = [
    ("aws-serverless-ecommerce-platform", "PL101", Outcome.FAILED, "'execute-changeset' in stage 'prod'"),
    ("aws-serverless-ecommerce-platform", "PL104", Outcome.PASSED, "staging"),
    ("codepipeline-nested-cfn", "PL101", Outcome.PASSED, "ProdApproval"),
    ("codepipeline-nested-cfn", "PL501", Outcome.PASSED, "CHANGE_SET_EXECUTE"),
    ("codepipeline-nested-cfn", "PL106", Outcome.PASSED, ""),
    ("iam-policy-tester-pipeline", "PL101", Outcome.FAILED, "stage 'DeployToProduction'"),
    ("sam-monorepo-pipeline-template", "PL101", Outcome.FAILED, "'DeployProd'"),
    ("sam-monorepo-pipeline-template", "PL301", Outcome.FAILED, "CodeBuild action has no automatic rollback"),
    ("aws-pipeline-commit-build-deploy", "PL101", Outcome.FAILED, "'ProdDeploy'"),
    ("aws-pipeline-commit-build-deploy", "PL301", Outcome.FAILED, "auto-rollback is not enabled"),
    ("aws-pipeline-commit-build-deploy", "PL402", Outcome.FAILED, "OneAtATime"),
    ("multi-prods__ToolsAcct", "PL101", Outcome.PASSED, "ApproveDeployProd"),
    ("multi-prods__ToolsAcct", "PL102", Outcome.FAILED, "no NotificationArn"),
    ("widdix__learn-codepipeline__lab04", "PL101", Outcome.FAILED, "stage 'Production'"),
    ("widdix__learn-codepipeline__lab04", "PL104", Outcome.FAILED, "first deploy"),
    ("widdix__learn-codepipeline__lab04", "PL501", Outcome.FAILED, "CREATE_UPDATE"),
    ("aws-cross-account-serverless-microservices", "PL101", Outcome.NOT_APPLICABLE, "no production"),
    ("pipelinestructure.json", "PL203", Outcome.PASSED, "encrypted with"),
    ("templates__bad__resources__codepipeline__stages_second", "PL502", Outcome.FAILED, "literal OAuthToken"),
    ("quickstart-taskcat-ci", "PL101", Outcome.NOT_APPLICABLE, "no production"),
    ("ecs-refarch-continuous-deployment", "PL101", Outcome.UNKNOWN, "no name, account or parameter"),
    ("cdk-pipeline-demo__cdk.out__pipeline", "PL101", Outcome.NOT_APPLICABLE, "no production"),
]


def corpus_file(fragment: str):
    found = [p for p in CORPUS.rglob("*") if fragment in p.name and p.is_file() and "manifest" not in p.name.lower()]
    assert len(found) == 1, (fragment, found)
    return found[0]


@pytest.mark.corpus
@pytest.mark.parametrize(("fragment", "code", "outcome", "says"), CORPUS_VERDICTS,
                         ids=[f"{c}-{f[:40]}" for f, c, _, _ in CORPUS_VERDICTS])  # fmt: skip
def test_corpus_verdicts(corpus, fragment, code, outcome, says):
    report = report_for(corpus_file(fragment))
    evaluations = [e for e in report.evaluations if e.code == code]
    assert evaluations and {e.outcome for e in evaluations} == {outcome}, [(e.outcome, e.reason) for e in evaluations]
    text = " ".join(e.reason + " ".join(f.message for f in e.findings) for e in evaluations)
    assert says in text, text


@pytest.mark.corpus
def test_a_prod_deploy_named_by_stage_and_action_against_its_stack_name_is_medium_confidence(corpus):
    report = report_for(corpus_file("iam-policy-tester-pipeline"))
    (finding, *_) = [f for f in report.findings if f.code == "PL101"]
    assert finding.confidence is Confidence.MEDIUM


@pytest.mark.corpus
def test_no_rule_crashes_on_any_corpus_file(corpus):
    report = report_for(corpus)
    assert not [f for f in report.findings if f.code == "PL001"]
    assert len({(e.ref.file, e.ref.path) for e in report.evaluations}) >= 15
