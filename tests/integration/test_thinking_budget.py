"""Thinking budget on the real bundled SmolLM2 under a Qwen3-style template that opens `<think>`
in the prompt: SmolLM2 never closes the block itself, so every answer it gives after a budget
exists only because the server forced `</think>` (the hermes format's close). Served with
prompt-lookup speculation and two slots, so the budget meets drafts and batching."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from ggserve_client.v1 import api_pb2 as pb

from .harness import chat_request, code, details, fold, user
from .served import Served, serve
from .test_template_kwargs import GREEDY, QWEN3_LIKE

pytestmark = pytest.mark.e2e

ASK = "Say hello."


@pytest.fixture(scope="module")
def qwen3_like() -> Iterator[Served]:
    flags = ("--chat-template", str(QWEN3_LIKE), "--n-ctx", "2048", "--parallel", "2")
    with serve(*flags, "--speculative", "ngram") as served:
        yield served


def chat(served: Served, **fields: object) -> pb.ChatResponse:
    stub, _ = served.stubs()
    response: pb.ChatResponse = stub.Chat(
        chat_request(user(ASK), sampling=GREEDY, **fields), timeout=180
    )
    return response


def test_without_a_budget_smollm2_only_reasons(qwen3_like: Served) -> None:
    free = chat(qwen3_like, max_tokens=24)
    assert free.message.reasoning_content
    assert not free.message.content
    assert free.finish_reason == pb.FINISH_REASON_LENGTH


def test_the_budget_closes_reasoning_and_the_answer_follows(qwen3_like: Served) -> None:
    budget = 6
    first = chat(qwen3_like, max_tokens=budget)  # the greedy reasoning's first 6 tokens
    answered = chat(qwen3_like, max_tokens=40, thinking_budget_tokens=budget)
    # The same reasoning, cut where the budget ends, then content after the forced close.
    assert answered.message.reasoning_content.strip() == first.message.reasoning_content.strip()
    assert answered.message.content.strip()
    assert "</think>" not in answered.message.content  # the parser read a normal close
    # SmolLM2 ends its answer itself; the forced close's tokens are counted as generated.
    assert answered.finish_reason == pb.FINISH_REASON_STOP
    assert answered.usage.completion_tokens > budget + 1


def test_a_zero_budget_answers_at_once_in_the_stream(qwen3_like: Served) -> None:
    stub, _ = qwen3_like.stubs()
    request = chat_request(user(ASK), sampling=GREEDY, max_tokens=16, thinking_budget_tokens=0)
    folded = fold(list(stub.ChatStream(pb.ChatStreamRequest(request=request), timeout=180)))
    assert not folded.reasoning_content.strip()
    assert folded.content.strip()
    assert folded.done.message.content == folded.content


def test_a_budgeted_sequence_beside_another_writes_what_it_writes_alone(
    qwen3_like: Served,
) -> None:
    alone = chat(qwen3_like, max_tokens=30, thinking_budget_tokens=4)
    with ThreadPoolExecutor(2) as pool:
        both = list(
            pool.map(
                lambda fields: chat(qwen3_like, **fields),
                [{"max_tokens": 30, "thinking_budget_tokens": 4}, {"max_tokens": 30}],
            )
        )
    assert both[0].message == alone.message
    assert not both[1].message.content  # the other one keeps reasoning, unbudgeted


def test_a_budget_with_thinking_off_is_invalid_argument(qwen3_like: Served) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        chat(qwen3_like, max_tokens=4, thinking=False, thinking_budget_tokens=10)
    assert code(caught.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert details(caught.value).startswith("thinking_budget_tokens:")


def test_the_command_line_sends_the_budget(qwen3_like: Served) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ggserve_client.cli", "chat", ASK, "--json", "--target",
         qwen3_like.target, "--max-tokens", "12", "--temperature", "0", "--thinking-budget", "2"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    kinds = [json.loads(line)["event"] for line in result.stdout.splitlines()]
    assert kinds.index("reasoning") < kinds.index("content")  # two tokens, then the answer


def test_logprobs_cover_the_forced_close(qwen3_like: Served) -> None:
    """Every generated token has its record, the forced `</think>` included (one token a step,
    each with the model's logprobs at its position); the answer is the one without logprobs."""
    budget = 6
    plain = chat(qwen3_like, max_tokens=40, thinking_budget_tokens=budget)
    answered = chat(
        qwen3_like, max_tokens=40, thinking_budget_tokens=budget, logprobs=True, top_logprobs=2
    )
    assert answered.message == plain.message
    records = list(answered.logprobs)
    text = b"".join(r.bytes for r in records).decode()
    # Listed: reasoning, the close, the answer; not the end-of-generation token.
    assert text.strip().endswith(answered.message.content.strip())
    assert len(records) == answered.usage.completion_tokens  # the end token is in neither
    close = b"".join(r.bytes for r in records[budget:]).decode()
    assert close.startswith("</think>"), close
    for record in records:
        assert record.logprob <= 0.0
        assert len(record.top_logprobs) == 2
        assert record.top_logprobs[0].logprob >= record.top_logprobs[1].logprob
    # The first forced token was not what the model wanted there: it still reasons.
    assert records[budget].top_logprobs[0].token_id != records[budget].token_id
