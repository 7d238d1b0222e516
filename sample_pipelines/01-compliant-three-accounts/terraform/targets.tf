# The CodeDeploy targets of the webapp-compliant pipeline, one application and ECS blue/green deployment
# group per environment account (the same as ../targets.yaml deployed with Environment=dev|staging|prod).
# The ECS service (deployment controller CODE_DEPLOY), the load balancer and the webapp-<environment>-5xx
# alarm come from the service's own configuration in each account.

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
  # Canary in prod: 10 % of traffic for 5 minutes, watched by the alarm, then the rest.
  # Dev and staging switch at once to keep the feedback loop short.
  deployment_config = {
    dev     = "CodeDeployDefault.ECSAllAtOnce"
    staging = "CodeDeployDefault.ECSAllAtOnce"
    prod    = "CodeDeployDefault.ECSCanary10Percent5Minutes"
  }
}

resource "aws_codedeploy_app" "dev" {
  provider         = aws.dev
  name             = "webapp"
  compute_platform = "ECS"
}

resource "aws_codedeploy_app" "staging" {
  provider         = aws.staging
  name             = "webapp"
  compute_platform = "ECS"
}

resource "aws_codedeploy_app" "prod" {
  provider         = aws.prod
  name             = "webapp"
  compute_platform = "ECS"
}

resource "aws_codedeploy_deployment_group" "dev" {
  provider               = aws.dev
  app_name               = aws_codedeploy_app.dev.name
  deployment_group_name  = "webapp-dev"
  deployment_config_name = local.deployment_config.dev
  service_role_arn       = "arn:aws:iam::${local.accounts.dev}:role/webapp-codedeploy"

  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }
  blue_green_deployment_config {
    deployment_ready_option { action_on_timeout = "CONTINUE_DEPLOYMENT" }
    terminate_blue_instances_on_deployment_success {
      action                           = "TERMINATE"
      termination_wait_time_in_minutes = 60
    }
  }
  ecs_service {
    cluster_name = "webapp"
    service_name = "webapp"
  }
  alarm_configuration {
    enabled = true
    alarms  = ["webapp-dev-5xx"]
  }
  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }
}

resource "aws_codedeploy_deployment_group" "staging" {
  provider               = aws.staging
  app_name               = aws_codedeploy_app.staging.name
  deployment_group_name  = "webapp-staging"
  deployment_config_name = local.deployment_config.staging
  service_role_arn       = "arn:aws:iam::${local.accounts.staging}:role/webapp-codedeploy"

  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }
  blue_green_deployment_config {
    deployment_ready_option { action_on_timeout = "CONTINUE_DEPLOYMENT" }
    terminate_blue_instances_on_deployment_success {
      action                           = "TERMINATE"
      termination_wait_time_in_minutes = 60
    }
  }
  ecs_service {
    cluster_name = "webapp"
    service_name = "webapp"
  }
  alarm_configuration {
    enabled = true
    alarms  = ["webapp-staging-5xx"]
  }
  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }
}

resource "aws_codedeploy_deployment_group" "prod" {
  provider               = aws.prod
  app_name               = aws_codedeploy_app.prod.name
  deployment_group_name  = "webapp-prod"
  deployment_config_name = local.deployment_config.prod
  service_role_arn       = "arn:aws:iam::${local.accounts.prod}:role/webapp-codedeploy"

  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }
  # Keep the old task set for an hour so a rollback is a traffic switch, not a redeploy.
  blue_green_deployment_config {
    deployment_ready_option { action_on_timeout = "CONTINUE_DEPLOYMENT" }
    terminate_blue_instances_on_deployment_success {
      action                           = "TERMINATE"
      termination_wait_time_in_minutes = 60
    }
  }
  ecs_service {
    cluster_name = "webapp"
    service_name = "webapp"
  }
  alarm_configuration {
    enabled = true
    alarms  = ["webapp-prod-5xx"]
  }
  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }
}
