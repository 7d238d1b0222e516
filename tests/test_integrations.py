"""The ways into CI: the pre-commit hooks (run by pre-commit itself), the GitHub Action (its shell steps run
as the runner runs them) and the examples in docs/ci and the README (checked against pipelint's command
line)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from checker import __version__
from checker.cli.main import parser
from tests.conftest import ROOT, SAMPLES, run_cli

HOOKS = ROOT / ".pre-commit-hooks.yaml"
ACTION = ROOT / "action.yml"
DOCS_CI = ROOT / "docs" / "ci"
# the README's code blocks of "In CI", in order: each is one of these files without its opening comment
EXAMPLES = ("pre-commit-config.yaml", "pre-commit-config-all.yaml", "github-workflow.yml", "gitlab-ci.yml",
            "buildspec.yml")  # fmt: skip
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
COMPLIANT = SAMPLES / "01-compliant-three-accounts"
NO_APPROVAL = SAMPLES / "02-prod-without-approval"
JSON_WITH_COMMENTS = '{\n  // TypeScript allows comments here\n  "compilerOptions": {"strict": true}\n}\n'
PL101_LINE = re.compile(r"^pipelines/no-approval/codepipeline\.json:\d+:\d+: high PL101 action 'Deploy' "
                        r"in stage 'DeployProd' deploys to production", re.M)  # fmt: skip


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def parse_lint(argv: list[str]) -> argparse.Namespace:
    try:
        return parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"pipelint does not accept: pipelint {shlex.join(argv)}")


def lint_commands(commands: list[str]) -> list[list[str]]:
    """The argument lists of the `pipelint lint` commands among shell commands."""
    return [words[1:] for words in map(shlex.split, commands) if words[:2] == ["pipelint", "lint"]]


# --- the pre-commit hooks -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hooks() -> dict[str, dict]:
    clientlib = pytest.importorskip("pre_commit.clientlib", reason="pre-commit is not installed (extra test)")
    return {hook["id"]: hook for hook in clientlib.load_manifest(str(HOOKS))}


def test_hooks_are_valid_for_pre_commit(hooks):
    assert sorted(hooks) == ["pipelint", "pipelint-all"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["pipelint"] == "checker.cli.main:main"
    for hook in hooks.values():
        assert (hook["entry"], hook["language"], hook["require_serial"]) == ("pipelint lint", "python", True)
    assert (hooks["pipelint"]["pass_filenames"], hooks["pipelint"]["args"]) == (True, [])
    assert (hooks["pipelint-all"]["pass_filenames"], hooks["pipelint-all"]["args"]) == (False, ["."])
    assert parse_lint(["lint", *hooks["pipelint-all"]["args"]]).paths == ["."]


PASSED = ("template.yaml", "infra/pipeline.yml", ".github/workflows/release.yml", ".gitlab-ci.yml",
          "pipeline.json", "cdk.out/manifest.json", "stack.template", "infra/main.tf", "infra/prod.tfvars")
LEFT_OUT = ("tsconfig.json", "web/tsconfig.build.json", "jsconfig.json", ".eslintrc.json",
            ".vscode/settings.json", ".devcontainer/devcontainer.json", "package-lock.json", "README.md",
            "deploy.py", "template.yaml.orig", "Makefile")


@pytest.mark.parametrize(("name", "passed"), [(n, True) for n in PASSED] + [(n, False) for n in LEFT_OUT])
def test_hook_is_given_the_files_that_may_be_pipelines(hooks, name, passed):
    hook = hooks["pipelint"]  # pre-commit selects with re.search on the path from the repository root
    assert bool(re.search(hook["files"], name) and not re.search(hook["exclude"], name)) is passed


def test_named_ordinary_file_warns_and_json_with_comments_fails(tmp_path):
    """Why the hook leaves JSON with comments out: pre-commit names files, and a named file that does not
    parse fails the run, while one that parses but is no pipeline only warns."""
    (tmp_path / "settings.yaml").write_text("name: app\nreplicas: 2\n")
    (tmp_path / "tsconfig.json").write_text(JSON_WITH_COMMENTS)
    plain = run_cli("lint", "settings.yaml", cwd=tmp_path)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert plain.stdout.startswith("settings.yaml: warning PL000 not a pipeline definition pipelint reads")
    commented = run_cli("lint", "tsconfig.json", cwd=tmp_path)
    assert commented.returncode == 2, commented.stdout + commented.stderr
    assert commented.stdout.startswith("tsconfig.json:2:3: error PL000 invalid JSON")


def git(cwd: Path, *args: str) -> str:
    isolated = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    identity = ("-c", "user.name=pipelint tests", "-c", "user.email=tests@pipelint.invalid",
                "-c", "commit.gpgsign=false")  # fmt: skip
    done = subprocess.run(["git", *identity, *args], cwd=cwd, env=isolated, capture_output=True, text=True,
                          check=True)  # fmt: skip
    return done.stdout


def commit_all(folder: Path) -> str:
    git(folder, "init", "--quiet")
    git(folder, "add", "--all")
    git(folder, "commit", "--quiet", "--message", "snapshot")
    return git(folder, "rev-parse", "HEAD").strip()


def snapshot_project(target: Path) -> str:
    """Commit the project as it is on disk (tracked and new files, not ignored ones) to a repository of its
    own, and return the commit.

    pre-commit installs a hook repository from a commit. `try-repo` of the project folder would commit only
    changes to tracked files (leaving out a new .pre-commit-hooks.yaml) and install anew on every run."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():  # a tracked file deleted on disk stays out
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return commit_all(target)


@pytest.fixture(scope="module")
def pre_commit(tmp_path_factory):
    """A user's repository with both hooks of this project installed; gives a function running pre-commit."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the pre-commit hook test needs it")
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed: pip install -e '.[test]'")
    base = tmp_path_factory.mktemp("pre-commit")
    rev = snapshot_project(base / "pipelint")
    user = base / "user"
    for sample, folder in ((COMPLIANT, "compliant"), (NO_APPROVAL, "no-approval")):
        (user / "pipelines" / folder).mkdir(parents=True)
        for name in ("codepipeline.json", "targets.yaml"):
            shutil.copy(sample / name, user / "pipelines" / folder / name)
    (user / "settings.yaml").write_text("name: app\nreplicas: 2\n")
    (user / "tsconfig.json").write_text(JSON_WITH_COMMENTS)
    config = {"repos": [{"repo": str(base / "pipelint"), "rev": rev, "hooks": [
        {"id": "pipelint"}, {"id": "pipelint-all", "args": ["pipelines/"]}]}]}  # fmt: skip
    (user / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    commit_all(user)
    env = {**os.environ, "PRE_COMMIT_HOME": str(base / "home"), "NO_COLOR": "1",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}  # fmt: skip

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pre_commit", args[0], "--color", "never", *args[1:]]
        return subprocess.run(command, cwd=user, env=env, capture_output=True, text=True, timeout=900)

    installed = run("install-hooks")  # builds the hook's virtual environment once: pip installs the project
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return run


def test_hook_passes_on_compliant_pipeline_and_ordinary_files(pre_commit):
    done = pre_commit("run", "pipelint", "--verbose", "--files", "pipelines/compliant/codepipeline.json",
                      "settings.yaml", "tsconfig.json")  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert re.search(r"^pipelint\.+Passed$", out, re.M), out
    assert "\nsettings.yaml: warning PL000 not a pipeline definition pipelint reads" in out
    assert "tsconfig.json" not in out  # left out by the hook's exclude: it would be a PL000 error
    # the deployment group is in targets.yaml, which did not change: unknown, never a guessed pass or fail
    assert ("pipelines/compliant/codepipeline.json: PL301 prod-deploy-without-rollback in "
            "'webapp-compliant': whether action 'Deploy' in stage 'DeployProd' rolls back is unknown: "
            "CodeDeploy deployment group webapp/webapp-prod is not defined in the scanned files") in out
    assert "\n0 finding(s); 1 pipeline(s) checked; " in out and " Result: pass." in out


def test_hook_fails_on_prod_deploy_without_approval(pre_commit):
    done = pre_commit("run", "pipelint", "--files", "pipelines/no-approval/codepipeline.json")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert re.search(r"^pipelint\.+Failed$", out, re.M) and "- exit code: 1\n" in out, out
    assert PL101_LINE.search(out), out
    assert "\n1 finding(s) (1 high); 1 pipeline(s) checked; " in out


def test_all_hook_links_the_files_of_its_folders(pre_commit):
    done = pre_commit("run", "pipelint-all", "--all-files")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert re.search(r"^pipelint \(whole repository\)\.+Failed$", out, re.M), out
    assert PL101_LINE.search(out), out
    assert "\n1 finding(s) (1 high); 2 pipeline(s) checked; " in out
    assert "not defined in the scanned files" not in out  # every pipeline found its deployment groups


# --- the GitHub Action --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def action() -> dict:
    return load_yaml(ACTION)


def test_action_is_well_formed(action):
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    used = {m for text in strings(action) for m in re.findall(r"\binputs\.([\w-]+)", text)}
    assert used == set(action["inputs"]), "every input is declared and used"
    for index, step in enumerate(steps):
        earlier = {s["id"] for s in steps[:index] if "id" in s}
        for text in strings(step):
            read = set(re.findall(r"\bsteps\.([\w-]+)\.", text))
            assert read <= earlier, f"step {index} reads a step that has not run"
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], "inputs reach scripts through env:, never as text (injection)"
    lint = next(step for step in steps if step.get("id") == "lint")
    for name, output in action["outputs"].items():
        assert output["value"] == f"${{{{ steps.lint.outputs.{name} }}}}"
        assert f'echo "{name}=' in lint["run"], f"the lint step writes the output {name}"
    upload, fail = steps[-2:]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["if"] == "always() && inputs.upload-sarif == 'true' && steps.lint.outputs.sarif-file != ''"
    assert upload["with"]["sarif_file"] == "${{ steps.lint.outputs.sarif-file }}"
    assert fail["if"] == "always() && steps.lint.outcome == 'success'"


def run_step(step: dict, inputs: dict[str, str], outputs: dict[str, str], cwd: Path):
    """Run a step's script as the runner does (bash -eo pipefail), its env: expressions filled in."""
    context = {f"inputs.{k}": v for k, v in inputs.items()}
    context |= {f"steps.lint.outputs.{k}": v for k, v in outputs.items()}
    given = step.get("env", {})
    env = {key: EXPRESSION.sub(lambda m: context[m.group(1)], text) for key, text in given.items()}
    (cwd / "step.sh").write_text(step["run"])
    (cwd / "github_output").write_text("")
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # where pip put `pipelint`
    env |= {"PATH": path, "GITHUB_OUTPUT": str(cwd / "github_output"), "NO_COLOR": "1"}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "step.sh"], cwd=cwd,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)  # fmt: skip
    written = dict(line.split("=", 1) for line in (cwd / "github_output").read_text().splitlines())
    return done, written


@pytest.fixture
def runner(action, tmp_path):
    """Run the action's lint step, then its last step, in a workspace holding two sample pipelines."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed: the action's steps are bash scripts")
    if shutil.which("pipelint", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("the pipelint script is not beside this Python: pip install -e .")
    for sample, folder in ((COMPLIANT, "compliant"), (NO_APPROVAL, "no-approval")):
        (tmp_path / "infra" / folder).mkdir(parents=True)
        for name in ("codepipeline.json", "targets.yaml"):
            shutil.copy(sample / name, tmp_path / "infra" / folder / name)
    steps = action["runs"]["steps"]
    lint = next(step for step in steps if step.get("id") == "lint")

    def run(**given: str):
        inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()} | given
        done, outputs = run_step(lint, inputs, {}, tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr  # the step keeps pipelint's exit code
        final, _ = run_step(steps[-1], inputs, outputs, tmp_path)
        return done, outputs, final.returncode

    return run


def sarif_results(path: Path) -> list[tuple[str, str]]:
    results = json.loads(path.read_text())["runs"][0]["results"]
    return [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results]


def test_action_reports_then_fails_with_pipelints_exit_code(runner, tmp_path):
    done, outputs, final = runner(paths="infra/compliant\ninfra/no-approval")
    assert outputs == {"exit-code": "1", "sarif-file": "pipelint.sarif"}
    assert final == 1
    assert re.search(r"^infra/no-approval/codepipeline\.json:\d+:\d+: high PL101 ", done.stdout, re.M)
    assert sarif_results(tmp_path / "pipelint.sarif") == [("PL101", "infra/no-approval/codepipeline.json")]


def test_action_passes_its_inputs_to_pipelint(runner, tmp_path):
    # PL304 is medium in the strict pack only; fail-on medium makes it fail; args leave out PL101
    given = {"policy": "strict", "fail-on": "medium", "args": "--ignore PL101  --hide-unknown",
             "sarif-file": "pipelint results.sarif"}  # fmt: skip
    done, outputs, final = runner(**given)
    assert outputs == {"exit-code": "1", "sarif-file": "pipelint results.sarif"}, done.stdout + done.stderr
    assert final == 1
    assert sarif_results(tmp_path / "pipelint results.sarif") == [
        ("PL304", "infra/compliant/codepipeline.json"), ("PL304", "infra/no-approval/codepipeline.json")]


def test_action_inputs_cannot_run_commands(runner, tmp_path):
    done, outputs, final = runner(paths="$(touch injected) `touch injected`", args="; touch injected")
    assert outputs == {"exit-code": "2"}, done.stdout + done.stderr  # no SARIF written, so no upload
    assert final == 2
    assert not (tmp_path / "injected").exists()
    assert "unrecognized arguments: ; touch injected" in done.stderr


# --- the examples in docs/ci and the README -----------------------------------------------------------------


def test_readme_shows_the_examples_of_docs_ci():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## In CI: pre-commit, GitHub Actions, GitLab CI, CodeBuild\n")
    section = text[start : text.index("\n## ", start + 1)]
    assert text[start + len(section) :].startswith("\n## Benchmark\n")
    assert "[docs/ci/](docs/ci/)" in section
    assert sorted(path.name for path in DOCS_CI.iterdir()) == sorted(EXAMPLES)
    shown = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert shown == [re.sub(r"\A(#.*\n)+", "", (DOCS_CI / name).read_text()) for name in EXAMPLES]


def test_examples_use_this_version():
    texts = [(DOCS_CI / name).read_text() for name in EXAMPLES]
    revs = [rev for text in texts for rev in re.findall(r"pipelint/pipelint@([^\s\"]+)|rev: (\S+)", text)]
    assert len(revs) == 5 and {a or b for a, b in revs} == {f"v{__version__}"}


@pytest.mark.parametrize("name", ["pre-commit-config.yaml", "pre-commit-config-all.yaml"])
def test_pre_commit_examples(hooks, name):
    from pre_commit.clientlib import load_config

    [repo] = load_config(str(DOCS_CI / name))["repos"]
    assert repo["repo"] == "https://github.com/pipelint/pipelint"
    for hook in repo["hooks"]:
        files = ["template.yaml"] if hooks[hook["id"]]["pass_filenames"] else []
        parse_lint(["lint", *hook["args"], *files])


def test_github_workflow_example(action):
    workflow = load_yaml(DOCS_CI / "github-workflow.yml")
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["pipelint"]["steps"]
    [step] = [step for step in steps if step.get("uses", "").startswith("pipelint/pipelint@")]
    assert set(step["with"]) <= set(action["inputs"])
    given = {name: spec.get("default", "") for name, spec in action["inputs"].items()} | step["with"]
    argv = [*given["paths"].split(), "--fail-on", given["fail-on"], *given["args"].split()]
    args = parse_lint(["lint", *argv])
    assert args.paths == ["infra/", ".github/workflows/"]


def test_gitlab_example():
    job = load_yaml(DOCS_CI / "gitlab-ci.yml")["pipelint"]
    [argv] = lint_commands(job["script"])
    args = parse_lint(["lint", *argv])
    assert dict(zip(args.format, args.output)) == {"text": "-", "junit": "pipelint.xml"}
    assert job["artifacts"] == {"when": "always", "reports": {"junit": "pipelint.xml"}}
    assert job["variables"] == {"PIPELINT_CACHE_DIR": "$CI_PROJECT_DIR/.cache/pipelint"}
    assert job["cache"]["paths"] == [".cache/pipelint/"]  # the same folder, as GitLab names it


def test_codebuild_example():
    spec = load_yaml(DOCS_CI / "buildspec.yml")
    assert lint_commands(spec["phases"]["install"]["commands"]) == []
    [argv] = lint_commands(spec["phases"]["build"]["commands"])
    args = parse_lint(["lint", *argv])
    assert dict(zip(args.format, args.output)) == {"text": "-", "junit": "pipelint.xml"}
    assert spec["reports"] == {"pipelint": {"files": ["pipelint.xml"], "file-format": "JUNITXML"}}
    assert spec["env"]["variables"] == {"PIPELINT_CACHE_DIR": "/root/.cache/pipelint"}
    assert spec["cache"]["paths"] == ["/root/.cache/pipelint/**/*"]
