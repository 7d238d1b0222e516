import pytest

from checker.sources.errors import LoadError
from checker.sources.yamldoc import MAX_DEPTH, parse_yaml


def test_scalars_follow_the_yaml_1_2_core_schema():
    doc = parse_yaml(
        "on: push\nversion: 2010-09-09\nflag: yes\nbool: true\nnull1: ~\nint: 42\nneg: -3\nfloat: 1.5\n"
        "account: 012345678901\nquoted: '1'\nhex: 0x1f\nempty:\n"
    )
    assert doc.value == {
        "on": "push", "version": "2010-09-09", "flag": "yes", "bool": True, "null1": None, "int": 42, "neg": -3,
        "float": 1.5, "account": "012345678901", "quoted": "1", "hex": 31, "empty": None,
    }  # fmt: skip


def test_short_intrinsic_tags_become_long_form():
    doc = parse_yaml(
        "a: !Ref Env\nb: !GetAtt Role.Arn\nc: !GetAtt [Stack, Outputs.Name]\nd: !If [IsProd, x, !Ref AWS::NoValue]\n"
        "e: !Sub 'arn:${AWS::Partition}'\nf: !Condition IsProd\ng: !ImportValue Shared\n"
    )
    assert doc.value == {
        "a": {"Ref": "Env"},
        "b": {"Fn::GetAtt": ["Role", "Arn"]},
        "c": {"Fn::GetAtt": ["Stack", "Outputs.Name"]},
        "d": {"Fn::If": ["IsProd", "x", {"Ref": "AWS::NoValue"}]},
        "e": {"Fn::Sub": "arn:${AWS::Partition}"},
        "f": {"Condition": "IsProd"},
        "g": {"Fn::ImportValue": "Shared"},
    }
    assert doc.unknown_tags == []


def test_unknown_tags_are_reported_with_their_position():
    doc = parse_yaml("a: 1\nb: !Bogus value\n")
    assert doc.value == {"a": 1, "b": "value"}
    assert [(t.tag, t.line, t.column) for t in doc.unknown_tags] == [("!Bogus", 2, 4)]


def test_duplicate_keys_are_reported_and_the_last_one_kept():
    doc = parse_yaml("Resources:\n  LogGroup: {Type: A}\n  Other: {Type: B}\n  LogGroup: {Type: C}\n")
    assert doc.value["Resources"]["LogGroup"] == {"Type": "C"}
    assert [(d.key, d.first_line, d.line, d.column) for d in doc.duplicates] == [("LogGroup", 2, 4, 3)]


def test_merge_keys_and_aliases():
    doc = parse_yaml("base: &b {x: 1, y: 2}\njob:\n  <<: *b\n  y: 3\nlist: [*b]\n")
    assert doc.value["job"] == {"x": 1, "y": 3}
    assert doc.value["list"] == [{"x": 1, "y": 2}]


def test_an_alias_bomb_is_refused_with_its_line():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghij":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    with pytest.raises(LoadError, match="alias bomb") as error:
        parse_yaml("\n".join(lines) + "\n")
    assert error.value.line is not None


@pytest.mark.parametrize(
    "text",
    [
        "[" * 20000 + "]" * 20000,
        "".join(" " * i + "a:\n" for i in range(400)) + " " * 400 + "b",
        "- " * 20000 + "x\n",
    ],
    ids=["flow", "block", "compact"],
)
def test_deep_nesting_is_refused_without_crashing(text):
    # our limit, or libyaml's own where the bundled libyaml has one (0.2.6 stops flow nesting at 1000)
    with pytest.raises(LoadError, match=f"nests deeper than ({MAX_DEPTH} levels|the YAML parser allows)"):
        parse_yaml(text)


def test_invalid_yaml_says_where():
    with pytest.raises(LoadError) as error:
        parse_yaml("a: [1, 2\nb: 3\n")
    assert error.value.message.startswith("invalid YAML")
    assert error.value.line == 2


def test_only_the_first_document_is_read_and_more_are_noted():
    doc = parse_yaml("a: 1\n---\nb: 2\n")
    assert doc.value == {"a": 1}
    assert doc.extra_documents


def test_a_recursive_alias_is_named():
    with pytest.raises(LoadError, match="recursive structure"):
        parse_yaml("a: &a [1, *a]\n")


def test_a_tab_is_called_a_tab():
    with pytest.raises(LoadError, match="TAB character") as error:
        parse_yaml("a:\n\tb: 1\n")
    assert error.value.line == 2


def test_python_object_tags_are_unknown_tags():
    doc = parse_yaml("a: !!python/object:os.system x\n")
    assert [t.tag for t in doc.unknown_tags] == ["!!python/object:os.system"]


def test_huge_plain_numbers_stay_text():
    doc = parse_yaml("a: " + "9" * 5000 + "\n")
    assert doc.value["a"] == "9" * 5000
