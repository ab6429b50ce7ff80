"""Local `$ref`s rebased into one document: recursion stays a named rule, names never collide,
and references the grammar cannot be built for are refused with a message about the schema."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from ggserve.domain import Tool
from ggserve.engine.base import GrammarError
from ggserve.engine.grammar import json_schema_to_gbnf
from ggserve.errors import InvalidArgumentError
from ggserve.schema_refs import SchemaRefError, rebase_refs
from ggserve.tool_grammar import forced_call_grammar

# What zod v4 writes for a recursive type (draft 2020-12, `$defs`, additionalProperties false).
TREE: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"tree": {"$ref": "#/$defs/Node"}},
    "required": ["tree"],
    "additionalProperties": False,
    "$defs": {
        "Node": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "format": "uri"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                "kind": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            },
            "required": ["name"],
            "additionalProperties": False,
        }
    },
}
# A recursive root: `#` is the whole schema.
ROOT_RECURSIVE: dict[str, Any] = {
    "type": "object",
    "properties": {"value": {"type": "integer"}, "next": {"$ref": "#"}},
    "required": ["value"],
}


def test_recursion_becomes_a_reference_to_one_named_definition() -> None:
    (schema,), defs = rebase_refs([TREE])
    (name,) = defs
    assert name.startswith("ref")
    assert name.endswith("-Node")
    assert schema["properties"]["tree"] == {"$ref": f"#/$defs/{name}"}
    assert defs[name]["properties"]["children"]["items"] == {"$ref": f"#/$defs/{name}"}
    assert "$defs" not in schema  # hoisted into the shared table


def test_root_reference_and_escaped_pointers() -> None:
    (schema,), defs = rebase_refs([ROOT_RECURSIVE])
    (name,) = defs
    assert schema["properties"]["next"] == {"$ref": f"#/$defs/{name}"}
    assert defs[name]["properties"]["next"] == {"$ref": f"#/$defs/{name}"}
    odd = {"$defs": {"a/b~c": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/a~1b~0c"}}}
    (_,), defs = rebase_refs([odd])
    assert list(defs.values()) == [{"type": "string"}]


def test_two_schemas_with_the_same_definition_names_do_not_share_rules() -> None:
    number = {"properties": {"v": {"$ref": "#/$defs/Node"}}, "$defs": {"Node": {"type": "number"}}}
    (first, second), defs = rebase_refs([TREE, number])
    assert len(defs) == 2
    assert first["properties"]["tree"] != second["properties"]["v"]


def test_names_chosen_by_the_author_are_not_keywords() -> None:
    schema = {
        "properties": {
            "default": {"$ref": "#/$defs/D"},
            "$defs": {"type": "string"},
            "enum": {"const": {"$ref": "not a reference: data"}},
        },
        "$defs": {"D": {"type": "integer"}},
    }
    (rebased,), _defs = rebase_refs([schema])
    assert set(rebased["properties"]) == {"default", "$defs", "enum"}
    assert rebased["properties"]["default"]["$ref"].startswith("#/$defs/ref")
    assert rebased["properties"]["enum"] == {"const": {"$ref": "not a reference: data"}}


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("#/$defs/Missing", "'#/$defs/Missing' points at nothing in the schema"),
        ("https://example.com/s.json", "remote schemas are not fetched"),
        ("other.json#/a", "only references inside the schema"),
        ("#anchor", "anchors are not supported"),
        ("#/required", "points at a value that is not a schema"),
    ],
)
def test_unusable_references_are_refused_naming_them(ref: str, message: str) -> None:
    schema = {"type": "object", "properties": {"x": {"$ref": ref}}, "required": ["x"]}
    with pytest.raises(SchemaRefError, match=message.replace("$", r"\$")):
        rebase_refs([schema])


def test_forced_call_grammar_of_recursive_tools() -> None:
    tools = [
        Tool("make_tree", "", TREE),
        Tool("make_list", "", ROOT_RECURSIVE),
    ]
    grammar = forced_call_grammar("hermes", tools, parallel=False)
    # Each recursive definition is one named rule that its own parts refer back to.
    assert re.search(r"^(ref\d+-Node)-children-item ::= \1$", grammar, re.MULTILINE), grammar
    assert re.search(r"^(ref\d+-root)-next ::= \1$", grammar, re.MULTILINE), grammar


def test_forced_call_grammar_refuses_a_broken_reference_about_the_schema() -> None:
    schema = {"type": "object", "properties": {"x": {"$ref": "#/$defs/Nope"}}}
    with pytest.raises(InvalidArgumentError) as refused:
        forced_call_grammar("hermes", [Tool("broken", "", schema)], parallel=False)
    assert str(refused.value) == (
        "tools: the parameter schema of 'broken' cannot be enforced for tool_choice: "
        "$ref '#/$defs/Nope' points at nothing in the schema"
    )


def test_response_format_schema_may_recurse() -> None:
    gbnf = json_schema_to_gbnf(json.dumps(ROOT_RECURSIVE))
    assert "root ::=" in gbnf
    with pytest.raises(GrammarError, match="points at nothing"):
        json_schema_to_gbnf('{"$ref": "#/$defs/x"}')


# zod v4 with a named root: the schema is a reference to one of its own definitions.
NAMED_ROOT: dict[str, Any] = {
    "$ref": "#/$defs/Task",
    "$defs": {
        "Task": {
            "type": "object",
            "properties": {"title": {"type": "string"}, "subtasks": {"$ref": "#/$defs/Tasks"}},
            "required": ["title"],
        },
        "Tasks": {"type": "array", "items": {"$ref": "#/$defs/Task"}},
    },
}


def test_a_schema_that_is_a_reference_converts() -> None:
    gbnf = json_schema_to_gbnf(json.dumps(NAMED_ROOT))
    assert re.search(r"^(ref\d+-Task)-subtasks ::= ref\d+-Tasks$", gbnf, re.MULTILINE), gbnf
    grammar = forced_call_grammar("hermes", [Tool("plan", "", NAMED_ROOT)], parallel=False)
    # The arguments are the referenced definition itself (its properties, for XML-style formats).
    assert re.search(r"^args-0-subtasks ::= (ref\d+-Tasks)$", grammar, re.MULTILINE), grammar
    assert re.search(r"^ref\d+-Tasks-item ::= ref\d+-Task$", grammar, re.MULTILINE), grammar
    xml = forced_call_grammar("qwen3_coder", [Tool("plan", "", NAMED_ROOT)], parallel=False)
    assert '"<parameter=" "title" ">' in xml, xml
    assert re.search(r"^arg-0-1-value ::= ref\d+-Tasks$", xml, re.MULTILINE), xml


def test_a_schema_that_is_only_itself_matches_nothing() -> None:
    with pytest.raises(GrammarError, match="matches no finite text"):
        json_schema_to_gbnf('{"$ref": "#"}')
