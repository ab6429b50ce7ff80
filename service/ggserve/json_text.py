"""Strict, bounded parsing of the JSON text a request carries (schemas, tool-call arguments).

Python's `json.loads` accepts what other JSON parsers on our path refuse (the Rust parser's
serde_json, templates' `tojson` consumers): `NaN`, `Infinity`, numbers beyond a double, lone
surrogate escapes; and it recurses once per nesting level, so deep enough text raises
`RecursionError`. Here the size and depth are checked first (a linear scan, before any
recursion), then the text is parsed with those extensions refused. Every failure is a
`JsonTextError` whose message names the limit or the offending value.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any, NoReturn

from ggserve.limits import Limits

# A JSON string (unrolled loop: no per-character alternation) or one bracket.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class JsonTextError(ValueError):
    """JSON text that is refused; the message says why."""


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text` (an estimate for invalid JSON)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if not brackets:
        return 0
    return max(0, *accumulate(1 if b in "[{" else -1 for b in brackets))


def _constant(name: str) -> NoReturn:
    raise JsonTextError(f"{name} is not a JSON number (RFC 8259 allows finite numbers only)")


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JsonTextError(f"number {text[:40]} is outside the range of a double")
    return value


def _int(text: str) -> int:
    if len(text) > 309:  # longer than any integer a double can hold
        raise JsonTextError(f"number {text[:40]}… ({len(text)} digits) is outside a double's range")
    return int(text)


def _check_strings(value: Any) -> None:
    """Refuse lone surrogates (from `\\ud800` escapes): they cannot be encoded as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise JsonTextError(
            "a string holds a lone surrogate escape (\\ud800-\\udfff without its pair)"
        ) from None


def parse_json(text: str, limits: Limits) -> Any:
    """`text` parsed, or `JsonTextError` for text that is too big, too deep, or not strict JSON."""
    size = len(text.encode("utf-8"))
    if size > limits.max_json_bytes:
        raise JsonTextError(f"{size} bytes is over the limit of {limits.max_json_bytes}")
    depth = json_depth(text)
    if depth > limits.max_json_depth:
        raise JsonTextError(f"nesting depth {depth} is over the limit of {limits.max_json_depth}")
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except JsonTextError:
        raise
    except json.JSONDecodeError as exc:
        raise JsonTextError(f"not valid JSON: {exc}") from None
    except (ValueError, RecursionError) as exc:  # defensive: the checks above should prevent it
        raise JsonTextError(f"not valid JSON: {exc}") from None
    if _SURROGATE_ESCAPE.search(text):
        _check_strings(value)
    return value
