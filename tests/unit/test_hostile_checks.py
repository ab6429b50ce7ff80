"""The pure checks behind the hostile-input limits: GBNF structure, strict JSON, schema bounds."""

from __future__ import annotations

import json

import pytest

from ggserve.config import parse_settings
from ggserve.engine.gbnf import GbnfError, check_gbnf
from ggserve.json_text import JsonTextError, json_depth, parse_json
from ggserve.limits import DEFAULT_LIMITS, Limits
from ggserve.schema_bounds import SchemaBoundsError, check_schema_bounds

GOOD_GRAMMARS = [
    'root ::= "yes" | "no"',
    'root ::= x # comment\n\nx ::= (\n  "a" |\n  "b"\n)+ [0-9]{2,3}',
    'root ::= [^"\\\\] <[12]> !<think> .',
    'root ::= s\ns ::= "a" s "b" | "x"',
    'root ::= t\nt ::= "a" t ("b" | "c") | "x"',
    'root ::= "a" [^\\x00]? "\\u00e9"',
]
BAD_GRAMMARS = {
    "root ::= " + "(" * 2000 + '"a"' + ")" * 2000: "nesting depth",
    "root ::= [a]{0,2001}": "repetition count 2001",
    "root ::= " + " | ".join(f'"{i}"' for i in range(5000)): "5000 alternatives can start",
    "root ::= []": "matches no character",
    "root ::= [^\\x01-\\U0010FFFF]": "matches no character",
    'root ::= "\\x00"': "matches no character",
    'root ::= "a" root': "matches no finite text",
    'root ::= a\na ::= b "x"\nb ::= a': "matches no finite text",
    'root ::= t\nt ::= "a" t "b" | "a" t "c" | "x"': "start alike and recurse",
    'root ::= "a" (root "b" | root "c") | "x"': "start alike and recurse",
    "root ::= missing": "'missing' is used but never defined",
    'answer ::= "a"': "no `root` rule",
    'root ::= ("a"': "unexpected end",
    "x" * 200_000: "over the limit of 131072",
}


@pytest.mark.parametrize("text", GOOD_GRAMMARS)
def test_good_grammars_pass(text: str) -> None:
    check_gbnf(text, DEFAULT_LIMITS)


@pytest.mark.parametrize("text", list(BAD_GRAMMARS))
def test_bad_grammars_are_refused(text: str) -> None:
    with pytest.raises(GbnfError, match=BAD_GRAMMARS[text].replace("(", "\\(")):
        check_gbnf(text, DEFAULT_LIMITS)


def test_json_depth_ignores_brackets_in_strings() -> None:
    assert json_depth('{"a": "[[[[{{{{", "b": [[1]]}') == 3
    assert json_depth('"\\"[[["') == 0
    assert json_depth("[" * 100) == 100


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("NaN", "NaN is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
        ("[1e400]", "outside the range of a double"),
        ("9" * 400, "digits"),
        ('"\\udfff"', "lone surrogate"),
        ("[" * 65 + "]" * 65, "nesting depth 65 is over the limit of 64"),
        ('"' + "x" * 300_000 + '"', "over the limit of 262144"),
        ("{", "not valid JSON"),
    ],
)
def test_json_text_refused(text: str, message: str) -> None:
    with pytest.raises(JsonTextError, match=message):
        parse_json(text, DEFAULT_LIMITS)


def test_json_text_accepted() -> None:
    assert parse_json('{"a": [1, 2.5, "\\ud83d\\ude00", null]}', DEFAULT_LIMITS) == {
        "a": [1, 2.5, "\U0001f600", None]
    }
    assert parse_json("[" * 64 + "]" * 64, DEFAULT_LIMITS) == json.loads("[" * 64 + "]" * 64)


def test_schema_bounds() -> None:
    check_schema_bounds({"type": "string", "maxLength": 1000}, DEFAULT_LIMITS)
    check_schema_bounds({"enum": [{"maxLength": 10**9}]}, DEFAULT_LIMITS)  # data, not schema
    with pytest.raises(SchemaBoundsError, match=r"items.minItems is 1001"):
        check_schema_bounds({"items": {"minItems": 1001}}, DEFAULT_LIMITS)
    with pytest.raises(SchemaBoundsError, match=r"pattern \{2,5000\} is 5000"):
        check_schema_bounds({"pattern": "^a{2,5000}$"}, DEFAULT_LIMITS)
    check_schema_bounds({"pattern": "^a\\{5000}$"}, DEFAULT_LIMITS)  # an escaped brace
    with pytest.raises(SchemaBoundsError, match="add up to more than 4000"):
        check_schema_bounds(
            {"properties": {str(i): {"maxLength": 900} for i in range(5)}}, Limits()
        )


def test_limit_flags_and_environment() -> None:
    settings = parse_settings(["--max-tools", "8"], {"GGSERVE_MAX_REQUEST_BYTES": "1024"})
    assert settings.limits.max_tools == 8
    assert settings.limits.max_request_bytes == 1024
    assert settings.limits.max_messages == DEFAULT_LIMITS.max_messages
