"""The harness of the peers' test cases (`test_peer_cases_*.py`).

Each case is a model output from a peer's test file with what that peer asserts: content,
reasoning, tool calls (name + arguments compared as parsed JSON, and in `IdCase` the model's own
ids where the peer asserts them). Where a peer trims content (our rule: whitespace is content),
the case compares stripped text and says so. Every case is also streamed in random pieces, and
the folded events must equal `parse`.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ggserve_parser as gp
from tests.parser.fold import fold

Args = dict[str, Any] | str
# (name, arguments as parsed JSON, id or None where the peer does not assert it)
IdCall = tuple[str, Any, str | None]


def tool(name: str, props: dict[str, Any] | None = None) -> dict[str, Any]:
    """An OpenAI-style tool definition with the given parameter properties."""
    params = {"type": "object", "properties": props or {}}
    return {"type": "function", "function": {"name": name, "parameters": params}}


STR = {"type": "string"}
# llama.cpp tests/test-chat.cpp's tools
LLAMA_CPP_TOOLS = [
    tool("special_function", {"arg1": {"type": "integer"}}),
    tool("special_function_with_opt", {"arg1": {"type": "integer"}, "arg2": {"type": "integer"}}),
    tool("python", {"code": STR}),
    tool("html", {"markup": STR}),
    tool("empty_args"),
]


@dataclass(frozen=True)
class Case:
    """One peer case: what the model wrote and what the peer expects from it."""

    id: str
    fmt: str
    text: str
    calls: list[tuple[str, Args]]
    content: str | None = ""  # None: the peer does not assert content
    reasoning: str | None = ""  # None: the peer does not assert reasoning
    tools: list[dict[str, Any]] | None = None
    reasoning_on: bool = True
    forced_open: bool = False
    strip: bool = False  # the peer trims content and reasoning; compare stripped
    marks: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class IdCase:
    """One peer case whose calls may carry the model's own ids."""

    id: str
    fmt: str
    text: str
    content: str | None = ""  # None: the peer does not assert the content
    reasoning: str = ""
    calls: list[IdCall] = field(default_factory=list)
    tools: list[dict[str, Any]] | None = None
    reasoning_on: bool = True
    forced_open: bool = False
    strip: bool = False  # the peer trims content and reasoning; compare stripped


def _kwargs(case: Case | IdCase) -> dict[str, Any]:
    return {
        "tools": case.tools,
        "reasoning": case.reasoning_on,
        "thinking_forced_open": case.forced_open,
    }


def _pieces(text: str, rng: random.Random) -> list[str]:
    """A random split of `text` into at most 13 pieces."""
    inner = range(1, len(text))
    cuts = sorted(rng.sample(inner, min(len(inner), rng.randint(1, 12))))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def _token_pieces(text: str, rng: random.Random) -> list[str]:
    """`text` in pieces of 1-9 characters, like decoded tokens."""
    out, i = [], 0
    while i < len(text):
        n = rng.randint(1, 9)
        out.append(text[i : i + n])
        i += n
    return out


Split = Callable[[str, random.Random], list[str]]


def _streamed_equals_parse(
    case: Case | IdCase, out: dict[str, Any], split: Split, splits: int
) -> None:
    rng = random.Random(case.id)
    for _ in range(splits):
        s = gp.ToolCallStream(case.fmt, **_kwargs(case))
        events = [e for piece in split(case.text, rng) for e in s.push(piece)]
        assert fold([*events, *s.finish()]) == out


def check(case: Case) -> None:
    """`parse` gives what the peer asserts; streaming in random pieces gives the same."""
    out = gp.parse(case.fmt, case.text, **_kwargs(case))
    if case.content is not None:
        got = out["content"].strip() if case.strip else out["content"]
        want = case.content.strip() if case.strip else case.content
        assert got == want
    if case.reasoning is not None:
        got = out["reasoning_content"].strip() if case.strip else out["reasoning_content"]
        want = case.reasoning.strip() if case.strip else case.reasoning
        assert got == want
    got_calls = [(c["name"], json.loads(c["arguments"])) for c in out["tool_calls"]]
    assert got_calls == [(n, a) for n, a in case.calls]
    _streamed_equals_parse(case, out, _token_pieces, splits=4)


def _message(c: IdCase, out: dict[str, Any]) -> dict[str, Any]:
    """The parts of a parse result the peer asserts, in comparable form."""
    content = out["content"].strip() if c.strip else out["content"]
    reasoning = out["reasoning_content"].strip() if c.strip else out["reasoning_content"]
    if c.content is None:
        content = None
    calls = [
        (t["name"], json.loads(t["arguments"]), t["id"] if want[2] is not None else None)
        for t, want in zip(
            out["tool_calls"],
            [*c.calls, *[("", None, None)] * len(out["tool_calls"])],
            strict=False,
        )
    ]
    return {"content": content, "reasoning": reasoning, "calls": calls}


def check_ids(c: IdCase) -> None:
    """`check` for an `IdCase`: ids compared where the peer asserts them."""
    out = gp.parse(c.fmt, c.text, **_kwargs(c))
    want = {"content": c.content, "reasoning": c.reasoning, "calls": list(c.calls)}
    assert _message(c, out) == want
    _streamed_equals_parse(c, out, _pieces, splits=8)
