"""Synthetic but realistic CloudFormation pipeline templates (150-400 lines each), for benchmarks."""

from __future__ import annotations

import random
from pathlib import Path

PROVIDERS = ["CodeDeployToECS", "CloudFormation", "CodeDeploy", "ECS"]


def _action(rng: random.Random, env: str, run_order: int, provider: str) -> str:
    role = f"!Sub arn:aws:iam::${{{env.capitalize()}Account}}:role/deploy"
    if provider == "CloudFormation":
        config = f"""                ActionMode: CREATE_UPDATE
                StackName: !Sub ${{AppName}}-{env}
                TemplatePath: BuildOutput::packaged.yaml
                Capabilities: CAPABILITY_IAM,CAPABILITY_AUTO_EXPAND
                RoleArn: !Sub arn:aws:iam::${{{env.capitalize()}Account}}:role/cfn-exec
                ParameterOverrides: !Sub '{{"Environment": "{env}", "Version": "${{AppName}}"}}'"""
    elif provider == "ECS":
        config = f"""                ClusterName: !Sub ${{AppName}}-{env}
                ServiceName: !Sub ${{AppName}}-{env}-svc
                FileName: imagedefinitions.json"""
    else:
        config = f"""                ApplicationName: !Ref AppName
                DeploymentGroupName: !Sub ${{AppName}}-{env}"""
    return f"""            - Name: Deploy{env.capitalize()}{rng.randint(1, 9)}
              RunOrder: {run_order}
              RoleArn: {role}
              ActionTypeId: {{Category: Deploy, Owner: AWS, Provider: {provider}, Version: '1'}}
              InputArtifacts: [{{Name: BuildOutput}}]
              Configuration:
{config}"""


def _policy(rng: random.Random, name: str) -> str:
    statements = "\n".join(
        f"""              - Effect: Allow
                Action: [{', '.join(rng.sample(['s3:GetObject', 's3:PutObject', 'kms:Decrypt', 'kms:Encrypt',
                                                'codebuild:StartBuild', 'iam:PassRole', 'sns:Publish', 'logs:PutLogEvents'], 3))}]
                Resource: !Sub arn:${{AWS::Partition}}:s3:::${{ArtifactBucket}}/{name}/{i}/*"""
        for i in range(rng.randint(5, 16))
    )
    return f"""  {name}Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {{Service: [codepipeline.amazonaws.com, codebuild.amazonaws.com]}}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: {name}
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
{statements}
"""


def template(index: int) -> str:
    rng = random.Random(index)
    provider = rng.choice(PROVIDERS)
    envs = ["dev", "staging", "prod"][: rng.randint(2, 3)]
    stages = []
    for env in envs:
        actions = [_action(rng, env, 1, provider)]
        if rng.random() < 0.6:
            actions.append(f"""            - Name: Test{env.capitalize()}
              RunOrder: 2
              ActionTypeId: {{Category: Test, Owner: AWS, Provider: CodeBuild, Version: '1'}}
              InputArtifacts: [{{Name: BuildOutput}}]
              Configuration: {{ProjectName: !Ref TestProject}}""")
        stage = f"""        - Name: Deploy{env.capitalize()}
          Actions:
""" + "\n".join(actions)
        if env == "prod" and rng.random() < 0.7:
            stage = """        - !If
          - WithApproval
          - Name: Approve
            Actions:
              - Name: Approve
                ActionTypeId: {Category: Approval, Owner: AWS, Provider: Manual, Version: '1'}
                Configuration: {NotificationArn: !Ref ApprovalTopic}
          - !Ref AWS::NoValue
""" + stage
        stages.append(stage)
    roles = "".join(_policy(rng, name) for name in ("Pipeline", "Build", "Test")[: rng.randint(2, 3)])
    return f"""AWSTemplateFormatVersion: 2010-09-09
Description: Delivery pipeline {index} for a service (generated for benchmarks)
Parameters:
  AppName: {{Type: String, Default: service-{index}}}
  DevAccount: {{Type: String, Default: '111111111111'}}
  StagingAccount: {{Type: String, Default: '222222222222'}}
  ProdAccount: {{Type: String, Default: '333333333333'}}
  RequireApproval: {{Type: String, AllowedValues: ['true', 'false'], Default: 'true'}}
Conditions:
  WithApproval: !Equals [!Ref RequireApproval, 'true']
Resources:
  ArtifactBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {{SSEAlgorithm: aws:kms, KMSMasterKeyID: !GetAtt ArtifactKey.Arn}}
  ArtifactKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {{AWS: !Sub 'arn:aws:iam::${{AWS::AccountId}}:root'}}
            Action: 'kms:*'
            Resource: '*'
  ApprovalTopic:
    Type: AWS::SNS::Topic
  BuildProject:
    Type: AWS::CodeBuild::Project
    Properties:
      Name: !Sub ${{AppName}}-build
      ServiceRole: !GetAtt PipelineRole.Arn
      Artifacts: {{Type: CODEPIPELINE}}
      Environment: {{Type: LINUX_CONTAINER, ComputeType: BUILD_GENERAL1_SMALL, Image: aws/codebuild/standard:7.0}}
      Source:
        Type: CODEPIPELINE
        BuildSpec: |
          version: 0.2
          phases:
            build:
              commands:
                - make test
                - make package
  TestProject:
    Type: AWS::CodeBuild::Project
    Properties:
      Name: !Sub ${{AppName}}-test
      ServiceRole: !GetAtt PipelineRole.Arn
      Artifacts: {{Type: CODEPIPELINE}}
      Environment: {{Type: LINUX_CONTAINER, ComputeType: BUILD_GENERAL1_SMALL, Image: aws/codebuild/standard:7.0}}
      Source: {{Type: CODEPIPELINE}}
{roles}  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Name: !Sub ${{AppName}}-pipeline
      RoleArn: !GetAtt PipelineRole.Arn
      ArtifactStore:
        Type: S3
        Location: !Ref ArtifactBucket
        EncryptionKey: {{Id: !GetAtt ArtifactKey.Arn, Type: KMS}}
      Stages:
        - Name: Source
          Actions:
            - Name: Source
              ActionTypeId: {{Category: Source, Owner: AWS, Provider: CodeCommit, Version: '1'}}
              OutputArtifacts: [{{Name: SourceOutput}}]
              Configuration: {{RepositoryName: !Ref AppName, BranchName: main, PollForSourceChanges: false}}
        - Name: Build
          Actions:
            - Name: Build
              ActionTypeId: {{Category: Build, Owner: AWS, Provider: CodeBuild, Version: '1'}}
              InputArtifacts: [{{Name: SourceOutput}}]
              OutputArtifacts: [{{Name: BuildOutput}}]
              Configuration: {{ProjectName: !Ref BuildProject}}
""" + "\n".join(stages) + "\n"


def write(directory: Path, count: int, per_folder: int = 0) -> list[Path]:
    """`count` templates in `directory`; with `per_folder`, that many in each of repo-000, repo-001, ... (an
    estate of repositories)."""
    paths = []
    for index in range(count):
        folder = directory / f"repo-{index // per_folder:03d}" if per_folder else directory
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"pipeline-{index:05d}.yaml"
        path.write_text(template(index))
        paths.append(path)
    return paths
