"""Each format's declared call shape (`call_shape`, what a forced-call grammar writes) is read
back by the same format's parser as complete calls: one or two calls, string and other
parameters, with the prompt's reasoning block open or not, whole and in one-character pieces."""

from __future__ import annotations

import json
from typing import Any

import pytest

import ggserve_parser as gp
from tests.parser.fold import fold

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": name,
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            },
        },
    }
    for name in ("get_weather", "get_time")
]
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get_weather", {"city": "Bern <b> 1<2", "days": 3}),
    ("get_time", {"city": "Oslo", "days": 1}),
]


def render(pieces: tuple[tuple[str, str], ...], slots: dict[str, str]) -> str:
    return "".join(text if kind in ("marker", "text") else slots[kind] for kind, text in pieces)


def written(fmt: str, calls: list[tuple[str, dict[str, Any]]]) -> str:
    """The calls as the format's shape writes them (markers as text)."""
    shape = gp.call_shape(fmt)
    params = shape["params"]
    out = []
    for index, (name, args) in enumerate(calls):
        if params is None:
            body = json.dumps(args)
        else:
            entries = []
            for key, value in args.items():
                raw = isinstance(value, str) and params["raw_strings"]
                pieces = params["string"] if isinstance(value, str) else params["other"]
                entries.append(
                    render(pieces, {"key": key, "value": value if raw else json.dumps(value)})
                )
            body = params["separator"].join(entries)
        slots = {"name": name, "name_json": json.dumps(name), "index": str(index), "args": body}
        out.append(render(shape["call"], slots))
    separator = render(shape["separator"], {})
    return render(shape["open"], {}) + separator.join(out) + render(shape["close"], {})


@pytest.mark.parametrize("fmt", gp.FORMATS)
@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("forced_open", [False, True])
def test_the_declared_call_shape_reads_back_as_calls(fmt: str, n: int, forced_open: bool) -> None:
    text = written(fmt, CALLS[:n])
    out = gp.parse(fmt, text, tools=TOOLS, thinking_forced_open=forced_open)
    got = [(c["name"], json.loads(c["arguments"])) for c in out["tool_calls"]]
    assert got == CALLS[:n], (text, out)
    assert out["content"].strip() == ""
    s = gp.ToolCallStream(fmt, tools=TOOLS, thinking_forced_open=forced_open)
    events = [e for ch in text for e in s.push(ch)]
    assert fold([*events, *s.finish()]) == out
