"""Policy packs: the shipped packs and framework files are valid, and every kind of mistake in a user's pack is
reported at its exact key path and line."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from checker.analysis.environment import Tier
from checker.model import Severity, SourceRef
from checker.policy.load import PolicyError, load_framework, load_policy, packs_dir, shipped_path
from checker.policy.schema import schema
from checker.rules.base import Rule
from checker.rules.registry import catalog

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"

# The rule set as DESIGN.md documents it: code → (name, severity, options). While the rules are being written
# the catalog is partial; the fixture below stands in a fake rule for each code it lacks.
KNOWN = {
    "PL101": ("prod-deploy-without-approval", "high", {}),
    "PL102": ("approval-without-notification", "low", {}),
    "PL103": ("approval-before-verification", "medium", {}),
    "PL104": ("prod-without-staging", "high", {}),
    "PL105": ("untested-promotion", "medium", {}),
    "PL106": ("artifact-rebuilt-for-prod", "medium", {}),
    "PL107": ("first-deploy-fans-out", "low", {"max_deploys": 1}),
    "PL108": ("region-fanout-too-fast", "low", {"factor": 3}),
    "PL201": ("prod-shares-account-with-nonprod", "high", {}),
    "PL202": ("prod-deploy-in-pipeline-account", "high", {}),
    "PL203": ("cross-account-artifacts-without-cmk", "high", {}),
    "PL301": ("prod-deploy-without-rollback", "high", {}),
    "PL302": ("rollback-without-alarms", "medium", {}),
    "PL303": ("destructive-prod-stack-action", "high", {}),
    "PL304": ("blue-fleet-terminated-immediately", "low", {"min_wait_minutes": 60}),
    "PL401": ("all-at-once-prod-deploy", "high", {}),
    "PL402": ("rolling-prod-deploy", "low", {}),
    "PL501": ("unreviewed-prod-stack-change", "info", {}),
    "PL502": ("plaintext-secret-in-pipeline", "high", {}),
}


def fake_rule(code: str, name: str, severity: str, options: dict[str, object]) -> type[Rule]:
    doc = f"""A stand-in for {code}.

    ## Why is this bad?
    -

    ## Example
    -

    ## Use instead
    -
    """
    namespace = {
        "__doc__": doc,
        "code": code,
        "name": name,
        "severity": Severity(severity),
        "options": options,
    }
    return type(f"Fake{code}", (Rule,), namespace)


@pytest.fixture(scope="module")
def rules() -> tuple[type[Rule], ...]:
    """The real catalog, completed with fakes for documented rules it does not have yet."""
    real = catalog()
    present = {rule.code for rule in real}
    fakes = [fake_rule(code, *spec) for code, spec in KNOWN.items() if code not in present]
    return (*real, *fakes)


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return str(path)


def error_of(tmp_path: Path, text: str, rules: object) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load_policy(write(tmp_path, text), rules=rules)
    return caught.value


# The shipped packs and frameworks.


def test_the_schemas_are_valid_draft_2020_12() -> None:
    from jsonschema import Draft202012Validator

    for kind in ("policy", "framework"):
        Draft202012Validator.check_schema(schema(kind))


@pytest.mark.parametrize("name", ["default", "strict"])
def test_shipped_packs_pass_both_layers_when_loaded_as_files(name: str, rules: object) -> None:
    # Loaded by path, a shipped pack is checked like a user's (by name, it is trusted and not checked).
    checked = load_policy(str(POLICIES / f"{name}.yaml"), rules=rules)
    trusted = load_policy(name if name != "default" else None)
    for field in ("select", "ignore", "severity", "settings", "environments"):
        assert getattr(checked, field) == getattr(trusted, field), field
    assert [f.id for f in checked.frameworks] == [f.id for f in trusted.frameworks]


@pytest.mark.parametrize("file", sorted((POLICIES / "frameworks").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_framework_file_is_valid_and_maps_documented_rules(file: Path, rules: object) -> None:
    framework = load_framework(str(file), rules=rules)
    assert framework.suggested is True
    header = file.read_text(encoding="utf-8").split("\nid:")[0]
    assert header.startswith("# Suggested mapping") and "not an auditor's opinion" in " ".join(
        header.replace("#", "").split()
    )
    for control in framework.controls:
        # Checked against the documented list too, so that a fake stand-in cannot hide a typo.
        assert set(control.rules) <= set(KNOWN), (control.id, control.rules)


def test_the_default_pack_uses_every_framework_and_maps_every_rule() -> None:
    policy = load_policy(None)
    files = sorted(p.name for p in (POLICIES / "frameworks").glob("*.yaml"))
    assert sorted(Path(f.file).name for f in policy.frameworks) == files
    mapped = {code for f in policy.frameworks for c in f.controls for code in c.rules}
    assert mapped == set(KNOWN)


def test_the_default_pack_writes_the_documented_severities_and_settings() -> None:
    policy = load_policy(None)
    assert policy.name == "default" and policy.file is None and policy.select == ("PL",)
    assert policy.environments.accounts == () and policy.environments.patterns == ()
    assert {code: s.value for code, s in policy.severity.items()} == {c: spec[1] for c, spec in KNOWN.items()}
    assert {code: dict(v) for code, v in policy.settings.items()} == {
        c: s[2] for c, s in KNOWN.items() if s[2]
    }
    for rule in catalog():  # the rules written so far agree with the pack (and so with DESIGN.md)
        if rule.code in KNOWN:
            assert policy.severity_of(rule.code, Severity.INFO) is rule.severity, rule.code
            assert policy.options_for(rule.code, rule.options) == dict(rule.options), rule.code


def test_strict_extends_default_and_raises_severities() -> None:
    strict, default = load_policy("strict"), load_policy(None)
    assert strict.name == "strict"
    assert strict.severity["PL501"] is Severity.MEDIUM and strict.severity["PL105"] is Severity.HIGH
    assert strict.severity["PL101"] is Severity.HIGH  # inherited
    assert strict.settings["PL304"] == {"min_wait_minutes": 120}
    assert strict.settings["PL108"] == {"factor": 3}
    assert strict.frameworks == default.frameworks
    for code, severity in default.severity.items():
        assert strict.severity[code] >= severity


def test_the_shipped_packs_are_found_and_the_default_loads_without_jsonschema() -> None:
    assert Path(shipped_path("default")).is_file() and Path(packs_dir()).name == "policies"
    code = (
        "import sys; from checker.policy.load import load_policy; load_policy(None); load_policy('strict'); "
        "print(sorted(m for m in ('jsonschema', 'checker.rules.registry') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert out.stdout.strip() == "[]"


# A user's pack: what it becomes.


def test_a_pack_builds_the_policy_it_says(tmp_path: Path, rules: object) -> None:
    framework = "id: mine\nname: Mine\nsuggested: false\ncontrols: [{id: C1, title: T, rules: [PL101]}]\n"
    write(tmp_path, framework, "fw/mine.yaml")
    file = write(
        tmp_path,
        """
        version: 1
        name: payments
        environments:
          staging: {names: ["(?i)preprod"], accounts: ["222222222222"]}
          prod: {accounts: ["111111111111"], names: ["(?i)prod"]}
        rules:
          select: [PL1, PL2]
          ignore: [PL102]
          severity: {PL104: critical}
          settings: {PL304: {min_wait_minutes: 90}}
        exemptions:
          - {rule: PL101, pipeline: legacy-*, reason: change board, owner: team-a, expires: 2027-06-30}
          - {rule: PL104, pipeline: batch, reason: one env, owner: team-b, file: "infra/*.yaml"}
        frameworks: [fw/mine.yaml]
        """,
    )
    policy = load_policy(file, rules=rules)
    assert policy.name == "payments" and policy.file == file
    assert policy.environments.accounts == (("222222222222", Tier.STAGING), ("111111111111", Tier.PROD))
    patterns = [(p.pattern, t) for p, t in policy.environments.patterns]
    assert patterns == [("(?i)preprod", Tier.STAGING), ("(?i)prod", Tier.PROD)]
    assert policy.selects("PL101") and not policy.selects("PL102") and not policy.selects("PL301")
    assert policy.severity_of("PL104", Severity.HIGH) is Severity.CRITICAL
    assert policy.options_for("PL304", {"min_wait_minutes": 60}) == {"min_wait_minutes": 90}
    first, second = policy.exemptions
    assert first.expires == datetime.date(2027, 6, 30) and first.ref == SourceRef(file, ("exemptions", 0))
    assert first.matches("PL101", "legacy-batch", "x.yaml") and second.expires is None
    assert second.file == "infra/*.yaml"
    (framework,) = policy.frameworks
    assert (framework.id, framework.suggested, framework.controls[0].rules) == ("mine", False, ("PL101",))


def test_extends_merges_with_the_child_winning(tmp_path: Path, rules: object) -> None:
    base = """
        version: 1
        environments: {prod: {accounts: ["111111111111"]}}
        rules: {ignore: [PL402], severity: {PL102: medium}, settings: {PL108: {factor: 4}}}
        exemptions: [{rule: PL101, pipeline: a, reason: r, owner: o}]
        """
    child_text = """
        version: 1
        extends: base.yaml
        environments: {staging: {accounts: ["111111111111"]}}
        rules: {severity: {PL101: critical}, settings: {PL304: {min_wait_minutes: 5}}}
        exemptions: [{rule: PL102, pipeline: b, reason: r, owner: o}]
        """
    write(tmp_path, base, "base.yaml")
    child = write(tmp_path, child_text, "child.yaml")
    policy = load_policy(child, rules=rules)
    assert policy.environments.accounts[0] == ("111111111111", Tier.STAGING)  # the child's map is read first
    assert policy.ignore == ("PL402",) and policy.select == ("PL",)
    assert policy.severity == {"PL102": Severity.MEDIUM, "PL101": Severity.CRITICAL}
    assert policy.settings == {"PL108": {"factor": 4}, "PL304": {"min_wait_minutes": 5}}
    assert [e.ref.file for e in policy.exemptions] == [str(tmp_path / "base.yaml"), child]
    shipped = load_policy(write(tmp_path, "version: 1\nextends: strict\n"), rules=rules)
    assert shipped.severity["PL501"] is Severity.MEDIUM and len(shipped.frameworks) == 6


def test_an_extends_cycle_is_an_error(tmp_path: Path, rules: object) -> None:
    write(tmp_path, "version: 1\nextends: b.yaml\n", "a.yaml")
    write(tmp_path, "version: 1\nextends: a.yaml\n", "b.yaml")
    with pytest.raises(PolicyError) as caught:
        load_policy(str(tmp_path / "a.yaml"), rules=rules)
    assert (caught.value.path, caught.value.line, caught.value.file) == (
        "extends",
        2,
        str(tmp_path / "b.yaml"),
    )


# A user's pack: every mistake at its key and line.


def test_the_error_text_has_file_line_column_path_and_message() -> None:
    error = PolicyError("unknown rule code 'PL999'", file="p.yaml", path="rules.select[1]", line=4, column=5)
    assert str(error) == "p.yaml:4:5: rules.select[1]: unknown rule code 'PL999'"
    assert str(PolicyError("is a directory", file="p.yaml")) == "p.yaml: is a directory"


def test_bad_yaml(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "version: 1\nrules:\n  select: [PL1\n", rules)
    assert error.file.endswith("pack.yaml") and error.line == 4 and error.path is None
    assert "invalid YAML" in error.message


def test_a_file_that_is_not_a_mapping(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "- version: 1\n", rules)
    assert (error.path, error.line) == (None, 1) and "mapping" in error.message
    assert "empty" in error_of(tmp_path, "# nothing\n", rules).message


def test_missing_version(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "name: x\nrules: {select: [PL1]}\n", rules)
    assert (error.path, error.line) == (None, 1)
    assert error.message == "the required key 'version' is missing at the top of the file"


def test_a_wrong_version(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "name: x\nversion: 2\n", rules)
    assert (error.path, error.line, error.column) == ("version", 2, 1)
    assert error.message == "the policy pack format version must be 1, not 2"


def test_unknown_top_level_key(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "version: 1\nrulez: {}\n", rules)
    assert (error.path, error.line, error.column) == ("rulez", 2, 1)
    assert error.message.startswith(
        "unknown key 'rulez'; did you mean 'rules'? (allowed here: version, name,"
    )


def test_unknown_key_in_a_tier(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "version: 1\nenvironments:\n  production: {}\n", rules)
    assert (error.path, error.line) == ("environments.production", 3)
    assert "allowed here: prod, staging, test, dev" in error.message


def test_unknown_rule_code_in_select(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "version: 1\nrules:\n  select:\n    - PL1\n    - PL999\n", rules)
    assert (error.path, error.line, error.column) == ("rules.select[1]", 5, 7)
    assert error.message == "unknown rule code 'PL999'"
    prefix = error_of(tmp_path, "version: 1\nrules:\n  ignore: [PL9]\n", rules)
    assert (prefix.path, prefix.line, prefix.message) == (
        "rules.ignore[0]",
        3,
        "no rule code starts with 'PL9'",
    )


def test_unknown_rule_code_in_severity_suggests_close_codes(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "version: 1\nrules:\n  severity:\n    PL101: high\n    PL191: low\n", rules)
    assert (error.path, error.line) == ("rules.severity.PL191", 5)
    assert error.message.startswith("unknown rule code 'PL191'; did you mean PL101")


def test_unknown_rule_code_in_an_exemption(tmp_path: Path, rules: object) -> None:
    text = """
        version: 1
        exemptions:
          - rule: PL10l
            pipeline: legacy
            reason: r
            owner: o
        """
    error = error_of(tmp_path, text, rules)
    assert (error.path, error.line) == ("exemptions[0].rule", 3)
    assert error.message.startswith("unknown rule code 'PL10l'; did you mean PL10")


def test_a_rule_name_or_lower_case_code_gets_a_hint(tmp_path: Path, rules: object) -> None:
    name = error_of(tmp_path, "version: 1\nrules: {ignore: [prod-deploy-without-approval]}\n", rules)
    assert (
        name.message
        == "'prod-deploy-without-approval' is the name of rule PL101; policy packs use rule codes"
    )
    lower = error_of(tmp_path, "version: 1\nrules: {select: [pl1]}\n", rules)
    assert (lower.path, lower.message) == ("rules.select[0]", "rule codes are written in capitals: 'PL1'")


def test_several_problems_report_the_first_and_keep_the_others(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "version: 1\nrules:\n  ignore: [PL998]\n  select: [PL999]\n", rules)
    assert (error.path, error.line) == ("rules.ignore[0]", 3)
    assert [(e.path, e.line) for e in error.more] == [("rules.select[0]", 4)]


def test_bad_regex(tmp_path: Path, rules: object) -> None:
    error = error_of(
        tmp_path, 'version: 1\nenvironments:\n  prod:\n    names: ["(?i)prod", "prod(uction"]\n', rules
    )
    assert (error.path, error.line) == ("environments.prod.names[1]", 4)
    assert (
        error.message
        == "invalid regular expression 'prod(uction': missing ), unterminated subpattern at position 4"
    )


def test_select_written_as_a_string(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "version: 1\nrules:\n  select: PL1\n", rules)
    assert (error.path, error.line, error.message) == ("rules.select", 3, "expected a list, not a string")


def test_a_setting_of_the_wrong_type(tmp_path: Path, rules: object) -> None:
    text = "version: 1\nrules:\n  settings:\n    PL304:\n      min_wait_minutes: two hours\n"
    error = error_of(tmp_path, text, rules)
    assert (error.path, error.line) == ("rules.settings.PL304.min_wait_minutes", 5)
    assert error.message == "PL304 min_wait_minutes takes an integer (default 60), not a string"
    boolean = error_of(tmp_path, "version: 1\nrules: {settings: {PL108: {factor: true}}}\n", rules)
    assert boolean.message == "PL108 factor takes an integer (default 3), not true/false"


def test_an_unknown_setting(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "version: 1\nrules: {settings: {PL304: {min_wait: 5}}}\n", rules)
    assert error.path == "rules.settings.PL304.min_wait"
    assert error.message == (
        "PL304 has no setting 'min_wait'; did you mean 'min_wait_minutes'? (its settings: min_wait_minutes)"
    )
    assert (
        error_of(tmp_path, "version: 1\nrules: {settings: {PL101: {x: 1}}}\n", rules).message
        == "PL101 has no settings"
    )


def test_a_bad_severity_word(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "version: 1\nrules:\n  severity:\n    PL101: urgent\n", rules)
    assert (error.path, error.line) == ("rules.severity.PL101", 4)
    assert error.message == "a severity is one of info, low, medium, high, critical, not 'urgent'"


EXEMPTION = """
    version: 1
    exemptions:
      - rule: PL101
        pipeline: legacy
        reason: change board approves outside the pipeline
        owner: team-payments
        expires: {expires}
    """


@pytest.mark.parametrize("written", ["30/06/2027", '"2027-6-30"', "20270630"])
def test_expires_in_the_wrong_format(tmp_path: Path, rules: object, written: str) -> None:
    error = error_of(tmp_path, EXEMPTION.format(expires=written), rules)
    assert (error.path, error.line) == ("exemptions[0].expires", 7)
    assert error.message.startswith("write the date as YYYY-MM-DD, not ")


@pytest.mark.parametrize("written", ["2027-02-30", '"2027-02-30"'])
def test_expires_on_a_day_that_does_not_exist(tmp_path: Path, rules: object, written: str) -> None:
    error = error_of(tmp_path, EXEMPTION.format(expires=written), rules)
    assert (error.path, error.line) == ("exemptions[0].expires", 7)
    assert error.message == "2027-02-30 is not a date on the calendar (day is out of range for month)"


def test_an_exemption_without_a_reason(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "version: 1\nexemptions:\n  - {rule: PL101, pipeline: p, owner: o}\n", rules)
    assert (error.path, error.line) == ("exemptions[0]", 3)
    assert error.message == "the required key 'reason' is missing here"


def test_a_framework_file_that_is_missing(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "version: 1\nframeworks:\n  - frameworks/soc2.yaml\n", rules)
    assert (error.path, error.line) == ("frameworks[0]", 3)
    assert error.message.startswith("framework file 'frameworks/soc2.yaml' not found")


def test_a_framework_file_with_an_unknown_rule(tmp_path: Path, rules: object) -> None:
    text = """
        id: mine
        name: Mine
        suggested: true
        controls:
          - id: C1
            title: A control
            rules: [PL101, PL999]
        """
    framework = write(tmp_path, text, "mine.yaml")
    error = error_of(tmp_path, "version: 1\nframeworks: [mine.yaml]\n", rules)
    assert (error.file, error.path, error.line) == (framework, "controls[0].rules[1]", 7)
    bad_id = "id: Mine!\nname: x\nsuggested: true\ncontrols: [{id: C, title: T, rules: []}]\n"
    bad_shape = write(tmp_path, bad_id, "mine.yaml")
    error = error_of(tmp_path, "version: 1\nframeworks: [mine.yaml]\n", rules)
    assert (error.file, error.path, error.line) == (bad_shape, "id", 1)


def test_an_account_under_two_tiers(tmp_path: Path, rules: object) -> None:
    text = """
        version: 1
        environments:
          prod:
            accounts: ["111111111111"]
          staging:
            accounts: ["222222222222", "111111111111"]
        """
    error = error_of(tmp_path, text, rules)
    assert (error.path, error.line) == ("environments.staging.accounts[1]", 6)
    assert error.message == (
        "account 111111111111 is already under prod (environments.prod.accounts[0]); an account belongs to one environment"
    )


def test_an_account_id_written_as_a_number(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "version: 1\nenvironments:\n  prod: {accounts: [111111111111]}\n", rules)
    assert (error.path, error.line) == ("environments.prod.accounts[0]", 3)
    assert error.message.startswith("an AWS account id is 12 digits")


def test_a_duplicate_key(tmp_path: Path, rules: object) -> None:
    error = error_of(tmp_path, "version: 1\nrules:\n  select: [PL1]\n  ignore: []\n  select: [PL2]\n", rules)
    assert (error.path, error.line, error.column) == ("rules.select", 5, 3)
    assert "written twice" in error.message and "line 3" in error.message


def test_a_pack_that_does_not_exist_names_the_shipped_ones(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(str(tmp_path / "nope.yaml"))
    assert caught.value.file == str(tmp_path / "nope.yaml")
    assert caught.value.message == "no such file, and not the name of a shipped pack (default, strict)"


def test_a_json_pack_works_too(tmp_path: Path, rules: object) -> None:
    file = write(tmp_path, json.dumps({"version": 1, "rules": {"ignore": ["PL5"]}}), "pack.json")
    assert load_policy(file, rules=rules).ignore == ("PL5",)


def test_the_readme_examples_load(tmp_path: Path, rules: object) -> None:
    blocks = (POLICIES / "README.md").read_text(encoding="utf-8").split("```yaml\n")[1:]
    pack, framework = (block.split("```")[0] for block in (blocks[0], blocks[-1]))
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "soc2.yaml").write_text((POLICIES / "frameworks" / "soc2.yaml").read_text())
    (tmp_path / "my-controls.yaml").write_text(framework)
    policy = load_policy(write(tmp_path, pack), rules=rules)
    assert policy.name == "payments" and [f.id for f in policy.frameworks] == ["soc2", "change-board"]
