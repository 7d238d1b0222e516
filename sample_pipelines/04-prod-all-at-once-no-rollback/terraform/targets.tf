# The CodeDeploy targets of the webapp-all-at-once pipeline, as ../targets.yaml deployed once per account:
# webapp runs on EC2 instances behind an ALB and is updated in place.
#
# The prod group is the problem: every prod instance is updated at the same time, and nothing rolls back
# automatically when the deployment fails or the alarm fires.

provider "aws" {
  alias               = "dev"
  region              = "us-east-1"
  allowed_account_ids = [local.accounts.dev]
  assume_role { role_arn = "arn:aws:iam::${local.accounts.dev}:role/pipelint-deploy" }
}

provider "aws" {
  alias               = "staging"
  region              = "us-east-1"
  allowed_account_ids = [local.accounts.staging]
  assume_role { role_arn = "arn:aws:iam::${local.accounts.staging}:role/pipelint-deploy" }
}

provider "aws" {
  alias               = "prod"
  region              = "us-east-1"
  allowed_account_ids = [local.accounts.prod]
  assume_role { role_arn = "arn:aws:iam::${local.accounts.prod}:role/pipelint-deploy" }
}

locals {
  # "Prod releases must fit the 15-minute maintenance window", so prod goes all at once;
  # dev and staging go one instance at a time.
  deployment_config = {
    dev     = "CodeDeployDefault.OneAtATime"
    staging = "CodeDeployDefault.OneAtATime"
    prod    = "CodeDeployDefault.AllAtOnce"
  }
  # In prod the on-call engineer decides whether to roll back, so automatic rollback is off there.
  auto_rollback = { dev = true, staging = true, prod = false }
}

resource "aws_codedeploy_app" "dev" {
  provider         = aws.dev
  name             = "webapp"
  compute_platform = "Server"
}

resource "aws_codedeploy_app" "staging" {
  provider         = aws.staging
  name             = "webapp"
  compute_platform = "Server"
}

resource "aws_codedeploy_app" "prod" {
  provider         = aws.prod
  name             = "webapp"
  compute_platform = "Server"
}

resource "aws_codedeploy_deployment_group" "dev" {
  provider               = aws.dev
  app_name               = aws_codedeploy_app.dev.name
  deployment_group_name  = "webapp-dev"
  deployment_config_name = local.deployment_config.dev
  service_role_arn       = "arn:aws:iam::${local.accounts.dev}:role/webapp-codedeploy"

  deployment_style {
    deployment_type   = "IN_PLACE"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }
  ec2_tag_filter {
    key   = "CodeDeployGroup"
    type  = "KEY_AND_VALUE"
    value = "webapp-dev"
  }
  alarm_configuration {
    enabled = true
    alarms  = ["webapp-dev-5xx"]
  }
  dynamic "auto_rollback_configuration" {
    for_each = local.auto_rollback.dev ? [1] : []
    content {
      enabled = true
      events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
    }
  }
}

resource "aws_codedeploy_deployment_group" "staging" {
  provider               = aws.staging
  app_name               = aws_codedeploy_app.staging.name
  deployment_group_name  = "webapp-staging"
  deployment_config_name = local.deployment_config.staging
  service_role_arn       = "arn:aws:iam::${local.accounts.staging}:role/webapp-codedeploy"

  deployment_style {
    deployment_type   = "IN_PLACE"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }
  ec2_tag_filter {
    key   = "CodeDeployGroup"
    type  = "KEY_AND_VALUE"
    value = "webapp-staging"
  }
  alarm_configuration {
    enabled = true
    alarms  = ["webapp-staging-5xx"]
  }
  dynamic "auto_rollback_configuration" {
    for_each = local.auto_rollback.staging ? [1] : []
    content {
      enabled = true
      events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
    }
  }
}

resource "aws_codedeploy_deployment_group" "prod" {
  provider               = aws.prod
  app_name               = aws_codedeploy_app.prod.name
  deployment_group_name  = "webapp-prod"
  deployment_config_name = local.deployment_config.prod
  service_role_arn       = "arn:aws:iam::${local.accounts.prod}:role/webapp-codedeploy"

  deployment_style {
    deployment_type   = "IN_PLACE"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }
  ec2_tag_filter {
    key   = "CodeDeployGroup"
    type  = "KEY_AND_VALUE"
    value = "webapp-prod"
  }
  alarm_configuration {
    enabled = true
    alarms  = ["webapp-prod-5xx"]
  }
  dynamic "auto_rollback_configuration" {
    for_each = local.auto_rollback.prod ? [1] : []
    content {
      enabled = true
      events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
    }
  }
}
