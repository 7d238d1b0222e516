# Scenario 01-compliant-three-accounts, as Terraform: the same pipeline as ../codepipeline.json.
#
# Applied in the tools account (999999999999). Build once, promote BuildOutput dev -> staging -> prod,
# each environment in its own account, integration tests after staging, a manual approval in its own
# stage before prod. The CodeDeploy applications and groups are in targets.tf.

terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}

provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = [local.accounts.tools]
}

variable "artifact_bucket" {
  type    = string
  default = "platform-pipeline-artifacts-999999999999-us-east-1"
}

# A key ARN, not an alias: the deploy roles in the other accounts must be able to decrypt.
variable "artifact_key_arn" {
  type    = string
  default = "arn:aws:kms:us-east-1:999999999999:key/4f1c2b7e-8a3d-4c59-9e62-0b7d5a1f3c84"
}

# The topic is shared by the team's pipelines and lives in the platform stack.
variable "approval_topic_arn" {
  type    = string
  default = "arn:aws:sns:us-east-1:999999999999:webapp-prod-approvals"
}

locals {
  accounts = {
    tools   = "999999999999"
    dev     = "111111111111"
    staging = "222222222222"
    prod    = "333333333333"
  }
  # What every environment's deploy action is given: the same BuildOutput, its own group and task definition.
  deploy = {
    for env in ["dev", "staging", "prod"] : env => {
      role_arn = "arn:aws:iam::${local.accounts[env]}:role/pipelint-deploy"
      configuration = {
        ApplicationName                = "webapp"
        DeploymentGroupName            = "webapp-${env}"
        TaskDefinitionTemplateArtifact = "BuildOutput"
        TaskDefinitionTemplatePath     = "taskdef-${env}.json"
        AppSpecTemplateArtifact        = "BuildOutput"
        AppSpecTemplatePath            = "appspec.yaml"
        Image1ArtifactName             = "BuildOutput"
        Image1ContainerName            = "IMAGE1_NAME"
      }
    }
  }
}

resource "aws_iam_role" "pipeline" {
  name = "webapp-compliant-pipeline-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "codepipeline.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_codepipeline" "webapp" {
  name           = "webapp-compliant"
  role_arn       = aws_iam_role.pipeline.arn
  pipeline_type  = "V1"
  execution_mode = "SUPERSEDED"

  artifact_store {
    type     = "S3"
    location = var.artifact_bucket
    encryption_key {
      id   = var.artifact_key_arn
      type = "KMS"
    }
  }

  stage {
    name = "Source"
    action {
      name             = "Source"
      category         = "Source"
      owner            = "AWS"
      provider         = "CodeCommit"
      version          = "1"
      run_order        = 1
      output_artifacts = ["SourceOutput"]
      namespace        = "SourceVariables"
      configuration = {
        RepositoryName       = "webapp"
        BranchName           = "main"
        PollForSourceChanges = false # an EventBridge rule starts the pipeline
        OutputArtifactFormat = "CODE_ZIP"
      }
    }
  }

  # Build once: the image, taskdef-*.json and appspec.yaml all go into BuildOutput.
  stage {
    name = "Build"
    action {
      name             = "Build"
      category         = "Build"
      owner            = "AWS"
      provider         = "CodeBuild"
      version          = "1"
      run_order        = 1
      input_artifacts  = ["SourceOutput"]
      output_artifacts = ["BuildOutput"]
      namespace        = "BuildVariables"
      configuration    = { ProjectName = "webapp-build" }
    }
  }

  stage {
    name = "DeployDev"
    action {
      name            = "Deploy"
      category        = "Deploy"
      owner           = "AWS"
      provider        = "CodeDeployToECS"
      version         = "1"
      run_order       = 1
      input_artifacts = ["BuildOutput"]
      role_arn        = local.deploy.dev.role_arn
      region          = "us-east-1"
      configuration   = local.deploy.dev.configuration
    }
  }

  stage {
    name = "DeployStaging"
    action {
      name            = "Deploy"
      category        = "Deploy"
      owner           = "AWS"
      provider        = "CodeDeployToECS"
      version         = "1"
      run_order       = 1
      input_artifacts = ["BuildOutput"]
      role_arn        = local.deploy.staging.role_arn
      region          = "us-east-1"
      configuration   = local.deploy.staging.configuration
    }
    action {
      name            = "IntegrationTests"
      category        = "Test"
      owner           = "AWS"
      provider        = "CodeBuild"
      version         = "1"
      run_order       = 2
      input_artifacts = ["SourceOutput", "BuildOutput"]
      configuration = {
        ProjectName          = "webapp-integration-tests"
        PrimarySource        = "SourceOutput"
        EnvironmentVariables = jsonencode([{ name = "TARGET_ENV", type = "PLAINTEXT", value = "staging" }])
      }
    }
  }

  stage {
    name = "ApproveProd"
    action {
      name      = "ManualApproval"
      category  = "Approval"
      owner     = "AWS"
      provider  = "Manual"
      version   = "1"
      run_order = 1
      configuration = {
        NotificationArn = var.approval_topic_arn
        CustomData      = "Staging blue/green deploy and integration tests passed for commit #{SourceVariables.CommitId}. Approve to release to prod."
      }
    }
  }

  stage {
    name = "DeployProd"
    action {
      name            = "Deploy"
      category        = "Deploy"
      owner           = "AWS"
      provider        = "CodeDeployToECS"
      version         = "1"
      run_order       = 1
      input_artifacts = ["BuildOutput"]
      role_arn        = local.deploy.prod.role_arn
      region          = "us-east-1"
      configuration   = local.deploy.prod.configuration
    }
  }
}
