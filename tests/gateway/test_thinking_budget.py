"""Thinking budgets through the official SDKs: Anthropic `thinking.budget_tokens` on the real
SmolLM2 under the Qwen3-style template (it never closes `<think>` itself, so an answer after the
budget exists only because the server forced the close), and OpenAI's `reasoning_effort` /
Responses `reasoning.effort` levels on the replay engine playing a recorded reasoning output
(exact token counts: each scripted piece is one token)."""

from __future__ import annotations

from typing import Any

import pytest

from ggserve.engine.base import GenerationRequest
from ggserve.engine.replay import ReplayEngine
from ggserve.templates import ChatTemplate
from ggserve_gateway.reasoning_effort import EFFORT_BUDGETS

from .conftest import QWEN3_LIKE, Gateway, StartGateway

GREEDY: dict[str, Any] = {"temperature": 0}
HELLO: Any = [{"role": "user", "content": "Say hello."}]


def blocks(block: Any) -> tuple[str, str]:
    """A content block's kind and text (the stream helper's block classes differ)."""
    return block.type, block.thinking if block.type == "thinking" else block.text


@pytest.mark.e2e
def test_anthropic_budget_tokens_cut_the_thinking_block(qwen3_gateway: Gateway) -> None:
    client = qwen3_gateway.anthropic
    first = client.messages.create(model="", messages=HELLO, max_tokens=5, extra_body=GREEDY)
    budgeted = client.messages.create(
        model="", messages=HELLO, max_tokens=60, extra_body=GREEDY,
        thinking={"type": "enabled", "budget_tokens": 5},
    )  # fmt: skip
    assert [block.type for block in budgeted.content] == ["thinking", "text"]
    thinking, text = budgeted.content
    assert thinking.type == "thinking"
    assert first.content[0].type == "thinking"
    assert thinking.thinking.strip() == first.content[0].thinking.strip()  # the same 5 tokens
    assert text.type == "text"
    assert text.text.strip()
    # Streamed: the same blocks.
    with client.messages.stream(
        model="", messages=HELLO, max_tokens=60, extra_body=GREEDY,
        thinking={"type": "enabled", "budget_tokens": 5},
    ) as stream:  # fmt: skip
        streamed = stream.get_final_message()
    assert [blocks(b) for b in streamed.content] == [blocks(b) for b in budgeted.content]


# A reasoning model's recorded output: far more reasoning than any budget, then its answer.
RECORDED = ("Hmm", *([" let me think"] * 40000), "</think>", "\n\n", "Hello", "!")


def replay_budgeted(replay_gateway: StartGateway) -> tuple[Gateway, list[GenerationRequest]]:
    seen: list[GenerationRequest] = []

    def script(request: GenerationRequest) -> tuple[str, ...]:
        seen.append(request)
        return RECORDED

    template = ChatTemplate(QWEN3_LIKE.read_text())
    return replay_gateway(ReplayEngine(script, n_ctx=65536), template), seen


def last_budget(seen: list[GenerationRequest]) -> int | None:
    """The thinking budget the engine got with the last request."""
    thinking = seen[-1].thinking
    return thinking.budget if thinking is not None else None


def test_reasoning_effort_levels_are_the_documented_budgets(
    replay_gateway: StartGateway,
) -> None:
    gw, seen = replay_budgeted(replay_gateway)
    for effort in ("minimal", "low"):
        level: Any = effort
        answer = gw.openai.chat.completions.create(
            model="replay", messages=HELLO, reasoning_effort=level
        )
        message = answer.choices[0].message
        budget = EFFORT_BUDGETS[effort]
        assert last_budget(seen) == budget
        reasoning = str((message.model_extra or {}).get("reasoning_content"))
        assert reasoning == "Hmm" + " let me think" * (budget - 1)
        assert message.content == "\n\nHello!"  # the recorded answer, after its close
        close = len(b"</think>")  # the replay engine's tokens are bytes
        assert answer.usage is not None
        assert answer.usage.completion_tokens == budget + close + 3
    off = gw.openai.chat.completions.create(model="replay", messages=HELLO, reasoning_effort="none")
    assert last_budget(seen) is None
    assert off.choices[0].message.content  # thinking off: the template closed the block
    for effort in ("medium", "high", "xhigh"):
        request: Any = {"effort": effort}
        gw.openai.responses.create(model="replay", input="Hi", reasoning=request)
        assert last_budget(seen) == EFFORT_BUDGETS[effort]


def test_responses_effort_cuts_the_reasoning_item(replay_gateway: StartGateway) -> None:
    gw, _ = replay_budgeted(replay_gateway)
    response = gw.openai.responses.create(
        model="replay", input="Hi", reasoning={"effort": "minimal"}
    )
    kinds = [item.type for item in response.output]
    assert kinds == ["reasoning", "message"]
    assert response.output_text.strip() == "Hello!"
