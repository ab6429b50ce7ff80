"""Bounds on how far a JSON Schema expands when it is turned into a grammar.

llama-cpp-python's schema converter writes `maxLength: n` as n nested optional groups, `minItems:
n` as n copies of the item, a pattern's `a{n}` as n copies of `a`: one small number becomes
megabytes of GBNF nested a million levels deep (which crashed llama.cpp's parser). So every such
count, and their sum over a schema, is checked before converting. Literal data (`const`, `enum`,
`default`, `examples`) is not a schema and is not searched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ggserve.limits import Limits

COUNT_KEYWORDS = (
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minContains",
    "maxContains",
)
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})
# `{m}`, `{m,}`, `{m,n}` in a regular expression, unless the brace is escaped.
_QUANTIFIER = re.compile(r"(?<!\\)\{\s*(\d+)\s*(?:,\s*(\d*)\s*)?\}")


class SchemaBoundsError(ValueError):
    """The schema expands too far; the message names the keyword, its path and its value."""


def _nodes(value: Any) -> int:
    """How many JSON values `value` holds, itself included (already depth-bounded)."""
    if isinstance(value, dict):
        return 1 + sum(_nodes(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_nodes(v) for v in value)
    return 1


def _counts(schema: Any, path: str) -> Iterator[tuple[str, int]]:
    """(where, count) for every expansion count in `schema` (already depth-bounded)."""
    if isinstance(schema, list):
        for i, item in enumerate(schema):
            yield from _counts(item, f"{path}[{i}]")
        return
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        where = f"{path}.{key}" if path else key
        if key in _DATA_KEYWORDS:
            continue
        if key in COUNT_KEYWORDS and isinstance(value, int | float) and not isinstance(value, bool):
            yield where, int(value) if value < 10**18 else 10**18
        elif key == "pattern" and isinstance(value, str):
            for match in _QUANTIFIER.finditer(value):
                low, high = match.group(1), match.group(2)
                counts = [int(n[:19]) for n in (low, high) if n]
                yield f"{where} {match.group(0)}", max(counts)
        else:
            yield from _counts(value, where)


def check_schema_bounds(schema: Any, limits: Limits) -> None:
    """Raise `SchemaBoundsError` when one count, or all of them together, expand too far."""
    nodes = _nodes(schema)
    if nodes > limits.max_schema_nodes:
        raise SchemaBoundsError(
            f"the schema holds {nodes} values, over the limit of {limits.max_schema_nodes}"
        )
    total = 0
    for where, count in _counts(schema, ""):
        if count > limits.max_schema_repetition:
            raise SchemaBoundsError(
                f"{where} is {count}, over the limit of {limits.max_schema_repetition} "
                "(each count becomes that many grammar rules)"
            )
        total += count
        if total > limits.max_schema_total_repetition:
            raise SchemaBoundsError(
                f"the schema's counts (minLength, maxLength, minItems, maxItems, pattern "
                f"repetitions, …) add up to more than {limits.max_schema_total_repetition}"
            )
