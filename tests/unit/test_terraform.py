"""The Terraform loaders: a module's variables, instances, references, providers and targets, and plan JSON."""

from __future__ import annotations

import json

from checker.engine.run import lint
from checker.load import load_workspace
from checker.loaders.base import LoadOptions
from checker.model import (
    AppConfigStrategy,
    BeanstalkEnvironment,
    CodeDeployConfig,
    EcsService,
    Outcome,
    SourceFormat,
    Unknown,
)
from checker.model.arn import account_of
from checker.policy.model import Policy

PIPELINE = """\
variable "env" {
  type    = string
  default = "default"
}
resource "aws_codepipeline" "p" {
  name     = "app-${var.env}"
  role_arn = "arn:aws:iam::999999999999:role/pipeline"
  artifact_store {
    type     = "S3"
    location = "artifacts"
  }
  stage {
    name = "Source"
    action {
      name     = "Source"
      category = "Source"
      owner    = "AWS"
      provider = "S3"
      version  = "1"
    }
  }
}
"""


def write(folder, files: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def names(workspace) -> list[str]:
    return [str(p.name) for p in workspace.pipelines]


def test_variables_take_defaults_then_tfvars_then_auto_tfvars_then_var_files_then_params(tmp_path):
    folder = write(tmp_path / "m", {"main.tf": PIPELINE})
    assert names(load_workspace([str(folder)])) == ["app-default"]
    write(folder, {"terraform.tfvars": 'env = "tfvars"\n'})
    assert names(load_workspace([str(folder)])) == ["app-tfvars"]
    write(folder, {"a.auto.tfvars": 'env = "a-auto"\n', "b.auto.tfvars.json": '{"env": "b-auto"}'})
    assert names(load_workspace([str(folder)])) == ["app-b-auto"]  # auto files in name order, the last wins
    extra = write(tmp_path / "vars", {"prod.tfvars": 'env = "var-file"\n'})
    options = LoadOptions(var_files=(str(extra / "prod.tfvars"),))
    assert names(load_workspace([str(folder)], options)) == ["app-var-file"]
    options = LoadOptions(var_files=(str(extra / "prod.tfvars"),), parameters={"env": "param"})
    assert names(load_workspace([str(folder)], options)) == ["app-param"]


def test_a_named_tf_file_is_read_with_its_module_and_the_variable_files_terraform_reads(tmp_path):
    # Terraform reads every .tf file of the directory, and its terraform.tfvars: so does pipelint, when one file
    # is named (pre-commit names the files that changed); a .tfvars file named beside it applies after them
    folder = write(tmp_path, {"main.tf": PIPELINE.replace('variable "env" {\n  type    = string\n  default = "default"\n}\n', ""),
                              "variables.tf": 'variable "env" {\n  default = "default"\n}\n',
                              "terraform.tfvars": 'env = "tfvars"\n', "other.tfvars": 'env = "named"\n'})  # fmt: skip
    assert names(load_workspace([str(folder / "main.tf")])) == ["app-tfvars"]
    assert names(load_workspace([str(folder / "main.tf"), str(folder / "other.tfvars")])) == ["app-named"]
    assert names(load_workspace([str(folder), str(folder / "main.tf")])) == ["app-tfvars"]  # read once


def test_a_param_for_a_variable_that_is_not_a_string_is_read_as_hcl(tmp_path):
    text = PIPELINE.replace('type    = string\n  default = "default"', "type = list(string)").replace(
        '"app-${var.env}"', 'join("-", var.env)')
    folder = write(tmp_path, {"main.tf": text})
    assert names(load_workspace([str(folder)], LoadOptions(parameters={"env": '["a", "b"]'}))) == ["a-b"]


def test_each_instance_of_for_each_is_a_pipeline_at_the_resource_line(tmp_path):
    text = PIPELINE.replace('resource "aws_codepipeline" "p" {\n', 'resource "aws_codepipeline" "p" {\n  for_each = toset(["blue", "green"])\n')
    text = text.replace('"app-${var.env}"', '"app-${each.key}"')
    workspace = load_workspace([str(write(tmp_path, {"main.tf": text}))])
    assert sorted(names(workspace)) == ["app-blue", "app-green"]
    blue = next(p for p in workspace.pipelines if p.name == "app-blue")
    assert blue.resource_id == 'aws_codepipeline.p["blue"]' and blue.source.path == ("resource", "aws_codepipeline", "p", "blue")
    assert workspace.locate(blue.stages[0].actions[0].source).line == 15
    # one line holds both pipelines: the text report says which each finding is about
    from checker.views.lint import text as text_report
    from checker.views.style import Style

    deploy = ('  stage {\n    name = "Prod"\n    action {\n      name     = "Deploy"\n      category = "Deploy"\n'
              '      owner    = "AWS"\n      provider = "CloudFormation"\n      version  = "1"\n'
              '      configuration = { ActionMode = "CREATE_UPDATE", StackName = "${each.key}-prod" }\n    }\n  }\n}\n')
    workspace = load_workspace([str(write(tmp_path, {"main.tf": text[: text.rindex("}")] + deploy}))])
    lines = text_report(lint(workspace, Policy(select=("PL101",))), Style(False)).splitlines()
    heads = [line.split(" · ")[-1] for line in lines if " PL101 " in line]
    assert sorted(heads) == ["in pipeline 'app-blue'", "in pipeline 'app-green'"]


def test_an_unknown_name_keeps_its_text_in_the_title(tmp_path):
    text = PIPELINE.replace('  default = "default"\n', "")
    (pipeline,) = load_workspace([str(write(tmp_path, {"main.tf": text}))]).pipelines
    assert isinstance(pipeline.name, Unknown) and "var.env has no default and no value is given" in pipeline.name.reason
    assert pipeline.title == "aws_codepipeline.p (name app-${var.env})"


ROLES = """\
provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["999999999999"]
}
provider "aws" {
  alias  = "prod"
  region = "eu-west-1"
  assume_role {
    role_arn = "arn:aws:iam::333333333333:role/terraform"
  }
}
data "aws_caller_identity" "current" {}
resource "aws_iam_role" "pipeline" {
  name = "pipeline"
}
resource "aws_iam_role" "deploy" {
  provider = aws.prod
  name     = "deploy"
  path     = "/ci/"
}
resource "aws_codepipeline" "p" {
  name     = "p-${data.aws_caller_identity.current.account_id}"
  role_arn = aws_iam_role.pipeline.arn
  artifact_store {
    type     = "S3"
    location = "artifacts"
  }
  stage {
    name = "DeployProd"
    action {
      name     = "Deploy"
      category = "Deploy"
      owner    = "AWS"
      provider = "S3"
      version  = "1"
      role_arn = aws_iam_role.deploy.arn
    }
  }
}
"""


def test_roles_and_accounts_come_from_the_providers(tmp_path):
    (pipeline,) = load_workspace([str(write(tmp_path, {"main.tf": ROLES}))]).pipelines
    assert pipeline.name == "p-999999999999" and (pipeline.account, pipeline.region) == ("999999999999", "eu-west-1")
    assert pipeline.role_arn == "arn:aws:iam::999999999999:role/pipeline"
    assert pipeline.stages[0].actions[0].role_arn == "arn:aws:iam::333333333333:role/ci/deploy"


def test_without_accounts_two_roles_of_one_provider_still_share_one(tmp_path):
    text = ROLES.replace('  allowed_account_ids = ["999999999999"]\n', "").replace(
        "  provider = aws.prod\n", "")
    (pipeline,) = load_workspace([str(write(tmp_path, {"main.tf": text}))]).pipelines
    assert isinstance(pipeline.account, Unknown) and pipeline.account.text == "${provider.aws.account_id}"
    assert account_of(pipeline.stages[0].actions[0].role_arn).text == "${provider.aws.account_id}"
    report = lint(load_workspace([str(tmp_path)]), Policy(select=("PL202",)))
    (evaluation,) = [e for e in report.evaluations if e.code == "PL202"]  # "deploy" is prod by its stage name, and in the pipeline's own account
    assert evaluation.outcome is Outcome.FAILED and "in the pipeline's own account" in evaluation.findings[0].message


TARGETS = """\
resource "aws_codedeploy_deployment_config" "canary" {
  deployment_config_name = "canary-10-15"
  compute_platform       = "Lambda"
  traffic_routing_config {
    type = "TimeBasedCanary"
    time_based_canary {
      interval   = 15
      percentage = 10
    }
  }
}
resource "aws_ecs_service" "web" {
  name                               = "web"
  cluster                            = "main"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  alarms {
    alarm_names = ["web-5xx"]
    enable      = true
    rollback    = false
  }
}
resource "aws_elastic_beanstalk_environment" "prod" {
  name        = "web-prod"
  application = "web"
  setting {
    namespace = "aws:elasticbeanstalk:command"
    name      = "DeploymentPolicy"
    value     = "Immutable"
  }
  setting {
    namespace = "aws:autoscaling:launchconfiguration"
    name      = "InstanceType"
    value     = "t3.small"
  }
}
resource "aws_appconfig_deployment_strategy" "slow" {
  name                           = "slow"
  growth_type                    = "LINEAR"
  growth_factor                  = 10
  deployment_duration_in_minutes = 60
  final_bake_time_in_minutes     = 30
  replicate_to                   = "NONE"
}
"""


def test_deploy_targets_are_read_with_their_strategy_facts(tmp_path):
    workspace = load_workspace([str(write(tmp_path, {"targets.tf": TARGETS}))])
    by_kind = {type(t): t for t in workspace.targets}
    config = by_kind[CodeDeployConfig]
    assert (config.name, config.traffic_routing.type, config.traffic_routing.percentage,
            config.traffic_routing.interval_minutes) == ("canary-10-15", "TimeBasedCanary", 10, 15)  # fmt: skip
    ecs = by_kind[EcsService]
    assert (ecs.service_name, ecs.circuit_breaker_rollback, ecs.alarms, ecs.alarms_rollback, ecs.minimum_healthy_percent) == (
        "web", True, ("web-5xx",), False, 100)
    beanstalk = by_kind[BeanstalkEnvironment]
    assert beanstalk.deployment_policy == "Immutable"
    assert dict(beanstalk.option_settings) == {"aws:elasticbeanstalk:command:DeploymentPolicy": "Immutable"}
    strategy = by_kind[AppConfigStrategy]
    assert (strategy.growth_type, strategy.growth_factor, strategy.duration_minutes) == ("LINEAR", 10, 60)
    assert workspace.locate(ecs.source).line == 12


def test_a_plan_marks_what_is_known_only_after_apply_and_points_at_json_paths(tmp_path):
    plan = {
        "format_version": "1.2", "terraform_version": "1.9.0",
        "configuration": {"provider_config": {"aws": {"name": "aws", "expressions": {"region": {"constant_value": "eu-west-1"}}}}},
        "planned_values": {"root_module": {"child_modules": [{"address": "module.ci", "resources": [
            {"address": "module.ci.aws_codepipeline.p", "mode": "managed", "type": "aws_codepipeline", "name": "p",
             "values": {"name": "app", "artifact_store": [{"type": "S3", "location": "artifacts", "encryption_key": []}],
                        "stage": [{"name": "Source", "action": [{"name": "Source", "category": "Source", "owner": "AWS",
                                                                 "provider": "S3", "version": "1"}]}]}}]}]}},
        "resource_changes": [{"address": "module.ci.aws_codepipeline.p", "change": {"after_unknown": {"role_arn": True}}}],
    }  # fmt: skip
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=1), encoding="utf-8")
    workspace = load_workspace([str(tmp_path / "plan.json")])
    (pipeline,) = workspace.pipelines
    assert pipeline.format is SourceFormat.TERRAFORM_PLAN and pipeline.region == "eu-west-1"
    assert isinstance(pipeline.role_arn, Unknown)
    assert pipeline.role_arn.reason == "module.ci.aws_codepipeline.p.role_arn is known only after apply"
    action = pipeline.stages[0].actions[0]
    assert action.source.path == ("planned_values", "root_module", "child_modules", 0, "resources", 0, "values",
                                  "stage", 0, "action", 0)  # fmt: skip
    assert workspace.locate(action.source).line == 40


def test_a_comment_suppresses_a_finding_in_hcl(tmp_path):
    text = ROLES.replace("    action {\n      name     = \"Deploy\"",
                         "    # pipelint: ignore[PL202] the prod role is trusted by the pipeline account only\n"
                         "    action {\n      name     = \"Deploy\"")
    text = text.replace("      role_arn = aws_iam_role.deploy.arn\n", "")
    report = lint(load_workspace([str(write(tmp_path, {"main.tf": text}))]), Policy(select=("PL202",)))
    (evaluation,) = [e for e in report.evaluations if e.code == "PL202"]
    assert evaluation.outcome is Outcome.EXEMPTED
    assert evaluation.findings[0].suppressed.reason == "the prod role is trusted by the pipeline account only"


def test_a_module_the_run_calls_is_read_with_the_callers_inputs_not_its_defaults(tmp_path):
    child = PIPELINE.replace('resource "aws_codepipeline" "p" {', 'variable "prod_account" {\n  default = "333333333333"\n}\n'
                             'resource "aws_codepipeline" "p" {')
    child = child.replace('      version  = "1"\n    }', '      version  = "1"\n      role_arn = "arn:aws:iam::${var.prod_account}:role/x"\n    }')
    write(tmp_path / "modules" / "pipeline", {"main.tf": child})
    write(tmp_path, {"main.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n'
                                'module "orders" {\n  source       = "./modules/pipeline"\n  env          = "orders"\n'
                                '  prod_account = local.prod\n}\nlocals {\n  prod = "222222222222"\n}\n'})
    workspace = load_workspace([str(tmp_path)])
    (pipeline,) = workspace.pipelines  # not also the module on its own, with its defaults
    assert (pipeline.name, pipeline.resource_id, pipeline.region) == ("app-orders", "module.orders.aws_codepipeline.p", "eu-west-1")
    assert pipeline.source.path == ("module", "orders", "resource", "aws_codepipeline", "p")
    assert pipeline.stages[0].actions[0].role_arn == "arn:aws:iam::222222222222:role/x"
    assert workspace.locate(pipeline.stages[0].actions[0].source).file.endswith("modules/pipeline/main.tf")


APPCONFIG = """\
resource "aws_appconfig_application" "app" { name = "flags" }
resource "aws_appconfig_environment" "prod" {
  name           = "prod"
  application_id = aws_appconfig_application.app.id
  monitor {
    alarm_arn      = "arn:aws:cloudwatch:eu-west-1:333333333333:alarm:errors"
    alarm_role_arn = "arn:aws:iam::333333333333:role/appconfig"
  }
}
resource "aws_appconfig_deployment_strategy" "slow" {
  name                           = "slow"
  deployment_duration_in_minutes = 30
  growth_factor                  = 10
  growth_type                    = "LINEAR"
  replicate_to                   = "NONE"
}
resource "aws_codepipeline" "p" {
  name     = "flags"
  role_arn = "arn:aws:iam::999999999999:role/cp"
  artifact_store {
    location = "b"
    type     = "S3"
  }
  stage {
    name = "DeployProd"
    action {
      name     = "Deploy"
      category = "Deploy"
      owner    = "AWS"
      provider = "AppConfig"
      version  = "1"
      configuration = {
        Application          = aws_appconfig_application.app.id
        Environment          = aws_appconfig_environment.prod.environment_id
        ConfigurationProfile = "p"
        DeploymentStrategy   = aws_appconfig_deployment_strategy.slow.id
        InputArtifactConfigurationPath = "c.json"
      }
    }
  }
}
"""


def test_an_appconfig_action_links_its_strategy_and_the_environment_whose_monitors_roll_it_back(tmp_path):
    from checker.analysis.core import Analysis

    workspace = load_workspace([str(write(tmp_path / "watched", {"main.tf": APPCONFIG}))])
    (deploy,) = Analysis(workspace).deploys(workspace.pipelines[0])
    assert (deploy.strategy.cls.value, deploy.rollback.on_failure, deploy.rollback.on_alarm) == ("linear", True, True)
    assert deploy.rollback.detail == ("AppConfig rolls back when a monitor alarms: "
                                      "arn:aws:cloudwatch:eu-west-1:333333333333:alarm:errors")  # fmt: skip
    unwatched = APPCONFIG[: APPCONFIG.index("  monitor {")] + APPCONFIG[APPCONFIG.index("  }\n}\n") + 4 :]
    workspace = load_workspace([str(write(tmp_path / "unwatched", {"main.tf": unwatched}))])
    (deploy,) = Analysis(workspace).deploys(workspace.pipelines[0])
    assert deploy.rollback.on_failure is False
    assert deploy.rollback.detail == "AppConfig environment prod has no monitors, so no alarm rolls a deployment back"
