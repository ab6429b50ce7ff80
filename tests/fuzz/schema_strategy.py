"""Hypothesis strategies generated from a JSON Schema (an API's pydantic `model_json_schema()`).

`bodies(schema)` draws JSON values that follow the schema: objects with their required
properties and some optional ones, the `$defs` resolved, each `anyOf`/`oneOf` branch, `enum` and
`const`, and numbers at and between their bounds. With `hostile`, any node may instead break
the schema where a validator or a converter is most likely to slip: a number just past its bound
or far past it (10^30), NaN and infinities, a value of another JSON type, an unknown property.
(hypothesis-jsonschema does this for valid values only, and its 0.23 does not run on current
hypothesis.)
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

Json = Any
_SMALL_TEXT = st.text(max_size=12)
_ANY_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    _SMALL_TEXT,
)
ANY_JSON = st.recursive(
    _ANY_SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_SMALL_TEXT, inner, max_size=3)
    ),
    max_leaves=8,
)
_HUGE = [10**30, -(10**30), 2**32, 2**63, -(2**63) - 1, 2**64]
_SPECIAL_FLOATS = [float("nan"), float("inf"), -float("inf"), 1e308, -1e308, 1e-308]


def bodies(schema: dict[str, Any], *, hostile: bool) -> st.SearchStrategy[Json]:
    """JSON values of `schema` (which keeps its definitions under `$defs`)."""
    return _Generator(schema.get("$defs", {}), hostile).node(schema)


class _Generator:
    def __init__(self, defs: dict[str, Any], hostile: bool) -> None:
        self._defs = defs
        self._hostile = hostile

    def node(self, schema: dict[str, Any]) -> st.SearchStrategy[Json]:
        valid = st.deferred(lambda: self._valid(schema))
        if not self._hostile:
            return valid
        # One node in twelve is replaced by something that breaks it.
        return st.integers(0, 11).flatmap(lambda n: self._broken(schema) if n == 0 else valid)

    def _valid(self, schema: dict[str, Any]) -> st.SearchStrategy[Json]:
        if "$ref" in schema:
            return self.node(self._defs[schema["$ref"].rsplit("/", 1)[-1]])
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return st.one_of([self.node(branch) for branch in schema[key]])
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        kind = schema.get("type")
        if kind == "object":
            return self._object(schema)
        if kind == "array":
            items = schema.get("items", {})
            item = self.node(items) if items else ANY_JSON
            low = schema.get("minItems", 0)
            return st.lists(item, min_size=low, max_size=max(low, 3))
        if kind == "string":
            low = schema.get("minLength", 0)
            return st.text(min_size=low, max_size=schema.get("maxLength", max(low, 24)))
        if kind == "integer":
            return self._integer(schema)
        if kind == "number":
            return self._number(schema)
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        return ANY_JSON  # `{}` (Any)

    def _object(self, schema: dict[str, Any]) -> st.SearchStrategy[Json]:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        extra = schema.get("additionalProperties")
        if not properties and extra is not None:
            values = self.node(extra) if isinstance(extra, dict) else ANY_JSON
            return st.dictionaries(_SMALL_TEXT, values, max_size=3)
        return st.fixed_dictionaries(
            {name: self.node(sub) for name, sub in properties.items() if name in required},
            optional={
                name: self.node(sub) for name, sub in properties.items() if name not in required
            },
        )

    @staticmethod
    def _integer(schema: dict[str, Any]) -> st.SearchStrategy[Json]:
        low = schema.get("minimum", schema.get("exclusiveMinimum", -(2**31) - 1) + 1)
        high = schema.get("maximum", schema.get("exclusiveMaximum", 2**31 + 1) - 1)
        edges = [value for value in (low, low + 1, high - 1, high) if low <= value <= high]
        return st.one_of(st.sampled_from(edges), st.integers(low, high))

    @staticmethod
    def _number(schema: dict[str, Any]) -> st.SearchStrategy[Json]:
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        return st.floats(
            min_value=low,
            max_value=high,
            exclude_min="exclusiveMinimum" in schema,
            exclude_max="exclusiveMaximum" in schema,
            allow_nan=False,
            allow_infinity=False,
        )

    def _broken(self, schema: dict[str, Any]) -> st.SearchStrategy[Json]:
        """A value just or far outside `schema`, or of another type."""
        outside: list[Json] = list(_HUGE)
        kind = schema.get("type")
        if kind in ("integer", "number"):
            for key, step in (("minimum", -1), ("exclusiveMinimum", 0), ("maximum", 1)):
                if key in schema:
                    outside.append(schema[key] + step)
            if "exclusiveMaximum" in schema:
                outside.append(schema["exclusiveMaximum"])
            outside += _SPECIAL_FLOATS
        elif kind == "object":
            unknown = {"unknown_field": [1, {"x": None}]}
            return self._object(schema).map(lambda body: {**body, **unknown})
        return st.one_of(st.sampled_from(outside), ANY_JSON)
