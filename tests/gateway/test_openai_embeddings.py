"""OpenAI `POST /v1/embeddings` through the gateway with the official `openai` SDK, over the real
all-MiniLM-L6-v2 GGUF (the models server of tests/integration/models_server.py)."""

from __future__ import annotations

import base64
import json
import math
import struct
import urllib.request
from collections.abc import Iterator

import openai
import pytest

from tests.integration.models_server import start_models_server

from .conftest import Gateway, start_gateway

pytestmark = pytest.mark.e2e

TEXTS = ["A man is eating food.", "A man is eating a piece of bread.", "The market crashed."]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    started = start_gateway(start_models_server(tmp_path_factory.mktemp("gw"), max_loaded=2))
    try:
        yield started
    finally:
        started.close()


def dot(a: list[float], b: list[float]) -> float:
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


def test_float_vectors_shapes_usage_and_ordering(gateway: Gateway) -> None:
    response = gateway.openai.embeddings.create(
        model="minilm", input=TEXTS, encoding_format="float"
    )
    assert response.model == "minilm"
    assert [d.index for d in response.data] == [0, 1, 2]
    vectors = [d.embedding for d in response.data]
    assert [len(v) for v in vectors] == [384] * 3
    assert all(abs(dot(v, v) - 1) < 1e-4 for v in vectors)  # unit length, as OpenAI's are
    assert response.usage.prompt_tokens == response.usage.total_tokens > 3 * 2
    assert dot(vectors[0], vectors[1]) > dot(vectors[0], vectors[2]) + 0.4


def test_base64_is_the_sdks_default_and_decodes_to_the_same_vectors(gateway: Gateway) -> None:
    floats = gateway.openai.embeddings.create(
        model="minilm", input=TEXTS[0], encoding_format="float"
    )
    default = gateway.openai.embeddings.create(model="minilm", input=TEXTS[0])  # base64 on the wire
    assert default.data[0].embedding == pytest.approx(floats.data[0].embedding, abs=1e-6)
    body = {"model": "minilm", "input": TEXTS[0], "encoding_format": "base64"}
    request = urllib.request.Request(
        f"{gateway.base_url}/v1/embeddings",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        raw = json.loads(answer.read())
    packed = base64.b64decode(raw["data"][0]["embedding"])
    assert list(struct.unpack(f"<{len(packed) // 4}f", packed)) == pytest.approx(
        floats.data[0].embedding, abs=1e-6
    )


def test_a_batch_equals_one_by_one_and_token_arrays_work(gateway: Gateway) -> None:
    batch = gateway.openai.embeddings.create(model="minilm", input=TEXTS).data
    for text, item in zip(TEXTS, batch, strict=True):
        (alone,) = gateway.openai.embeddings.create(model="minilm", input=text).data
        assert dot(item.embedding, alone.embedding) > 0.99999
    ids = [101, 1037, 2158, 2003, 5983, 2833, 1012, 102]  # [CLS] a man is eating food . [SEP]
    one = gateway.openai.embeddings.create(model="minilm", input=ids).data
    two = gateway.openai.embeddings.create(model="minilm", input=[ids, [*ids[:4], 102]]).data
    assert len(one) == 1
    assert len(two) == 2
    assert dot(one[0].embedding, batch[0].embedding) > 0.99999  # the same tokens as TEXTS[0]


def test_dimensions_is_refused_unless_it_is_the_models_own(gateway: Gateway) -> None:
    same = gateway.openai.embeddings.create(model="minilm", input="hi", dimensions=384)
    assert len(same.data[0].embedding) == 384
    with pytest.raises(openai.BadRequestError) as shorter:
        gateway.openai.embeddings.create(model="minilm", input="hi", dimensions=64)
    assert "dimensions" in shorter.value.message
    assert shorter.value.body["param"] == "dimensions"  # type: ignore[index]


def test_bad_inputs_are_400_naming_the_input(gateway: Gateway) -> None:
    with pytest.raises(openai.BadRequestError) as empty:
        gateway.openai.embeddings.create(model="minilm", input=["fine", ""])
    assert "input[1]" in empty.value.message
    with pytest.raises(openai.BadRequestError) as long:
        gateway.openai.embeddings.create(model="minilm", input=["fine", "word " * 600])
    assert "inputs[1]: 602 tokens" in long.value.message
    with pytest.raises(openai.NotFoundError):
        gateway.openai.embeddings.create(model="text-embedding-3-small", input="hi")
    with pytest.raises(openai.BadRequestError) as chat_model:
        gateway.openai.embeddings.create(model="smollm2", input="hi")
    assert "is a chat model" in chat_model.value.message
