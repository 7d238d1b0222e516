"""Package discovery that pyproject.toml cannot say on its own (everything else is in pyproject.toml).

The policy packs live in the top-level `policies/` folder, where users read and copy them, but the default pack
is needed at run time, so the packs ship inside the package as `checker.policies`. pyproject.toml can map a
folder to a package only with an explicit package list, which would drop every `checker.*` package added later;
here discovery stays automatic (`checker*`) and the packs are added to it.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["checker*"]), "checker.policies", "checker.policies.frameworks"],
    package_dir={"checker.policies": "policies"},
)
