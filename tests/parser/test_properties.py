"""Hypothesis properties of the Python surface: chunking invariance and healing."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import ggserve_parser as gp
from tests.parser.fold import fold

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True)
# Decoded model output never holds lone surrogates (the engine decodes UTF-8).
PROSE = st.text(st.characters(blacklist_characters="<`", blacklist_categories=["Cs"]), max_size=30)


def splits(draw: st.DrawFn, text: str) -> list[str]:
    """A random split of `text` into pieces."""
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=12))))
    pieces, last = [], 0
    for c in cuts:
        pieces.append(text[last:c])
        last = c
    pieces.append(text[last:])
    return pieces


@st.composite
def hermes_outputs(draw: st.DrawFn) -> tuple[str, list[str], dict[str, Any]]:
    """A Hermes output built from known parts, its expected fold, and a random split."""
    reasoning = draw(PROSE).strip()
    content = draw(PROSE).strip()
    calls = []
    text = f"<think>{reasoning}</think>\n" if reasoning else ""
    text += content
    for _ in range(draw(st.integers(0, 3))):
        name = draw(NAMES)
        args = json.dumps(
            draw(st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=4)),
            ensure_ascii=draw(st.booleans()),
        )
        text += f'\n<tool_call>\n{{"name": "{name}", "arguments": {args}}}\n</tool_call>'
        calls.append({"id": "", "name": name, "arguments": args})
    # Whitespace is content as written: the newline after `</think>` and the one before the
    # first call; the newlines between calls are glue, and so is the whitespace between a
    # closed reasoning block and a call.
    written = ("\n" if reasoning else "") + content + ("\n" if calls else "")
    if reasoning and not content and calls:
        written = ""
    expected = {"content": written, "reasoning_content": reasoning, "tool_calls": calls}
    return text, splits(draw, text), expected


@settings(max_examples=300, deadline=None)
@given(hermes_outputs())
def test_hermes_roundtrip_under_any_split(case: tuple[str, list[str], dict[str, Any]]) -> None:
    text, pieces, expected = case
    assert gp.parse("hermes", text) == expected
    s = gp.ToolCallStream("hermes")
    events = [*(e for p in pieces for e in s.push(p)), *s.finish()]
    assert fold(events) == expected
    for call in expected["tool_calls"]:
        json.loads(call["arguments"])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(gp.FORMATS), st.text(max_size=200), st.data())
def test_any_text_any_split_folds_to_parse(fmt: str, text: str, data: st.DataObject) -> None:
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(text)), max_size=10))))
    s = gp.ToolCallStream(fmt)
    events: list[gp.Event] = []
    last = 0
    for c in [*cuts, len(text)]:
        events += s.push(text[last:c])
        last = c
    events += s.finish()
    assert fold(events) == gp.parse(fmt, text)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_heal_json_every_prefix_is_valid_and_never_guesses(value: Any, ascii_only: bool) -> None:
    doc = json.dumps(value, ensure_ascii=ascii_only)
    for i in range(len(doc) + 1):
        healed = gp.heal_json(doc[:i])
        if healed:
            json.loads(healed)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        assert gp.heal_json(doc) == doc
