"""`GenerationObserver` over real parser events: tool-call outcomes, tokens, parser events."""

from __future__ import annotations

import pytest

import ggserve_parser as gp
from ggserve.domain import FinishReason, Usage
from ggserve.metrics import REGISTRY, GenerationObserver

TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {}}}]


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def observe(model: str, text: str, finish_reason: FinishReason) -> None:
    """One generation of `text` (pushed as one piece) through the parser and an observer."""
    parser = gp.ToolCallStream("hermes", tools=TOOLS)
    observer = GenerationObserver(model, "hermes")
    observer.tokens(3)
    observer.parser_events(parser.push(text))
    observer.finishing()
    observer.parser_events(parser.finish())
    observer.done(finish_reason, Usage(prompt_tokens=10, completion_tokens=3, cached_tokens=4))


@pytest.mark.parametrize(
    ("text", "finish_reason", "outcome"),
    [
        (
            '<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>',
            FinishReason.STOP,
            "complete",
        ),
        (
            '<tool_call>{"name": "f", "arguments": {"a": t}}</tool_call>',
            FinishReason.STOP,
            "invalid",
        ),
        ('<tool_call>{"name": "f", "arguments": {"a": 1', FinishReason.LENGTH, "truncated"),
    ],
)
def test_tool_call_outcome(text: str, finish_reason: FinishReason, outcome: str) -> None:
    model = f"m-{outcome}"
    observe(model, text, finish_reason)
    labels = {"model": model, "format": "hermes"}
    assert sample("ggserve_tool_calls_total", **labels, outcome=outcome) == 1
    others = {"complete", "invalid", "truncated"} - {outcome}
    assert all(sample("ggserve_tool_calls_total", **labels, outcome=o) == 0 for o in others)
    assert sample("ggserve_parser_events_total", **labels, kind="tool_call_start") == 1
    assert sample("ggserve_parser_events_total", **labels, kind="tool_call_end") == 1


def test_tokens_and_generations_are_counted() -> None:
    observe("m-tokens", "plain answer", FinishReason.STOP)
    assert sample("ggserve_prompt_tokens_total", model="m-tokens") == 10
    assert sample("ggserve_cached_prompt_tokens_total", model="m-tokens") == 4
    assert sample("ggserve_completion_tokens_total", model="m-tokens") == 3
    assert sample("ggserve_generations_total", model="m-tokens", finish_reason="stop") == 1
    assert sample("ggserve_time_to_first_token_seconds_count", model="m-tokens") == 1
    assert not sample(
        "ggserve_tool_calls_total", model="m-tokens", format="hermes", outcome="complete"
    )
