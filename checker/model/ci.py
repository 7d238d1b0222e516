"""The words CI loaders (GitHub Actions, GitLab CI) and the analysis share for what a CI system does.

A CI workflow becomes the same model as a CodePipeline pipeline: each job is a stage that waits for the jobs it
`needs`, and its steps that matter are actions. Where a CI step does what a CodePipeline provider does (`sam
deploy` is a CloudFormation deploy, `aws deploy create-deployment` a CodeDeploy one), the action takes that
provider, so the analysis and the rules treat both alike. What has no CodePipeline equivalent has a provider
named here.
"""

from __future__ import annotations

# Approval gates.
GITHUB_ENVIRONMENT = "GitHubEnvironment"  # a job's `environment:`: reviewers, if any, are set in the repository
GITLAB_ENVIRONMENT = "GitLabEnvironment"  # a job's `environment:`: approvals, if any, are set in the project
GITLAB_MANUAL_JOB = "GitLabManualJob"  # `when: manual`: the job waits until someone starts it
GITHUB_MANUAL_APPROVAL = "GitHubManualApproval"  # a step that waits for approvers (trstringer/manual-approval, ...)

# Gates whose reviewers live in the CI system's settings, not in the file: the policy says which are protected.
ENVIRONMENT_GATES = frozenset({GITHUB_ENVIRONMENT, GITLAB_ENVIRONMENT})

# Other actions.
CI_JOB = "CIJob"  # a job's own work (build, test) when no step of it deploys or approves
REUSABLE_WORKFLOW = "GitHubReusableWorkflow"  # a job that runs another workflow file (`jobs.<id>.uses`)
DOWNSTREAM_PIPELINE = "GitLabTrigger"  # a GitLab job that starts a pipeline of another project (`trigger:`)
TERRAFORM_APPLY = "TerraformApply"  # `terraform apply`: what it changes is in the configuration it applies
SHELL_DEPLOY = "ShellDeploy"  # a deploy command with no CodePipeline equivalent (kubectl, helm, serverless, ...)
