# Scenario 05-v2-rollback-and-conditions, as Terraform: the same V2 pipeline as ../codepipeline.json.
#
# QUEUED executions, a ChangeTicket variable, a push trigger on main, CloudFormation deploys to dev, staging
# and prod (each in its own account), tests after staging, an approval before prod. The prod stage rolls back
# on failure, rolls back when its alarm fires within 15 minutes of the deploy, and may start only Monday to
# Thursday, 09:00-16:59 UTC.

provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["999999999999"]
}

locals {
  accounts = { dev = "111111111111", staging = "222222222222", prod = "333333333333" }
  # The stack's service role and the role the action assumes, both in the target account.
  stack = {
    for env, account in local.accounts : env => {
      role_arn = "arn:aws:iam::${account}:role/pipelint-deploy"
      configuration = {
        ActionMode         = "CREATE_UPDATE"
        StackName          = "webapp-${env}"
        TemplatePath       = "BuildOutput::webapp-stack.yaml"
        Capabilities       = "CAPABILITY_NAMED_IAM"
        RoleArn            = "arn:aws:iam::${account}:role/pipelint-cfn-exec"
        ParameterOverrides = "{\"Environment\": \"${env}\", \"ImageTag\": \"#{BuildVariables.IMAGE_TAG}\"}"
      }
    }
  }
}

resource "aws_codepipeline" "webapp" {
  name           = "webapp-v2-rollback"
  role_arn       = "arn:aws:iam::999999999999:role/webapp-v2-rollback-pipeline-role"
  pipeline_type  = "V2"
  execution_mode = "QUEUED"

  artifact_store {
    type     = "S3"
    location = "platform-pipeline-artifacts-999999999999-us-east-1"
    encryption_key {
      id   = "arn:aws:kms:us-east-1:999999999999:key/4f1c2b7e-8a3d-4c59-9e62-0b7d5a1f3c84"
      type = "KMS"
    }
  }

  variable {
    name          = "ChangeTicket"
    default_value = "none"
    description   = "Change ticket shown to the prod approver"
  }

  trigger {
    provider_type = "CodeStarSourceConnection"
    git_configuration {
      source_action_name = "Source"
      push {
        branches {
          includes = ["main"]
        }
      }
    }
  }

  stage {
    name = "Source"
    action {
      name             = "Source"
      category         = "Source"
      owner            = "AWS"
      provider         = "CodeStarSourceConnection"
      version          = "1"
      run_order        = 1
      output_artifacts = ["SourceOutput"]
      namespace        = "SourceVariables"
      configuration = {
        ConnectionArn        = "arn:aws:codeconnections:us-east-1:999999999999:connection/8d2e6f1a-3b7c-4e5d-a9f0-6c1b2d3e4f5a"
        FullRepositoryId     = "example-org/webapp"
        BranchName           = "main"
        OutputArtifactFormat = "CODE_ZIP"
      }
    }
  }

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
      provider        = "CloudFormation"
      version         = "1"
      run_order       = 1
      input_artifacts = ["BuildOutput"]
      role_arn        = local.stack.dev.role_arn
      region          = "us-east-1"
      namespace       = "DevStack"
      configuration   = local.stack.dev.configuration
    }
  }

  stage {
    name = "DeployStaging"
    action {
      name            = "Deploy"
      category        = "Deploy"
      owner           = "AWS"
      provider        = "CloudFormation"
      version         = "1"
      run_order       = 1
      input_artifacts = ["BuildOutput"]
      role_arn        = local.stack.staging.role_arn
      region          = "us-east-1"
      namespace       = "StagingStack"
      configuration   = local.stack.staging.configuration
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
        EnvironmentVariables = "[{\"name\":\"TARGET_ENV\",\"value\":\"staging\",\"type\":\"PLAINTEXT\"},{\"name\":\"BASE_URL\",\"value\":\"#{StagingStack.ServiceUrl}\",\"type\":\"PLAINTEXT\"}]"
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
        NotificationArn = "arn:aws:sns:us-east-1:999999999999:webapp-prod-approvals"
        CustomData      = "Change #{variables.ChangeTicket}: staging tests passed for commit #{SourceVariables.CommitId}. Approve to release to prod."
      }
    }
  }

  stage {
    name = "DeployProd"
    action {
      name            = "Deploy"
      category        = "Deploy"
      owner           = "AWS"
      provider        = "CloudFormation"
      version         = "1"
      run_order       = 1
      input_artifacts = ["BuildOutput"]
      role_arn        = local.stack.prod.role_arn
      region          = "us-east-1"
      namespace       = "ProdStack"
      configuration   = local.stack.prod.configuration
    }

    on_failure {
      result = "ROLLBACK"
    }

    on_success {
      condition {
        result = "ROLLBACK"
        rule {
          name          = "ProdAlarmsStayQuiet"
          region        = "us-east-1"
          configuration = { AlarmName = "webapp-prod-5xx", WaitTime = 15 }
          rule_type_id {
            category = "Rule"
            owner    = "AWS"
            provider = "CloudWatchAlarm"
            version  = "1"
          }
        }
      }
    }

    before_entry {
      condition {
        result = "FAIL"
        rule {
          name          = "BusinessHoursOnly"
          region        = "us-east-1"
          configuration = { Cron = "* * 9-16 ? * MON-THU *", TimeZone = "UTC" }
          rule_type_id {
            category = "Rule"
            owner    = "AWS"
            provider = "DeploymentWindow"
            version  = "1"
          }
        }
      }
    }
  }
}
