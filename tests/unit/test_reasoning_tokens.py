"""`ReasoningTokens` over the real parser: which engine steps count as reasoning."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

import ggserve_parser as gp
from ggserve.reasoning_tokens import ReasoningTokens

# Qwen3-style output, one token a step: 8 tokens strictly between the markers.
QWEN3 = ("<think>", "\n", "The", " user", " wants", " the", " weather", ".", "\n", "</think>")
ANSWER = ("\n\n", "Sunny", ".")


def count(
    steps: Sequence[tuple[str, int]], fmt: str = "hermes", *, forced_open: bool = False
) -> int:
    """Feed (text, tokens) steps through the parser and the counter, as `stream_chat` does."""
    parser = gp.ToolCallStream(fmt, reasoning=True, thinking_forced_open=forced_open)
    counter = ReasoningTokens(starts_inside=forced_open)
    for text, tokens in steps:
        counter.step(tokens, parser.push(text))
    counter.finish(parser.finish())
    return counter.count


def one_token_each(pieces: Sequence[str]) -> list[tuple[str, int]]:
    return [(piece, 1) for piece in pieces]


def test_tokens_between_the_markers_count() -> None:
    assert count(one_token_each(QWEN3 + ANSWER)) == 8


def test_a_plain_answer_has_none() -> None:
    assert count(one_token_each(("The", " answer", " is", " 4", "."))) == 0


def test_a_block_the_prompt_opened() -> None:
    pieces = ("Need", " the", " weather", ".", "\n", "</think>", "\n\n", "Sunny", ".")
    assert count(one_token_each(pieces), "deepseek_r1", forced_open=True) == 5


def test_text_held_back_inside_the_block_counts() -> None:
    # " <" and "/b" could have begun the close marker; they turn out to be reasoning.
    pieces = ("<think>", "a", " <", "/", "b", "</", "think>", "x")
    assert count(one_token_each(pieces)) == 4


def test_a_step_straddling_the_close_is_not_reasoning() -> None:
    # The step's output is reasoning then content: not reasoning only.
    steps = [("<think>", 1), ("Hmm", 1), (".</think>Sunny", 3), (".", 1)]
    assert count(steps) == 1
    # A step whose output is reasoning only counts whole, even with the marker in its text.
    steps = [("<think>", 1), ("Hmm", 1), (".</think>", 2), ("Sunny", 1)]
    assert count(steps) == 3


@pytest.mark.parametrize("tokens", [1, 3])
def test_a_step_counts_all_its_tokens(tokens: int) -> None:
    # With speculative decoding (or unread steps joined) one step carries several tokens.
    steps = [("<think>", 1), ("one two three", tokens), ("</think>", 1), ("Sunny", 1)]
    assert count(steps) == tokens


def test_output_cut_inside_the_block() -> None:
    # The turn ended (max_tokens) while the parser held back "</th", which might have begun
    # the close: the end flushes it as reasoning, so its step counts.
    pieces = ("<think>", "a", "b", "</th")
    assert count(one_token_each(pieces)) == 3
