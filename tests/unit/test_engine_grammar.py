"""JSON Schema → GBNF conversion and its typed errors (no model needed)."""

from __future__ import annotations

import pytest

from ggserve.engine.base import GrammarError
from ggserve.engine.grammar import json_schema_to_gbnf


def test_object_schema_converts_to_gbnf_with_a_root_rule() -> None:
    gbnf = json_schema_to_gbnf(
        '{"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]}'
    )
    assert "root ::=" in gbnf
    assert '"\\"age\\""' in gbnf


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ("{", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"type": "no-such-type"}', "unsupported JSON Schema"),
        ('{"$ref": "https://example.com/schema.json"}', "remote schemas are not fetched"),
    ],
)
def test_bad_schemas_raise_grammar_error(schema: str, reason: str) -> None:
    with pytest.raises(GrammarError, match=reason):
        json_schema_to_gbnf(schema)
