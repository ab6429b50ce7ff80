"""Local `$ref`s of JSON Schemas, rebased so that the schema converter can build their grammar.

llama-cpp-python's JSON-Schema → GBNF converter (a port of llama.cpp's) handles recursion
through named rules, but it resolves `#/…` pointers against the document it is handed, names
each referenced rule after the pointer's last segment, and refuses `#` (the whole schema, which
zod v4 writes for a recursive root). A tool's parameter schema is embedded in a larger call
schema (`{"name": …, "arguments": <parameters>}`, an `anyOf` over several tools), so its
pointers miss, and two tools' `#/$defs/node` would share one rule.

`rebase_refs` rewrites every local reference of each schema to `#/$defs/<unique name>` of the
document they will be embedded in, with each referenced subschema (itself rewritten) under that
name: recursion stays a reference (a named rule), names never collide with each other or with the
converter's own rules (`refN-…`), and a pointer that leads nowhere or a remote reference is
refused with a message about the schema.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Sequence
from typing import Any

DEFS = "$defs"
# Where schemas keep their definitions; hoisted into the shared `$defs`, so dropped in place.
_DEFINITION_KEYWORDS = frozenset({"$defs", "definitions"})
# Literal data, not schemas: a `$ref` key inside it is data.
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})
# Maps from names (chosen by the schema's author: "default", "$ref"…) to schemas.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas"})
_RULE_CHARS = re.compile(r"[^A-Za-z0-9-]+")


class SchemaRefError(ValueError):
    """A `$ref` the grammar cannot be built for; the message names it."""


def _pointer_target(schema: Any, pointer: str, ref: str) -> Any:
    """The value at JSON Pointer `pointer` (already fragment-decoded) inside `schema`."""
    target = schema
    for raw in pointer.split("/")[1:] if pointer else ():
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(target, dict) and part in target:
            target = target[part]
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            raise SchemaRefError(f"$ref {ref!r} points at nothing in the schema")
    if not isinstance(target, dict | bool):
        raise SchemaRefError(f"$ref {ref!r} points at a value that is not a schema")
    return target


class RefRebaser:
    """Rewrites the references of several schemas into one shared `$defs` table (`defs`)."""

    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}
        self._count = 0

    def schema(self, schema: Any) -> Any:
        """`schema` with its local references rebased (their targets added to `defs`)."""
        names: dict[str, str] = {}  # pointer → name in `defs`, for this schema
        pending: list[tuple[str, Any]] = []  # (name, target) still to rewrite

        def name_of(ref: str) -> str:
            if not ref.startswith("#"):
                raise SchemaRefError(
                    f"$ref {ref!r}: only references inside the schema (#…) are supported; "
                    "remote schemas are not fetched"
                )
            pointer = urllib.parse.unquote(ref[1:])
            if pointer and not pointer.startswith("/"):
                raise SchemaRefError(f"$ref {ref!r}: anchors are not supported, use a #/… path")
            if pointer not in names:
                self._count += 1
                last = _RULE_CHARS.sub("-", pointer.rsplit("/", 1)[-1]).strip("-") or "root"
                names[pointer] = f"ref{self._count}-{last}"
                pending.append((names[pointer], _pointer_target(schema, pointer, ref)))
            return names[pointer]

        def rewrite(node: Any) -> Any:
            # Iterative over containers would not help: nesting is bounded by the JSON parser.
            if isinstance(node, list):
                return [rewrite(item) for item in node]
            if not isinstance(node, dict):
                return node
            out: dict[str, Any] = {}
            for key, value in node.items():
                if key in _DEFINITION_KEYWORDS:
                    continue
                if key == "$ref" and isinstance(value, str):
                    out[key] = f"#/{DEFS}/{name_of(value)}"
                elif key in _SCHEMA_MAPS and isinstance(value, dict):
                    out[key] = {name: rewrite(sub) for name, sub in value.items()}
                elif key in _DATA_KEYWORDS:
                    out[key] = value
                else:
                    out[key] = rewrite(value)
            return out

        rebased = rewrite(schema)
        while pending:
            name, target = pending.pop()
            self.defs[name] = rewrite(target)
        return rebased


def with_defs(schema: Any, defs: dict[str, Any]) -> Any:
    """`schema` with the shared `$defs` at its root, where the converter resolves them. Beside a
    `$ref` the converter reads nothing (not even `$defs`), so a root that is a reference is
    wrapped in a one-branch `anyOf` first."""
    if not defs:
        return schema
    if isinstance(schema, dict) and "$ref" not in schema:
        return {**schema, DEFS: defs}
    return {"anyOf": [schema], DEFS: defs}


def rebase_refs(schemas: Sequence[Any]) -> tuple[list[Any], dict[str, Any]]:
    """`schemas` with local `$ref`s rewritten to `#/$defs/<name>`, and that `$defs` table
    (empty when no schema refers to anything). Raises `SchemaRefError`."""
    rebaser = RefRebaser()
    rebased = [rebaser.schema(schema) for schema in schemas]
    return rebased, rebaser.defs
