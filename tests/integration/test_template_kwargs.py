"""`chat_template_kwargs` end to end: the real server (bundled SmolLM2 under a Qwen3-style template
given with `--chat-template`), raw gRPC stubs and the Python client.

The template opens `<think>` in the generation prompt unless `enable_thinking` is false, when it
writes an empty `<think>\n\n</think>\n\n` instead. SmolLM2 never writes `</think>`, so where the
answer goes tells which rule the server applied: all reasoning while the block is open, all
content once the template closed it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from ggserve_client.errors import InvalidArgumentError
from ggserve_client.sync import Client
from ggserve_client.v1 import api_pb2 as pb

from .harness import chat_request, code, details, user
from .served import Served, serve

pytestmark = pytest.mark.e2e

QWEN3_LIKE = Path(__file__).parents[1] / "data" / "qwen3_like.jinja"
GREEDY = pb.SamplingParams(temperature=0.0, seed=1)
CLOSED = "<|im_start|>assistant\n<think>\n\n</think>\n\n"


@pytest.fixture(scope="module")
def qwen3_like() -> Iterator[Served]:
    with serve("--chat-template", str(QWEN3_LIKE), "--n-ctx", "1024") as served:
        yield served


def render(served: Served, **kwargs: str) -> pb.RenderChatResponse:
    _, models = served.stubs()
    request = chat_request(user("Hi"), chat_template_kwargs=kwargs)
    return models.RenderChat(pb.RenderChatRequest(request=request), timeout=30)


def test_enable_thinking_false_closes_the_block_in_the_prompt(qwen3_like: Served) -> None:
    opened = render(qwen3_like)
    assert opened.prompt.endswith("<|im_start|>assistant\n<think>\n")
    assert opened.thinking_forced_open
    closed = render(qwen3_like, enable_thinking="false")
    assert closed.prompt.endswith(CLOSED)
    assert not closed.thinking_forced_open


def test_the_answer_follows_the_template_kwargs(qwen3_like: Served) -> None:
    chat, _ = qwen3_like.stubs()
    fields = {"max_tokens": 12, "sampling": GREEDY}
    thinking = chat.Chat(chat_request(user("Say hello."), **fields), timeout=120)
    assert thinking.message.reasoning_content
    assert not thinking.message.content
    off = {"enable_thinking": "false"}
    request = chat_request(user("Say hello."), chat_template_kwargs=off, **fields)
    answer = chat.Chat(request, timeout=120)
    assert answer.message.content
    assert not answer.message.reasoning_content
    # The `thinking` field is the same switch: the same prompt, the same greedy answer.
    same = chat.Chat(chat_request(user("Say hello."), thinking=False, **fields), timeout=120)
    assert same.message.content == answer.message.content


def test_a_server_set_key_is_invalid_argument_naming_it(qwen3_like: Served) -> None:
    chat, _ = qwen3_like.stubs()
    request = chat_request(user("Hi"), chat_template_kwargs={"add_generation_prompt": "false"})
    with pytest.raises(grpc.RpcError) as caught:
        chat.Chat(request, timeout=30)
    assert code(caught.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert details(caught.value).startswith("chat_template_kwargs.add_generation_prompt:")


def test_the_python_client_sends_any_json_value(qwen3_like: Served) -> None:
    with Client(qwen3_like.target, timeout=60) as client:
        rendered = client.render_chat("Hi", chat_template_kwargs={"enable_thinking": False})
        assert rendered.prompt.endswith(CLOSED)
        assert not rendered.thinking_forced_open
        with pytest.raises(InvalidArgumentError, match="contradicts thinking=true"):
            client.chat("Hi", thinking=True, chat_template_kwargs={"enable_thinking": False})


def test_the_command_line_sends_them(qwen3_like: Served) -> None:
    def chat(*flags: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ggserve_client.cli", "chat", "Say hello.", "--json",
             "--target", qwen3_like.target, "--max-tokens", "8", "--temperature", "0", *flags],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    def generated(result: subprocess.CompletedProcess[str]) -> set[str]:
        """The kinds of output events (the admission and progress events say nothing here)."""
        assert result.returncode == 0, result.stderr
        kinds = {json.loads(line)["event"] for line in result.stdout.splitlines()}
        return kinds - {"started", "prompt_progress"}

    assert generated(chat("--chat-template-kwargs", '{"enable_thinking": false}')) == {
        "content",
        "done",
    }
    assert generated(chat()) == {"reasoning", "done"}
    refused = chat("--chat-template-kwargs", "[1]")
    assert refused.returncode == 2
    assert "expected a JSON object" in refused.stderr
