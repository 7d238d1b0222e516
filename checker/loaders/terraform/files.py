"""Which files are Terraform's, without importing the HCL parser (discovery runs on every lint)."""

from __future__ import annotations

TERRAFORM_SUFFIX = ".tf"


def is_variables_file(name: str) -> bool:
    return name.endswith((".tfvars", ".tfvars.json"))


def automatic_variable_files(names: list[str]) -> list[str]:
    """The files Terraform reads by itself, in its order: terraform.tfvars(.json), then *.auto.tfvars(.json)."""
    first = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
    auto = sorted(n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json")))
    return first + auto
