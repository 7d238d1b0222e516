"""What the fuzz, bounds and no-network tests share: a seed file of every format, the mutations made to it,
the checks every input must pass, and pipelint in a subprocess that reports its peak memory and can be kept off
the network."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

from checker.api import lint
from checker.cli.main import main
from checker.load import load_workspace
from checker.sources.yamldoc import parse_yaml
from tests.conftest import ROOT, SAMPLES
from tests.test_hostile_ci_terraform import GOOD_WORKFLOW

CONTROL = "good.yml"  # a good workflow beside every input: a broken file must not hide it
NETWORK_EXIT = 86  # what a process that touched the network exits with, under the guard
RSS_MARK = "pipelint-fuzz peak_rss_kib="

# Problems that say a file could not be parsed: each must say on which line.
PARSE_ERRORS = ("invalid YAML", "invalid JSON", "invalid HCL", "the document nests deeper",
                "the file nests deeper", "aliases expand", "an alias refers", "the file is not valid UTF-8",
                "this is an unrendered template")  # fmt: skip


# The seeds: real sample files of every format, and what is derived from them where the samples have none.


@dataclass(frozen=True)
class Seed:
    name: str
    files: dict[str, bytes]  # path in the folder -> content
    target: str  # the file the mutations change
    syntax: str  # "yaml", "json" or "hcl": which fragments the mutations insert
    original: Path | None = None  # the sample file the seed is, loaded in place for the baseline


def _sample(relative: str) -> bytes:
    return (SAMPLES / relative).read_bytes()


def _as_json(relative: str) -> bytes:
    """A sample CloudFormation YAML template as CloudFormation JSON (long-form intrinsics)."""
    return json.dumps(parse_yaml(_sample(relative).decode()).value, indent=2).encode()


TFVARS = b"""\
artifact_bucket    = "platform-pipeline-artifacts-999999999999-us-east-1"
artifact_key_arn   = "arn:aws:kms:us-east-1:999999999999:key/4f1c2b7e-8a3d-4c59-9e62-0b7d5a1f3c84"
approval_topic_arn = "arn:aws:sns:us-east-1:999999999999:webapp-release-approvals"
"""
_ACTION = {"name": "Deploy", "category": "Deploy", "owner": "AWS", "provider": "CodeDeploy", "version": "1",
           "configuration": {"ApplicationName": "webapp", "DeploymentGroupName": "webapp-prod"}}  # fmt: skip
PLAN = {
    "format_version": "1.2", "terraform_version": "1.9.0",
    "planned_values": {"root_module": {"resources": [
        {"address": "aws_codepipeline.p", "mode": "managed", "type": "aws_codepipeline", "name": "p",
         "values": {"name": "webapp", "role_arn": "arn:aws:iam::999999999999:role/pipeline",
                    "artifact_store": [{"type": "S3", "location": "artifacts", "encryption_key": []}],
                    "stage": [{"name": "Source", "action": [{**_ACTION, "name": "Source", "category": "Source",
                                                             "provider": "S3", "configuration": {}}]},
                              {"name": "Prod", "action": [_ACTION]}]}}]}},
    "resource_changes": [{"address": "aws_codepipeline.p", "change": {"after_unknown": {"role_arn": False}}}],
}  # fmt: skip
MANIFEST = {"version": "36.0.0", "artifacts": {
    "PipelineStack": {"type": "aws:cloudformation:stack", "environment": "aws://999999999999/us-east-1",
                      "properties": {"templateFile": "PipelineStack.template.json"}},
    "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}}  # fmt: skip

TF_MAIN = "01-compliant-three-accounts/terraform/main.tf"
CDK_STACK = "02-prod-without-approval/cloudformation.yaml"
SEEDS = {seed.name: seed for seed in (
    Seed("cfn-yaml", {"cloudformation.yaml": _sample("01-compliant-three-accounts/cloudformation.yaml")},
         "cloudformation.yaml", "yaml", SAMPLES / "01-compliant-three-accounts/cloudformation.yaml"),
    Seed("cfn-json", {"template.json": _as_json("06-sam-lambda-canary/cloudformation.yaml")}, "template.json",
         "json"),
    Seed("codepipeline-json", {"codepipeline.json": _sample("05-v2-rollback-and-conditions/codepipeline.json")},
         "codepipeline.json", "json", SAMPLES / "05-v2-rollback-and-conditions/codepipeline.json"),
    Seed("cdk-manifest", {"cdk.out/manifest.json": json.dumps(MANIFEST, indent=1).encode(),
                          "cdk.out/PipelineStack.template.json": _as_json(CDK_STACK)},
         "cdk.out/manifest.json", "json"),
    Seed("terraform", {"main.tf": _sample(TF_MAIN), "terraform.tfvars": TFVARS}, "main.tf", "hcl"),
    Seed("tfvars", {"main.tf": _sample(TF_MAIN), "terraform.tfvars": TFVARS}, "terraform.tfvars", "hcl"),
    Seed("plan-json", {"plan.json": json.dumps(PLAN, indent=1).encode()}, "plan.json", "json"),
    Seed("github", {"release.yml": _sample("07-ci-workflows/github/release.yml")}, "release.yml", "yaml",
         SAMPLES / "07-ci-workflows/github/release.yml"),
    Seed("gitlab", {"release.gitlab-ci.yml": _sample("07-ci-workflows/gitlab/release.gitlab-ci.yml")},
         "release.gitlab-ci.yml", "yaml", SAMPLES / "07-ci-workflows/gitlab/release.gitlab-ci.yml"),
)}  # fmt: skip


# The mutations.

_ODD = "\u202e\u2028\u2029\x85\ufeff\ufffe\U0001f600\u0301e\u00e9\u200b".encode()
COMMON = (b"\x00", b"\r\n", b"\r", b"\xef\xbb\xbf", b"9" * 5000, b"1e999999", b"-0.0", b"0x1F", _ODD,
          b"\xed\xa0\x80", b"\xff", b"\xc3", b"\x0b\x0c", "\u00e9".encode() * 200, b"\n", b" " * 40)  # fmt: skip
FRAGMENTS = {
    "yaml": (b": ", b"- ", b"&a ", b"*a", b"<<: *a\n", b"!If [", b"!Sub '${", b"!Ref ", b"!GetAtt a.b",
             b"!!binary ", b"!!int x", b"!!float ", b"!!python/object:os.system ", b"!Bogus ", b"? ", b"{", b"}",
             b"[", b"]", b"'",
             b'"', b"|\n", b">-\n", b"%YAML 1.1\n---\n", b"\n---\n", b"\n...\n", b"\t", b"#", b"{{ x }}",
             b"{% if x %}", b"${{ github.x }}", b"a: &a [*a]\n", b"x: !If [c, [], !Ref AWS::NoValue]\n",
             b"Fn::If", b"on", b"2010-09-09", b"yes", b"~", b"null", b"@", b"`", b"%"),
    "json": (b"{", b"}", b"[", b"]", b",", b":", b'"', b"null", b"NaN", b"Infinity", b'"\\ud800"', b"\\u0000",
             b'"Fn::If": ', b'{"Ref": "AWS::NoValue"}', b"true", b"[" * 50, b"{}", b'"a": 1, "a": 2', b"//",
             b"'"),
    "hcl": (b"{", b"}", b"${", b"%{ if x }", b"<<EOF\n", b"EOF\n", b'dynamic "stage" {\n', b"for_each = ",
            b"[for x in var.y : x]", b"var.", b"local.", b"module.", b'"', b"#", b"//", b"/*", b"*/", b"= ",
            b"count = ", b"?", b":", b"=>", b"...", b"null", b"\\", b"~", b'resource "aws_codepipeline" "p" {\n',
            b"(", b")",
            b"jsonencode(", b"[*]", b"range(1000000)"),
}  # fmt: skip


def deep(syntax: str, levels: int) -> bytes:
    """An intrinsic (or HCL expression) nested `levels` deep, to put in a value's place."""
    if syntax == "hcl":
        return b"[" * levels + b"1" + b"]" * levels
    kind = levels % 3
    if kind == 0:
        return b'{"Fn::If": ["C", ' * levels + b'"x"' + b', {"Ref": "AWS::NoValue"}]}' * levels
    if kind == 1:
        return b'{"Fn::Join": ["", [' * levels + b'"x"' + b"]]}" * levels
    if syntax == "yaml":
        return b"!If [C, " * levels + b"x" + b"]" * levels
    return b'{"Fn::Sub": ' * levels + b'"${x}"' + b"}" * levels


def mutations(data: bytes, syntax: str) -> st.SearchStrategy[bytes]:
    """`data` changed once to three times: bytes flipped, cut short, lines deleted, repeated or swapped, syntax
    fragments or deep nesting inserted, a word replaced, line ends changed."""
    fragments = st.sampled_from(FRAGMENTS[syntax] + COMMON)

    @st.composite
    def once(draw: st.DrawFn, data: bytes) -> bytes:
        where = draw(st.integers(0, len(data)))
        lines = data.split(b"\n")
        line = draw(st.integers(0, len(lines) - 1))
        match draw(st.sampled_from(("flip", "cut", "delete", "repeat", "swap", "insert", "insert-line", "replace",
                                    "deep", "crlf"))):  # fmt: skip
            case "flip" if data:
                at = min(where, len(data) - 1)
                return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
            case "cut":
                return data[:where]
            case "delete":
                return b"\n".join(lines[:line] + lines[line + 1 :])
            case "repeat":
                return b"\n".join(
                    lines[: line + 1] + lines[line : line + draw(st.integers(1, 3))] + lines[line + 1 :]
                )
            case "swap":
                other = draw(st.integers(0, len(lines) - 1))
                lines[line], lines[other] = lines[other], lines[line]
                return b"\n".join(lines)
            case "insert":
                return data[:where] + draw(fragments) + data[where:]
            case "insert-line":
                return b"\n".join(lines[:line] + [draw(fragments)] + lines[line:])
            case "replace":  # the word at or after `where` becomes a fragment or a deep intrinsic
                word = re.compile(rb"[A-Za-z0-9_.:-]+").search(data, where)
                if word is None:
                    return data
                new = draw(st.one_of(fragments, st.integers(1, 400).map(lambda n: deep(syntax, n))))
                return data[: word.start()] + new + data[word.end() :]
            case "deep":
                return data[:where] + deep(syntax, draw(st.integers(1, 400))) + data[where:]
            case "crlf":
                return data.replace(
                    b"\n", draw(st.sampled_from((b"\r\n", b"\r", b"\n\r", "\u2028".encode())))
                )
        return data

    def apply(data: bytes, count: int) -> st.SearchStrategy[bytes]:
        return once(data) if count == 1 else once(data).flatmap(lambda d: apply(d, count - 1))

    return st.integers(1, 3).flatmap(lambda count: apply(data, count))


# Generated values for the structure-aware tests: words the loaders and rules look for, odd text, numbers
# beyond any range, and CloudFormation intrinsics in any position.

WORDS = ("prod", "production", "staging", "pre-prod", "dev", "Deploy", "DeployProd", "Approval", "Manual",
         "Source", "Build", "Test", "AWS", "Custom", "ThirdParty", "CodeDeploy", "CloudFormation", "ECS",
         "CodeDeployToECS", "S3",
         "Lambda", "CodeBuild", "ElasticBeanstalk", "AppConfig", "CREATE_UPDATE", "REPLACE_ON_FAILURE",
         "CHANGE_SET_EXECUTE", "ROLLBACK", "RETRY", "FAIL", "SKIP", "V1", "V2", "QUEUED", "PLAINTEXT",
         "CodeDeployDefault.AllAtOnce", "CodeDeployDefault.LambdaCanary10Percent5Minutes", "AllAtOnce", "Rolling",
         "arn:aws:iam::333333333333:role/deploy", "arn:aws:iam:::role/x", "alias/key", "AWS::NoValue",
         "AWS::AccountId", "AWS::Region", "${AWS::AccountId}", "#{SourceVariables.CommitId}", "${{ github.sha }}",
         "{{resolve:secretsmanager:x:SecretString}}", "IsProd", "1", "0", "-1", "", " ", "true", "yes", "null",
         "2010-09-09", "012345678901", "9" * 400, "\u202eprod", "pr\u00f6d", "\U0001f680")  # fmt: skip
word = st.sampled_from(WORDS)
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=10)
scalar = st.one_of(word, word, text, st.none(), st.booleans(), st.integers(), st.integers(-(10**40), 10**40),
                   st.floats(allow_nan=False))  # fmt: skip


def intrinsic(child: st.SearchStrategy) -> st.SearchStrategy:
    no_value = st.just({"Ref": "AWS::NoValue"})
    return st.one_of(
        st.builds(lambda c, a, b: {"Fn::If": [c, a, b]}, word, child, st.one_of(child, no_value)),
        st.builds(lambda s, items: {"Fn::Join": [s, items]}, st.one_of(word, child), st.lists(child, max_size=3)),
        st.builds(lambda s, names: {"Fn::Sub": [s, names] if names else s}, st.one_of(word, text),
                  st.dictionaries(word, child, max_size=2)),
        st.builds(lambda name: {"Ref": name}, st.one_of(word, child)),
        st.builds(lambda a, b: {"Fn::GetAtt": [a, b]}, word, st.one_of(word, child)),
        st.builds(lambda v: {"Fn::ImportValue": v}, child),
        st.builds(lambda i, v: {"Fn::Select": [i, v]}, st.one_of(st.integers(-2, 5), child), child),
        st.builds(lambda v: {"Fn::FindInMap": v}, st.lists(child, max_size=4)),
        st.builds(lambda v: {"Condition": v}, child),
    )  # fmt: skip


value = st.recursive(scalar, lambda child: st.one_of(st.lists(child, max_size=4), st.dictionaries(
    st.one_of(word, text), child, max_size=4), intrinsic(child)), max_leaves=12)  # fmt: skip


# The checks.


@dataclass
class Checked:
    workspace: object
    report: object
    exit_code: int
    summary: dict


def write(folder: Path, files: dict[str, bytes | str], *, control: bool = True) -> None:
    for name, content in {**files, **({CONTROL: GOOD_WORKFLOW} if control else {})}.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())


def line_count(data: bytes) -> int:
    """How many lines a file has, counting every line break a YAML, JSON or HCL reader may count."""
    return 1 + sum(
        data.count(b) for b in (b"\n", b"\r", "\x85".encode(), "\u2028".encode(), "\u2029".encode())
    )


def run_main(argv: list[str]) -> tuple[int, str, str]:
    """main(argv) in this process, its output captured, without pipelint's cache: every input is read (not
    replayed from an earlier example), and nothing is written to the user's cache folder."""
    out, err = io.StringIO(), io.StringIO()
    before = os.environ.get("PIPELINT_NO_CACHE")
    os.environ["PIPELINT_NO_CACHE"] = "1"
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        if before is None:
            del os.environ["PIPELINT_NO_CACHE"]
        else:
            os.environ["PIPELINT_NO_CACHE"] = before
    return code, out.getvalue(), err.getvalue()


def check(folder: Path, *, control: bool = True, cli: bool = True) -> Checked:
    """Load, lint and run the command line over `folder`; assert what must hold for any input whatever."""
    files = {
        os.path.normpath(os.path.join(d, n)): Path(d, n).read_bytes()
        for d, _, ns in os.walk(folder)
        for n in ns
    }
    workspace = load_workspace([str(folder)])
    for problem in workspace.problems:
        assert problem.file in files, f"a problem about a file that is not an input: {problem}"
        assert "internal error" not in problem.message, problem
        if problem.message.startswith(PARSE_ERRORS):
            assert problem.line is not None, f"a parse error without a line: {problem}"
        if problem.line is not None:
            assert 1 <= problem.line <= line_count(files[problem.file]), problem
            assert problem.column is None or problem.column >= 1, problem
    if control:
        assert any(p.title == CONTROL for p in workspace.pipelines), "a bad file hid the other files"
        assert not [p for p in workspace.problems if p.file.endswith(CONTROL)]
    report = lint(workspace)
    crashed = [f"{f.code} {f.pipeline}: {f.message}" for f in report.findings if f.code == "PL001"]
    assert not crashed, f"a rule failed on this input: {crashed}"
    for finding in report.findings:
        if finding.location is not None:
            assert finding.location.file in files, finding
            assert 1 <= finding.location.line <= line_count(files[finding.location.file]), finding
    exit_code = report.exit_code
    if cli:
        with tempfile.TemporaryDirectory() as out:
            exit_code, stdout, stderr = run_main(
                ["lint", str(folder), "-f", "json", "-o", os.path.join(out, "r.json")]
            )
            assert "internal error" not in stderr and "Traceback" not in stdout + stderr, stderr
            assert exit_code in (0, 1, 2)
            assert exit_code == report.exit_code, (exit_code, report.exit_code, stderr)
            written = json.loads(Path(out, "r.json").read_text(encoding="utf-8"))
            assert (written["exit_code"], len(written["problems"])) == (exit_code, len(report.problems))
    return Checked(workspace, report, exit_code, summary(workspace, report, folder))


def summary(workspace, report, root: Path) -> dict:
    """What a run found, with paths relative to `root`, and without the control workflow (the exit code is the
    whole run's)."""

    def rel(file: str) -> str:
        return os.path.relpath(file, root) if os.path.isabs(file) or file.startswith(str(root)) else file

    def place(finding) -> tuple[str, int]:
        return (rel(finding.location.file), finding.location.line) if finding.location else ("", 0)

    return {
        "pipelines": sorted((p.title, p.format.value, len(p.stages)) for p in workspace.pipelines if p.title != CONTROL),
        "problems": sorted((rel(p.file), p.line or 0, p.column or 0, p.message) for p in workspace.problems),
        "findings": sorted((f.code, *place(f), f.message) for f in report.findings if f.pipeline != CONTROL),
        "exit_code": report.exit_code,
    }  # fmt: skip


@cache
def baseline(seed_name: str) -> dict:
    """The summary of an unchanged seed, written by the same harness as the mutated ones."""
    seed = SEEDS[seed_name]
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), seed.files)
        return check(Path(tmp)).summary


# pipelint in a subprocess: its exit code, output, time and peak memory, optionally kept off the network.

# VmHWM is this process image's own peak RSS. ru_maxrss is not: Linux carries the parent's peak across fork and
# exec, so a child of a 500 MB pytest worker reports 500 MB whatever it does itself. The worker processes a
# parallel lint starts are the process's own children: RUSAGE_CHILDREN gives the largest one's peak.
REPORT_PEAK = f"""
import resource
try:
    with open("/proc/self/status") as status:
        _peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    _peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
_workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stderr.write("\\n{RSS_MARK}%d %d\\n" % (_peak, _workers))
"""
_WRAPPER = """\
import runpy, sys
sys.argv = ["pipelint", *sys.argv[1:]]
try:
    runpy.run_module("checker", run_name="__main__", alter_sys=True)
finally:
""" + "".join(f"    {line}\n" for line in REPORT_PEAK.strip().splitlines())
_GUARD = f"""\
# Installed at interpreter start (sitecustomize): every later import, and every Python process this one starts
# with the same environment, runs under it.
import os, sys

def _pipelint_network_guard(event, args):
    if event.startswith("socket."):
        try:
            shown = repr(args)[:300]
        except Exception:
            shown = "?"
        os.write(2, ("\\npipelint-fuzz: network use: %s %s\\n" % (event, shown)).encode("utf-8", "replace"))
        os._exit({NETWORK_EXIT})

sys.addaudithook(_pipelint_network_guard)
"""


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mib: float | None  # its own peak RSS; None when the process ended before it could say
    workers_peak_mib: float | None  # the largest peak of the processes it started and waited for


def python(code: str, *args: str, network_guard: bool = False, cwd: Path = ROOT, timeout: float = 120) -> Ran:
    """`python -c code args...` with the project importable; with `network_guard`, any socket.* audit event
    ends the process at once with NETWORK_EXIT, naming the event on stderr."""
    with tempfile.TemporaryDirectory() as guard_dir:
        path = [str(ROOT)]
        if network_guard:
            Path(guard_dir, "sitecustomize.py").write_text(_GUARD, encoding="utf-8")
            path.insert(0, guard_dir)
        # a cold cache of its own: pipelint reads every file, and fills nothing outside the test
        cache = os.path.join(guard_dir, "cache")
        env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": os.pathsep.join(path), "PIPELINT_CACHE_DIR": cache}
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True,
                                text=True, timeout=timeout, check=False)  # fmt: skip
    peak = re.search(re.escape(RSS_MARK) + r"(\d+) (\d+)", result.stderr)
    own, workers = (int(peak.group(1)) / 1024, int(peak.group(2)) / 1024) if peak else (None, None)
    return Ran(result.returncode, result.stdout, result.stderr, time.perf_counter() - started, own, workers)


def pipelint(*args: str, **options) -> Ran:
    """`python -m checker args...` in a subprocess that reports its own peak RSS (RUSAGE_SELF, so pytest-xdist
    workers running other children do not count)."""
    return python(_WRAPPER, *args, **options)


def lint_args(*paths: str, output: str = "-", jobs: int | None = None) -> list[str]:
    """The arguments of `pipelint lint PATHS -f json -o OUTPUT`. `jobs` adds `--jobs N` (parallel linting, being
    added in another change: pass it only once the flag exists). The network guard is installed through
    sitecustomize, so worker processes a parallel lint starts are guarded as well."""
    return ["lint", *paths, "-f", "json", "-o", output, *(["--jobs", str(jobs)] if jobs is not None else [])]
