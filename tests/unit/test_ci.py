"""The CI loaders: jobs, their order, gates, deploy commands and roles, and which jobs a run runs."""

from __future__ import annotations

import pytest

from checker.analysis.core import Analysis
from checker.load import load_workspace
from checker.loaders.ci.conditions import GITHUB_FUNCTIONS, UNKNOWN, decide
from checker.model import Category, Unknown, ci
from checker.model.commands import commands, parse_deploy


def load(tmp_path, name: str, text: str):
    (tmp_path / name).write_text(text, encoding="utf-8")
    workspace = load_workspace([str(tmp_path / name)])
    assert not workspace.has_errors, [str(p) for p in workspace.problems]
    return workspace


def stages(pipeline) -> dict[str, tuple]:
    return {str(s.name): s.needs for s in pipeline.stages}


@pytest.mark.parametrize(("command", "provider", "configuration"), [
    ("sam deploy --stack-name app-prod --template-file out.yaml --disable-rollback", "CloudFormation",
     {"ActionMode": "CREATE_UPDATE", "StackName": "app-prod", "TemplatePath": "out.yaml", "DisableRollback": "true"}),
    ("sam deploy --stack-name s --no-execute-changeset", "CloudFormation",
     {"ActionMode": "CHANGE_SET_REPLACE", "StackName": "s", "TemplatePath": "template.yaml"}),
    ("aws cloudformation execute-change-set --stack-name s --change-set-name c", "CloudFormation",
     {"ActionMode": "CHANGE_SET_EXECUTE", "StackName": "s", "ChangeSetName": "c"}),
    ("aws deploy create-deployment --application-name web --deployment-group-name web-prod --s3-location x",
     "CodeDeploy", {"ApplicationName": "web", "DeploymentGroupName": "web-prod"}),
    ("AWS_PAGER= aws ecs update-service --cluster main --service web --force-new-deployment", "ECS",
     {"ClusterName": "main", "ServiceName": "web"}),
    ("aws s3 sync dist/ s3://www.example.com/site --delete", "S3", {"BucketName": "www.example.com"}),
    ("cdk deploy AppStack --require-approval never --no-rollback", "CloudFormation",
     {"ActionMode": "CREATE_UPDATE", "StackName": "AppStack", "DisableRollback": "true"}),
    ("terraform apply -auto-approve", ci.TERRAFORM_APPLY, {"Command": "terraform apply"}),
    ("eb deploy web-prod", "ElasticBeanstalk", {"EnvironmentName": "web-prod"}),
])  # fmt: skip
def test_deploy_commands_in_the_words_of_codepipeline(command, provider, configuration):
    (words,) = commands(command)
    found = parse_deploy(words)
    assert (found.provider, found.configuration) == (provider, configuration)


@pytest.mark.parametrize("command", ["sam build", "aws s3 cp report.html ./", "npm test", "aws sts get-caller-identity"])
def test_other_commands_do_not_deploy(command):
    assert all(parse_deploy(words) is None for words in commands(command))


def test_scripts_are_split_as_a_shell_splits_them():
    script = "set -e\nsam build && \\\n  sam deploy --stack-name 'my stack' # deploy\necho done | tee log"
    assert commands(script) == [["set", "-e"], ["sam", "build"], ["sam", "deploy", "--stack-name", "my stack"],
                                ["echo", "done"], ["tee", "log"]]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), [
    ("github.ref == 'refs/heads/main'", True),
    ("${{ github.event_name == 'push' && !startsWith(github.ref, 'refs/tags/') }}", True),
    ("startsWith(github.ref, 'refs/heads/feature')", False),
    ("github.event_name == 'pull_request' || github.ref == 'refs/heads/main'", True),
    ("inputs.deploy == 'true'", None),
    ("always()", True),
    ("contains(github.event.head_commit.message, '[skip]')", None),
])  # fmt: skip
def test_github_conditions_for_a_push_to_main(text, expected):
    known = {"github.ref": "refs/heads/main", "github.event_name": "push"}
    assert decide(text, lambda name: known.get(name, UNKNOWN), GITHUB_FUNCTIONS) is expected


WORKFLOW = """\
on:
  push:
    branches: [main]
env:
  STACK: app
jobs:
  build:
    steps:
      - run: sam build
  feature:
    if: startsWith(github.ref, 'refs/heads/feature')
    needs: build
    steps:
      - run: sam deploy --stack-name ${STACK}-feature
  after-feature:
    needs: feature
    steps:
      - run: echo never
  deploy:
    needs: build
    environment:
      name: ${{ matrix.env }}
    strategy:
      matrix:
        env: [staging, prod]
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::${{ vars.ACCOUNT }}:role/deploy
          aws-region: eu-west-1
      - run: sam deploy --stack-name ${{ env.STACK }}-${{ matrix.env }}
"""


def test_github_jobs_conditions_matrices_and_roles(tmp_path):
    (pipeline,) = load(tmp_path, "wf.yml", WORKFLOW).pipelines
    # the feature job cannot run on a push to main, nor can the job that needs it
    assert stages(pipeline) == {"build": (), "deploy (staging)": ("build",), "deploy (prod)": ("build",)}
    prod = pipeline.stages[2]
    gate, deploy = prod.actions
    assert (gate.category, gate.provider, gate.environment) == (Category.APPROVAL, ci.GITHUB_ENVIRONMENT, "prod")
    assert (deploy.provider, deploy.configuration["StackName"], deploy.region) == ("CloudFormation", "app-prod", "eu-west-1")
    assert isinstance(deploy.role_arn, Unknown) and deploy.role_arn.text == "arn:aws:iam::${vars.ACCOUNT}:role/deploy"
    assert deploy.role_arn.reason == "${vars.ACCOUNT} is a variable set in the repository's settings"
    facts = {f.action.name: f for f in Analysis(load_workspace([str(tmp_path)])).actions(pipeline)}
    staging, prod_deploy = [f for f in Analysis(load_workspace([str(tmp_path)])).actions(pipeline) if f.is_deploy]
    assert staging.runs_before(prod_deploy) is False and prod_deploy.runs_before(staging) is False  # side by side
    assert facts["environment prod"].maybe_approval


GITLAB = """\
stages: [build, deploy, approve, release]
variables:
  AWS_ROLE_ARN: arn:aws:iam::222222222222:role/deploy
.deploy:
  image: sam
  before_script:
    - aws sts get-caller-identity
build:
  stage: build
  script: [sam build]
  artifacts:
    paths: [.aws-sam]
deploy-staging:
  extends: .deploy
  stage: deploy
  environment: staging
  script:
    - sam deploy --stack-name app-staging
review:
  stage: deploy
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script: [sam deploy --stack-name app-review]
approve:
  stage: approve
  when: manual
  script: [echo ok]
deploy-prod:
  stage: release
  variables:
    AWS_ROLE_ARN: arn:aws:iam::333333333333:role/deploy
  script:
    - . ./assume-role.sh arn:aws:iam::444444444444:role/other
    - sam deploy --stack-name app-prod
release-notes:
  stage: release
  needs: []
  only: [tags]
  script: [echo notes]
"""


def test_gitlab_stages_needs_manual_jobs_and_roles(tmp_path):
    workspace = load(tmp_path, "ci.yml", GITLAB)
    branch, tag, merge_request = workspace.pipelines
    assert [p.scenario.describe() for p in workspace.pipelines] == [
        "run in (push to main, push to another branch)", "run=tag push", "run=merge request"]
    # review runs for merge requests only; approve is manual and may fail, so the release stage does not wait for it
    assert stages(branch) == {"build": (), "deploy-staging": ("build",), "approve": ("build", "deploy-staging"),
                              "deploy-prod": ("build", "deploy-staging")}  # fmt: skip
    assert stages(tag) == {**stages(branch), "release-notes": ()}
    assert stages(merge_request) == {"review": ()}  # jobs without rules or only run for branches and tags
    staging = branch.stages[1]
    assert [str(a.name) for a in staging.actions] == ["environment staging", "aws sts get-caller-identity", "sam deploy"]
    prod_deploy = branch.stages[3].actions[-1]
    assert prod_deploy.role_arn == "arn:aws:iam::444444444444:role/other"  # the script's role wins over the variable
    assert prod_deploy.input_artifacts == ("build artifacts",)  # from every earlier stage's jobs
    (gate,) = branch.stages[2].actions[:1]
    assert (gate.name, gate.provider) == ("when: manual", ci.GITLAB_MANUAL_JOB)


def test_a_manual_rule_blocks_and_workflow_rules_can_drop_a_run(tmp_path):
    text = """\
workflow:
  rules:
    - if: $CI_COMMIT_TAG
      when: never
    - when: always
stages: [approve, release]
approve:
  stage: approve
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      when: manual
  script: [echo ok]
deploy-prod:
  stage: release
  only: [tags, main]
  script: [sam deploy --stack-name app-prod]
"""
    # tag pipelines are never created; pushes to other branches run neither job
    (pipeline,) = load(tmp_path, "ci.yml", text).pipelines
    assert pipeline.scenario.is_unconditional and stages(pipeline) == {"approve": (), "deploy-prod": ("approve",)}


def test_a_tag_only_prod_deploy_is_its_own_run_not_left_out(tmp_path):
    text = """\
on:
  push:
    branches: [main]
    tags: ['v*']
jobs:
  deploy-staging:
    if: github.ref == 'refs/heads/main'
    steps:
      - run: sam deploy --stack-name app-staging
  deploy-prod:
    if: startsWith(github.ref, 'refs/tags/v')
    steps:
      - run: sam deploy --stack-name app-prod
"""
    main, tags = load(tmp_path, "wf.yml", text).pipelines
    assert (main.scenario.describe(), list(stages(main))) == ("run=push to main", ["deploy-staging"])
    assert (tags.scenario.describe(), list(stages(tags))) == ("run=tag push", ["deploy-prod"])


@pytest.mark.parametrize(("command", "provider", "key", "value"), [
    ("aws --region us-east-1 cloudformation deploy --stack-name api-prod --template-file t.yaml", "CloudFormation",
     "StackName", "api-prod"),
    ("terraform -chdir=envs/prod apply -auto-approve", ci.TERRAFORM_APPLY, "Directory", "envs/prod"),
    ("npx serverless deploy --stage prod", ci.SHELL_DEPLOY, "Stage", "prod"),
    ("npx --yes cdk deploy Api --method=prepare-change-set", "CloudFormation", "ActionMode", "CHANGE_SET_REPLACE"),
    ("yarn cdk deploy Api", "CloudFormation", "StackName", "Api"),
    ("poetry run sam deploy --stack-name s", "CloudFormation", "StackName", "s"),
    ("sam deploy --config-env prod", "CloudFormation", "Stage", "prod"),
    ("./node_modules/.bin/cdk deploy Api", "CloudFormation", "StackName", "Api"),
])  # fmt: skip
def test_runners_and_global_options_do_not_hide_a_deploy(command, provider, key, value):
    (words,) = commands(command)
    found = parse_deploy(words)
    assert (found.provider, found.configuration[key]) == (provider, value)
    assert found.region in (None, "us-east-1")


def test_gitlab_reference_tags_are_resolved(tmp_path):
    text = """\
.setup:
  script:
    - aws sts assume-role --role-arn arn:aws:iam::333333333333:role/deploy
deploy-prod:
  script:
    - !reference [.setup, script]
    - sam deploy --stack-name app-prod
"""
    (pipeline,) = load(tmp_path, "ci.yml", text).pipelines
    (deploy,) = pipeline.stages[0].actions
    assert (deploy.name, deploy.role_arn) == ("sam deploy", "arn:aws:iam::333333333333:role/deploy")


def test_a_local_action_named_for_deploying_may_deploy(tmp_path):
    text = """\
on: push
jobs:
  prod:
    steps:
      - uses: actions/checkout@v4
      - uses: ./.github/actions/deploy
        with: {stage: prod}
"""
    workspace = load(tmp_path, "wf.yml", text)
    (facts,) = Analysis(workspace).actions(workspace.pipelines[0])
    assert facts.is_deploy and facts.verdict.confidence.value == "medium"
    assert "named 'deploy'" in facts.verdict.reason


def test_github_matrix_exclude_and_include_follow_githubs_rules():
    from checker.loaders.ci.jobs import combinations

    axes = {"env": ["staging", "prod"], "region": ["eu-west-1", "us-east-1"]}
    combos, total = combinations(axes, include=[{"env": "prod", "approver": "sre"}, {"env": "dev", "region": "x"}],
                                 exclude=[{"env": "staging", "region": "us-east-1"}])  # fmt: skip
    assert combos == [{"env": "staging", "region": "eu-west-1"},
                      {"env": "prod", "region": "eu-west-1", "approver": "sre"},
                      {"env": "prod", "region": "us-east-1", "approver": "sre"},
                      {"env": "dev", "region": "x"}]  # fmt: skip
    assert total == 4  # four of the product, one excluded, one more from include


def test_a_huge_matrix_is_read_in_part_with_a_warning_and_without_building_it(tmp_path):
    axes = "\n".join(f"        a{n}: [{', '.join(str(v) for v in range(10))}]" for n in range(10))
    text = f"on: push\njobs:\n  deploy:\n    strategy:\n      matrix:\n{axes}\n    steps:\n      - run: echo hi\n"
    (tmp_path / "wf.yml").write_text(text, encoding="utf-8")
    workspace = load_workspace([str(tmp_path / "wf.yml")])
    (pipeline,) = workspace.pipelines
    assert len(pipeline.stages) == 32
    assert [(p.line, p.severity.value, p.message) for p in workspace.problems] == [
        (5, "warning", "job 'deploy' has 10000000000 matrix combinations; pipelint reads 32 of them")]


GITLAB_MATRIX = """\
stages: [deploy, verify]
deploy:
  stage: deploy
  parallel:
    matrix:
      - ENVIRONMENT: [staging, production]
        REGION: eu-west-1
  environment: $ENVIRONMENT
  rules:
    - if: $ENVIRONMENT == "production"
      when: manual
      allow_failure: false
    - when: on_success
  script:
    - sam deploy --stack-name app-$ENVIRONMENT --region $REGION
verify:
  stage: verify
  needs: [deploy]
  script: [./smoke-test.sh]
"""


def test_gitlab_parallel_matrix_jobs_are_one_stage_each_with_their_variables(tmp_path):
    (pipeline,) = load(tmp_path, ".gitlab-ci.yml", GITLAB_MATRIX).pipelines
    assert stages(pipeline) == {"deploy: [staging, eu-west-1]": (), "deploy: [production, eu-west-1]": (),
                                "verify": ("deploy: [staging, eu-west-1]", "deploy: [production, eu-west-1]")}  # fmt: skip
    staging, production = pipeline.stages[:2]
    assert [a.provider for a in staging.actions] == [ci.GITLAB_ENVIRONMENT, "CloudFormation"]
    # the rule decided per leg: only production waits for someone
    assert [a.provider for a in production.actions] == [ci.GITLAB_MANUAL_JOB, ci.GITLAB_ENVIRONMENT, "CloudFormation"]
    deploy = production.actions[2]
    assert (deploy.environment, deploy.configuration["StackName"], deploy.region) == ("production", "app-production", "eu-west-1")
