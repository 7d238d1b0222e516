"""Real Terraform, GitHub Actions and GitLab CI files from ../shared/corpus: the verdicts their MANIFEST notes
describe. A module whose stages come from a variable is unknown, not passed; a prod job without an approval
gate fails PL101; what the files leave to the repository's settings or to another file is unknown, with why."""

from __future__ import annotations

import shutil

import pytest

from checker.analysis.environment import EnvironmentMap
from checker.engine.run import lint
from checker.load import load_workspace
from checker.model import CodeDeployGroup, Outcome, Unknown
from checker.policy.model import Policy
from tests.conftest import CORPUS

pytestmark = pytest.mark.corpus

TF = "terraform/"
CHECKOV_DYNAMIC = TF + "bridgecrewio__checkov__tests__terraform__graph__variable_rendering__test_resources__dynamic_nested_with_lookup_foreach__"
SAM_GHA = "gha/aws__aws-sam-cli-pipeline-init-templates__tests__testfile_github__"


def isolated(folder, *files: str) -> list[str]:
    """The corpus keeps files of many repositories in one folder; Terraform reads a folder's .tf files as one
    module, so each case gets a folder of its own with just its files, as in its repository."""
    if not any(f.endswith((".tf", ".tfvars")) for f in files):
        return [str(CORPUS / f) for f in files]
    folder.mkdir(parents=True, exist_ok=True)
    for name in files:
        short = name.rsplit("__", 1)[-1]  # main.tf, examplea.auto.tfvars: the file's own name
        shutil.copyfile(CORPUS / name, folder / short)
    return [str(folder)]


def verdicts(*files: str, policy: Policy | None = None, folder=None) -> dict[str, list]:
    report = lint(load_workspace(isolated(folder, *files) if folder else [str(CORPUS / f) for f in files]), policy or Policy())
    found: dict[str, list] = {}
    for evaluation in report.evaluations:
        found.setdefault(evaluation.code, []).append(evaluation)
    return found


def said(evaluations: list) -> str:
    return " ".join(e.reason + " ".join(f.message for f in e.findings) for e in evaluations)


# (files, rule, outcome, a fragment of the reason or finding): from the MANIFEST notes
CASES = [
    # Terraform: stages from variables without a value are unknown, never passed
    ((TF + "JamesWoolfenden__terraform-aws-codepipeline__aws_pipeline.pipe.tf",), "PL101", Outcome.UNKNOWN,
     "the stage blocks come from [for s in var.stages"),
    ((TF + "aws-samples__aws-codepipeline-terraform-cicd-samples__modules__codepipeline__main.tf",), "PL101",
     Outcome.UNKNOWN, "the stage blocks come from var.stages: var.stages is not declared in the scanned files"),
    ((TF + "aws-samples__terraform-aws-multi-account-pipeline__codepipeline.tf",), "PL104", Outcome.UNKNOWN,
     "the action blocks come from"),
    ((TF + "byu-oit__terraform-aws-codepipeline__main.tf",), "PL301", Outcome.UNKNOWN,
     "the stage blocks come from local.has_deploy_stage ? [1] : []"),
    ((CHECKOV_DYNAMIC + "main.tf",), "PL101", Outcome.UNKNOWN, "var.stages is not declared"),
    # with its auto.tfvars, the same module's stages are known: a deploy whose environment no name says
    ((CHECKOV_DYNAMIC + "main.tf", CHECKOV_DYNAMIC + "examplea.auto.tfvars"), "PL101", Outcome.UNKNOWN,
     "action 'Deploy' in stage 'Deploy' may: no name, account or parameter says which environment this is"),
    ((TF + "bridgecrewio__checkov__tests__terraform__checks__resource__aws__example_CodePipelineArtifactsEncrypted__main.tf",),
     "PL101", Outcome.UNKNOWN, "action 'Deploy' in stage 'Deploy' may"),
    # GitHub Actions: the environment gate is only commented out, so prod is not gated
    ((SAM_GHA + "expected_oidc.yaml",), "PL101", Outcome.FAILED, "'Deploy to production account' in stage 'deploy-prod'"),
    ((SAM_GHA + "expected_oidc.yaml",), "PL104", Outcome.PASSED, "deploys to test"),
    ((SAM_GHA + "expected_iam.yaml",), "PL101", Outcome.FAILED, "stage 'deploy-prod'"),
    # environment: PROD gates the job only if the repository requires reviewers, which the file cannot say
    (("gha/aws-samples__github-actions-for-cdk__.github__workflows__cdk-workflow.yaml",), "PL101", Outcome.UNKNOWN,
     "protected_environments: [PROD]"),
    (("gha/aws-samples__github-actions-for-cdk__.github__workflows__cdk-workflow.yaml",), "PL104", Outcome.FAILED,
     "CI environment 'PROD' says prod"),
    # deploy logic in reusable workflows: a job that calls one may deploy
    (("gha/Klassikcat__Github-Actions-AWS-Deploy-Template__.github__workflows__example-workflow.yaml",), "PL101",
     Outcome.UNKNOWN, "the job runs the workflow Klassikcat/Github-Actions-AWS-Deploy-Template/.github/workflows/"
     "build.yaml@main, which is named by repository and version (owner/repo/path@ref); pipelint does not fetch "
     "workflows; it may deploy"),
    (("gha/Klassikcat__Github-Actions-AWS-Deploy-Template__.github__workflows__deploy.yaml",), "PL101", Outcome.UNKNOWN,
     "'Deploy Server without CodeDeploy' in stage 'invoke_deployment'"),
    # GitLab: `when: manual` on prod is commented out
    (("gitlab/aws__aws-sam-cli-pipeline-init-templates__tests__testfile_gitlab__expected.yml",), "PL101", Outcome.FAILED,
     "'sam deploy' in stage 'deploy-prod'"),
    # staging and production are downstream pipelines of another project
    (("gitlab/DSD-DBS__capella-collab-manager__.gitlab-ci.yml",), "PL101", Outcome.UNKNOWN,
     "runs a pipeline of project $DEPLOYMENT_GITLAB_REPOSITORY"),
    # environment: ${TARGET}, set when the pipeline is triggered: staging or production, the file cannot say
    (("gitlab/DSD-DBS__capella-collab-manager__ci-templates__gitlab__k8s-deploy.yml",), "PL101", Outcome.UNKNOWN,
     "'helm upgrade' in stage 'deploy'"),
]


@pytest.mark.parametrize(("files", "code", "outcome", "says"), CASES,
                         ids=[f"{c}-{f[-1].split('/')[-1][:50]}" for f, c, _, _ in CASES])  # fmt: skip
def test_corpus_verdicts(corpus, tmp_path, files, code, outcome, says):
    found = verdicts(*files, folder=tmp_path / "module")[code]
    assert {e.outcome for e in found} == {outcome}, [(e.outcome, e.reason) for e in found]
    assert says in said(found), said(found)


def test_the_cdk_workflow_passes_pl101_once_the_policy_declares_prod_protected(corpus):
    policy = Policy(environments=EnvironmentMap(protected=("prod",)))  # GitHub compares environment names without case
    found = verdicts("gha/aws-samples__github-actions-for-cdk__.github__workflows__cdk-workflow.yaml", policy=policy)
    assert {e.outcome for e in found["PL101"]} == {Outcome.PASSED}
    assert {e.outcome for e in found["PL102"]} == {Outcome.PASSED}  # GitHub notifies required reviewers


def test_the_production_deploy_runs_only_for_tags_and_findings_say_so(corpus):
    workspace = load_workspace([str(CORPUS / "gitlab/DSD-DBS__capella-collab-manager__.gitlab-ci.yml")])
    runs = {p.scenario.describe(): [(str(s.name), str(s.actions[0].name)) for s in p.stages] for p in workspace.pipelines}
    # on main staging deploys by itself; on another branch someone must start it; tags also release to production
    assert runs == {"run=push to main": [("staging", "staging")],
                    "run=push to another branch": [("staging", "when: manual")],
                    "run=tag push": [("staging", "when: manual"), ("production", "production")]}  # fmt: skip


def test_the_dynamic_stages_of_the_checkov_module_are_read_from_its_tfvars(corpus, tmp_path):
    workspace = load_workspace(isolated(tmp_path, CHECKOV_DYNAMIC + "main.tf", CHECKOV_DYNAMIC + "examplea.auto.tfvars"))
    (pipeline,) = workspace.pipelines
    assert pipeline.name == "cron-poll"
    assert [(s.name, [str(a.provider) for a in s.actions]) for s in pipeline.stages] == [
        ("Source", ["CodeCommit"]), ("Build", ["CodeBuild"]), ("Deploy", ["ECS"])]
    deploy = pipeline.stages[2].actions[0]
    assert workspace.locate(deploy.source).line == 25  # the content of the dynamic "action" block in main.tf
    assert workspace.locate(deploy.source).file.endswith("main.tf")


def test_the_deployment_groups_keep_what_their_variables_leave_open(corpus, tmp_path):
    (group,) = load_workspace(isolated(tmp_path / "a", TF + "nbekenov__ecs-codedeploy-blue-green__main.tf")).targets
    assert isinstance(group, CodeDeployGroup)
    assert (group.deployment_type, group.deployment_ready_action, group.auto_rollback_events) == (
        "BLUE_GREEN", "CONTINUE_DEPLOYMENT", ("DEPLOYMENT_FAILURE",))
    assert isinstance(group.deployment_config_name, Unknown) and "var.deployment_config_name" in group.deployment_config_name.reason
    groups = [t for t in load_workspace(isolated(tmp_path / "b", TF + "cloudposse__terraform-aws-code-deploy__main.tf")).targets
              if isinstance(t, CodeDeployGroup)]  # fmt: skip
    (cloudposse,) = groups
    # auto_rollback_configuration is a dynamic block on a flag of the caller's: whether it rolls back is unknown
    assert isinstance(cloudposse.auto_rollback_enabled, Unknown)
    assert "auto_rollback_configuration blocks come from" in cloudposse.auto_rollback_enabled.reason


def test_the_two_checkov_pipelines_differ_only_in_the_encryption_key(corpus, tmp_path):
    workspace = load_workspace(isolated(tmp_path, TF + "bridgecrewio__checkov__tests__terraform__checks__resource__aws__example_CodePipelineArtifactsEncrypted__main.tf"))
    keys = [p.artifact_stores[0].encryption_key for p in workspace.pipelines]
    assert keys[0] is not None and "data.aws_kms_alias.s3kmskey" in keys[0].id.reason and keys[1] is None
    assert workspace.pipelines[0].stages == workspace.pipelines[1].stages
