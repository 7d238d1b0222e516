"""CloudFormation and SAM templates (YAML or JSON), and the CDK cloud assemblies that hold them."""
