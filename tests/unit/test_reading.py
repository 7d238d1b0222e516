import pytest

from checker.sources.document import open_document, parse_text
from checker.sources.errors import LoadError
from checker.sources.jsondoc import parse_json


def test_json_duplicates_are_found_with_lines():
    doc = parse_text("x.json", '{\n  "a": 1,\n  "b": {"c": 1,\n        "c": 2}\n}\n')
    assert doc.value == {"a": 1, "b": {"c": 2}}
    assert [(d.key, d.first_line, d.line, d.column) for d in doc.duplicates] == [("c", 3, 4, 9)]


def test_truncated_json_says_where():
    with pytest.raises(LoadError) as error:
        parse_text("x.json", '{"pipeline": {"name": "a",\n  "stages": [')
    assert error.value.message.startswith("invalid JSON")
    assert error.value.line == 2


def test_deep_json_is_refused():
    with pytest.raises(LoadError, match="deeper than"):
        parse_json("[" * 10000 + "]" * 10000)


def test_brackets_inside_json_strings_do_not_count_as_nesting():
    value, _ = parse_json('{"a": "' + "[" * 5000 + '"}')
    assert value == {"a": "[" * 5000}


def test_unrendered_jinja_is_named():
    with pytest.raises(LoadError, match="unrendered template") as error:
        parse_text("t.yaml", "Resources:\n{% if x %}\n  A: {Type: B}\n{% endif %}\n")
    assert error.value.line == 2


def test_github_expressions_and_dynamic_references_are_not_template_directives():
    doc = parse_text("t.yaml", "a: ${{ github.sha }}\nb: '{{resolve:secretsmanager:x:SecretString}}'\n")
    assert doc.value == {"a": "${{ github.sha }}", "b": "{{resolve:secretsmanager:x:SecretString}}"}


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", None),
        (b"\x00\x01\x02binary", "binary"),
        (b"a: \xff\xfe bad\n", "not valid UTF-8"),
        (b"\xff\xfeu\x00", "UTF-16"),
    ],
)
def test_files_that_are_not_text(tmp_path, data, message):
    path = tmp_path / "f.yaml"
    path.write_bytes(data)
    if message is None:
        assert open_document(str(path)).value is None
    else:
        with pytest.raises(LoadError, match=message):
            open_document(str(path))


def test_invalid_utf8_gives_the_line(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a: 1\nb: 2\nc: \xc3\x28\n")
    with pytest.raises(LoadError) as error:
        open_document(str(path))
    assert (error.value.line, error.value.column) == (3, 4)


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b"{}" + b" " * 2000)
    with pytest.raises(LoadError, match="larger than"):
        open_document(str(path), max_bytes=1000)


def test_percent_formats_in_commands_are_not_jinja():
    doc = parse_text("t.yaml", "Commands:\n  - printf '{%s}\\n' \"$X\"\n  - echo '{% not a tag'\n")
    assert doc.value["Commands"][0] == "printf '{%s}\\n' \"$X\""


def test_nan_in_json_is_refused_with_its_line():
    with pytest.raises(LoadError, match="NaN is not a JSON value") as error:
        parse_text("x.json", '{\n  "a": 1,\n  "b": NaN\n}')
    assert error.value.line == 3
