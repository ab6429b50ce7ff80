"""The Embed RPC over the real all-MiniLM-L6-v2 GGUF, through the Python client and raw stubs."""

from __future__ import annotations

import math
from collections.abc import Iterator

import grpc
import pytest

from ggserve_client import Client as GgserveClient
from ggserve_client.errors import GgserveError
from ggserve_client.v1 import api_pb2 as pb
from ggserve_client.v1 import api_pb2_grpc as pb_grpc

from .harness import ServerThread, chat_request, code, details
from .models_server import start_models_server

pytestmark = pytest.mark.e2e

SIMILAR = ("A man is eating food.", "A man is eating a piece of bread.")
UNRELATED = "The stock market crashed today."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    started = start_models_server(tmp_path_factory.mktemp("embed"), max_loaded=2)
    try:
        yield started
    finally:
        started.close()


@pytest.fixture(scope="module")
def client(server: ServerThread) -> Iterator[GgserveClient]:
    with GgserveClient(server.target, timeout=120) as connected:
        yield connected


def dot(a: list[float], b: list[float]) -> float:
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


def test_vectors_have_the_models_size_and_unit_length(client: GgserveClient) -> None:
    result = client.embed([*SIMILAR, UNRELATED], model="minilm", normalize=True)
    assert result.model == "minilm"
    assert [len(v) for v in result.vectors] == [384, 384, 384]
    assert all(abs(dot(v, v) - 1.0) < 1e-4 for v in result.vectors)
    assert all(n > 2 for n in result.tokens)  # [CLS] … [SEP] around the words
    assert result.prompt_tokens == sum(result.tokens)
    model = client.get_model("minilm")
    assert model.embedding_dimensions == 384
    assert model.state == "loaded"


def test_similar_sentences_score_closer_than_unrelated_ones(client: GgserveClient) -> None:
    a, b, c = client.embed([*SIMILAR, UNRELATED], model="minilm", normalize=True).vectors
    assert dot(a, b) > 0.6  # sentence-transformers gives 0.755 for this pair
    assert dot(a, b) > dot(a, c) + 0.4
    assert dot(a, b) > dot(b, c) + 0.4


def test_a_batch_equals_one_by_one(client: GgserveClient) -> None:
    texts = [*SIMILAR, UNRELATED, "short", "a somewhat longer sentence about embeddings " * 8]
    batch = client.embed(texts, model="minilm", normalize=True).vectors
    for text, vector in zip(texts, batch, strict=True):
        (alone,) = client.embed(text, model="minilm", normalize=True).vectors
        # The same vector up to float rounding: the F16 kernels round differently for other
        # batch shapes (about 1e-4 per component), never more.
        assert dot(vector, alone) > 0.99999
        assert max(abs(x - y) for x, y in zip(vector, alone, strict=True)) < 1e-3


def test_token_ids_embed_like_their_text(client: GgserveClient) -> None:
    tokens = client.tokenize(SIMILAR[0], model="minilm", add_bos=True)
    from_text, from_tokens = client.embed([SIMILAR[0], tokens], model="minilm").vectors
    assert from_text == from_tokens  # same tokens, same batch: the same numbers


def test_unnormalised_vectors_keep_their_length(client: GgserveClient) -> None:
    (raw,) = client.embed(SIMILAR[0], model="minilm", normalize=False).vectors
    (unit,) = client.embed(SIMILAR[0], model="minilm", normalize=True).vectors
    norm = math.sqrt(dot(raw, raw))
    assert abs(norm - 1.0) > 0.01  # MiniLM's mean-pooled states are not unit length
    assert max(abs(x / norm - y) for x, y in zip(raw, unit, strict=True)) < 1e-5


def test_an_input_over_the_context_is_refused_naming_it(server: ServerThread) -> None:
    stub = pb_grpc.EmbeddingServiceStub(grpc.insecure_channel(server.target))
    inputs = [pb.EmbedInput(text="fine"), pb.EmbedInput(text="word " * 600)]
    with pytest.raises(grpc.RpcError) as long:
        stub.Embed(pb.EmbedRequest(model="minilm", inputs=inputs), timeout=60)
    assert code(long.value) is grpc.StatusCode.INVALID_ARGUMENT
    assert details(long.value).startswith("inputs[1]: 602 tokens")
    bad_id = pb.EmbedInput(tokens=pb.TokenIds(ids=[101, 10**6]))
    with pytest.raises(grpc.RpcError) as vocab:
        stub.Embed(pb.EmbedRequest(model="minilm", inputs=[bad_id]), timeout=60)
    assert code(vocab.value) is grpc.StatusCode.INVALID_ARGUMENT
    assert "inputs[0].tokens: token id 1000000 is not in the vocabulary" in details(vocab.value)
    with pytest.raises(grpc.RpcError) as empty:
        stub.Embed(pb.EmbedRequest(model="minilm"), timeout=60)
    assert code(empty.value) is grpc.StatusCode.INVALID_ARGUMENT


def test_chat_and_embedding_models_refuse_each_others_calls(
    server: ServerThread, client: GgserveClient
) -> None:
    with pytest.raises(GgserveError) as not_embedding:
        client.embed("hello", model="smollm2")
    assert not_embedding.value.code is grpc.StatusCode.FAILED_PRECONDITION
    assert "is a chat model" in not_embedding.value.message
    chat = pb_grpc.ChatServiceStub(grpc.insecure_channel(server.target))
    with pytest.raises(grpc.RpcError) as not_chat:
        chat.Chat(chat_request(model="minilm", max_tokens=2), timeout=60)
    assert code(not_chat.value) is grpc.StatusCode.FAILED_PRECONDITION
    assert "is an embedding model" in details(not_chat.value)
