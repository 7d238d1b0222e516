"""Policy packs, mutated (the shipped packs and a user's pack) and generated: load_policy either returns a Policy
or raises PolicyError naming the pack (or a framework file it names) and a line inside it; nothing else escapes.
A pack that loads lints the samples without a rule failing, and the command line agrees with the API; one that
does not load makes the command line exit 2 with the message, never an internal error."""

from __future__ import annotations

import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from checker.api import lint
from checker.load import load_workspace
from checker.policy.load import PolicyError, load_policy
from tests.conftest import ROOT, SAMPLES
from tests.fuzz.support import PARSE_ERRORS, line_count, mutations, run_main, text, value, word

POLICIES = ROOT / "policies"
SAMPLE_FILES = [str(SAMPLES / "01-compliant-three-accounts" / "codepipeline.json"),
                str(SAMPLES / "07-ci-workflows" / "github" / "release.yml")]  # fmt: skip
USERS_PACK = b"""\
version: 1
name: payments
description: Our accounts and names, with strict severities.
extends: strict
environments:
  prod: {accounts: ["333333333333"], names: ["(?i)prod|live"]}
  staging: {names: ["(?i)stag|uat"]}
protected_environments: [production]
rules:
  select: [PL1, PL2, PL3]
  ignore: [PL402]
  severity: {PL102: medium}
  settings: {PL304: {min_wait_minutes: 90}, PL108: {factor: 2}}
exemptions:
  - {rule: PL101, pipeline: legacy-batch, reason: "change board approves outside the pipeline", owner: team-payments,
     expires: 2099-06-30}
frameworks: [frameworks/soc2.yaml]
"""
PACKS = {"default": (POLICIES / "default.yaml").read_bytes(), "strict": (POLICIES / "strict.yaml").read_bytes(),
         "users": USERS_PACK}  # fmt: skip


@cache
def samples():
    return load_workspace(SAMPLE_FILES)


def check_pack(folder: Path, content: bytes) -> object | None:
    """The Policy the pack gives, or None when it is refused as it must be: with a PolicyError that says where."""
    shutil.copytree(POLICIES / "frameworks", folder / "frameworks")
    path = str(folder / "pack.yaml")
    Path(path).write_bytes(content)
    try:
        policy = load_policy(path)
    except PolicyError as error:
        for each in (error, *error.more):
            assert each.message and str(each), each
            # the pack, or a pack or framework file it names (`extends: /etc/hostname` is read as a pack)
            assert each.file is not None and (
                each.file.startswith(str(folder)) or os.path.isfile(each.file)
            ), str(each)
            if each.message.startswith(PARSE_ERRORS):
                assert each.line is not None, f"a parse error without a line: {each}"
            if each.line is not None and os.path.isfile(each.file):
                assert 1 <= each.line <= line_count(Path(each.file).read_bytes()), str(each)
        code, _, err = run_main(["lint", *SAMPLE_FILES, "--policy", path, "-f", "json", "-o", os.devnull])
        assert code == 2 and err.startswith("pipelint: ") and "internal error" not in err, err
        assert error.message in err
        return None
    report = lint(samples(), policy=policy)
    crashed = [f"{f.code} {f.pipeline}: {f.message}" for f in report.findings if f.code == "PL001"]
    assert not crashed, f"a rule failed with this policy: {crashed}"
    code, _, err = run_main(["lint", *SAMPLE_FILES, "--policy", path, "-f", "json", "-o", os.devnull])
    assert code == report.exit_code and "internal error" not in err, (code, report.exit_code, err)
    code, _, err = run_main(["show", *SAMPLE_FILES, "--policy", path])
    assert code == 0 and "internal error" not in err, err
    return policy


@pytest.mark.parametrize("name", sorted(PACKS))
def test_an_unchanged_pack_loads_as_written(name):
    with tempfile.TemporaryDirectory() as tmp:
        policy = check_pack(Path(tmp), PACKS[name])
    assert policy is not None
    if name == "users":
        assert (policy.name, policy.select, policy.ignore) == ("payments", ("PL1", "PL2", "PL3"), ("PL402",))
        assert policy.settings["PL304"]["min_wait_minutes"] == 90 and [f.id for f in policy.frameworks] == [
            "soc2"
        ]
    else:
        shipped = load_policy(name)
        assert (policy.select, policy.severity, policy.settings) == (
            shipped.select,
            shipped.severity,
            shipped.settings,
        )


@pytest.mark.parametrize("name", sorted(PACKS))
@given(data=st.data())
def test_a_mutated_pack_loads_or_is_refused_with_its_place(name, data):
    content = data.draw(mutations(PACKS[name], "yaml"), label="mutated")
    with tempfile.TemporaryDirectory() as tmp:
        check_pack(Path(tmp), content)


codes = st.sampled_from(("PL", "PL1", "PL101", "PL304", "PL999", "PL10", "XX100", "pl101", "", "PL1O1",
                         "prod-deploy-without-approval"))  # fmt: skip
severities = st.one_of(
    st.sampled_from(("info", "low", "medium", "high", "critical", "HIGH", "urgent", "")), value
)
patterns = st.one_of(
    st.sampled_from(("(?i)prod", "(", "(a+)+$", "[", "\\", "stag|uat", "", "(?P<x>a)(?P=y)")), text
)
settings = st.dictionaries(st.sampled_from(("min_wait_minutes", "factor", "max_deploys", "bogus")),
                           st.one_of(st.integers(-(10**20), 10**20), st.floats(), value), max_size=2)  # fmt: skip


def shaped(required: dict, optional: dict) -> st.SearchStrategy:
    """The pack's shape, with anything in a value now and then."""

    def loose(strategy: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(strategy, strategy, strategy, value)

    return st.fixed_dictionaries({k: loose(v) for k, v in required.items()},
                                 optional={k: loose(v) for k, v in optional.items()})  # fmt: skip


pack = shaped({"version": st.sampled_from((1, 2, "1", None))}, {
    "name": word, "description": text,
    "extends": st.sampled_from(("default", "strict", "missing", "pack.yaml", "../pack.yaml", "/etc/hostname",
                                "frameworks/soc2.yaml")),
    "environments": st.dictionaries(st.sampled_from(("prod", "staging", "test", "dev", "unknown", "qa")), shaped({}, {
        "accounts": st.lists(st.sampled_from(("333333333333", "111111111111", "1", "abc", 3)), max_size=3),
        "names": st.lists(patterns, max_size=3)}), max_size=3),
    "protected_environments": st.lists(word, max_size=3),
    "rules": shaped({}, {"select": st.lists(codes, max_size=3), "ignore": st.lists(codes, max_size=3),
                         "severity": st.dictionaries(codes, severities, max_size=3),
                         "settings": st.dictionaries(codes, settings, max_size=2)}),
    "exemptions": st.lists(shaped({}, {"rule": codes, "pipeline": word, "reason": text, "owner": word, "file": word,
                                       "expires": st.sampled_from(("2099-06-30", "2020-01-01", "2023-02-30", "tomorrow",
                                                                   20990630))}), max_size=2),
    "frameworks": st.lists(st.sampled_from(("frameworks/soc2.yaml", "frameworks/missing.yaml", "pack.yaml",
                                            "frameworks/aws-dpra.yaml", "/etc/hostname")), max_size=3),
})  # fmt: skip


@given(data=pack, flow=st.sampled_from((False, None)))
def test_a_generated_pack_loads_or_is_refused_with_its_place(data, flow):
    with tempfile.TemporaryDirectory() as tmp:
        check_pack(
            Path(tmp),
            yaml.safe_dump(data, allow_unicode=True, default_flow_style=flow, sort_keys=False).encode(),
        )
