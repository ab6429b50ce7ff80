"""`chat_template_kwargs`: the caller's extra chat-template variables, and the thinking switch.

A request may hand the model's Jinja template variables of its own (`enable_thinking`,
`reasoning_effort`, `custom_tools`, …), as vLLM and llama-server accept them. Keys must be
template variable names (identifiers); the variables the server sets itself — the conversation,
the tools, `add_generation_prompt`, the special tokens — and the environment's globals
(`raise_exception`, `namespace`, …) are refused, since overriding them would change what the
server renders and parses behind its back. Count and size are bounded (`Limits`).

The one rule for reasoning on/off (`thinking_switch`): the request's `thinking` field, else a
boolean `enable_thinking` or `thinking` variable (Qwen3/GLM read the first, DeepSeek V3.1 the
second); when several are given they must agree. The switch is then written into both variables,
so every template family sees the same decision, and the rendered prompt says whether the answer
starts inside a reasoning block (`templates/reasoning.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ggserve.errors import FieldViolation
from ggserve.limits import Limits
from ggserve.templates.environment import make_environment

# What the server passes to every template (`ChatTemplate._render_raw`).
SERVER_VARIABLES = frozenset(
    {"messages", "tools", "add_generation_prompt", "bos_token", "eos_token"}
)
# Jinja's and transformers' globals (`range`, `namespace`, `raise_exception`, …): a variable of
# the same name would shadow them and break templates that call them.
RESERVED_KEYS = SERVER_VARIABLES | frozenset(make_environment().globals)
THINKING_KEYS = ("enable_thinking", "thinking")
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def field_path(key: str) -> str:
    """The field path that names `key` in an error."""
    return f"chat_template_kwargs.{key}" if KEY.match(key) else "chat_template_kwargs"


def check_template_kwargs(
    kwargs: Mapping[str, Any], limits: Limits, thinking: bool | None
) -> Iterator[FieldViolation]:
    """Every problem of `kwargs` (values already parsed), each naming its key."""
    if len(kwargs) > limits.max_template_kwargs:
        yield FieldViolation(
            "chat_template_kwargs",
            f"{len(kwargs)} variables is over the limit of {limits.max_template_kwargs}",
        )
        return
    size = 0
    for key, value in kwargs.items():
        if not KEY.match(key):
            yield FieldViolation(
                "chat_template_kwargs",
                f"{key[:40]!r} is not a template variable name (a letter or _, then up to 63 of "
                "A-Z a-z 0-9 _)",
            )
        elif key in RESERVED_KEYS:
            yield FieldViolation(
                field_path(key),
                f"{key!r} is set by the server and cannot be overridden"
                + (" (use the request's own field)" if key in SERVER_VARIABLES else ""),
            )
        size += len(json.dumps(value, ensure_ascii=False))
    if size > limits.max_template_kwargs_bytes:
        yield FieldViolation(
            "chat_template_kwargs",
            f"the values take {size} bytes of JSON, over the limit of "
            f"{limits.max_template_kwargs_bytes}",
        )
    yield from _thinking_conflicts(kwargs, thinking)


def _thinking_conflicts(
    kwargs: Mapping[str, Any], thinking: bool | None
) -> Iterator[FieldViolation]:
    given = [(f"chat_template_kwargs.{k}", kwargs[k]) for k in THINKING_KEYS if k in kwargs]
    if thinking is not None:
        given.insert(0, ("thinking", thinking))
    switches = [(name, value) for name, value in given if isinstance(value, bool)]
    for name, value in switches[1:]:
        first, first_value = switches[0]
        if value != first_value:
            yield FieldViolation(
                name,
                f"{json.dumps(value)} contradicts {first}={json.dumps(first_value)}; both turn "
                "reasoning on or off, give one",
            )


def thinking_switch(thinking: bool | None, kwargs: Mapping[str, Any]) -> bool | None:
    """Reasoning on (True), off (False) or the template's default (None) for a request."""
    if thinking is not None:
        return thinking
    for key in THINKING_KEYS:
        value = kwargs.get(key)
        if isinstance(value, bool):
            return value
    return None
