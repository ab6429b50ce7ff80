"""`logprobs`, `top_logprobs` and `logit_bias` through the official `openai` SDK, over the real
bundled model (greedy, 1 thread): unary and streamed, the values' meaning, and the bounds."""

from __future__ import annotations

import math
from typing import Any

import grpc
import openai
import pytest

from ggserve_client.v1 import api_pb2 as pb
from ggserve_client.v1 import api_pb2_grpc as pb_grpc

from .conftest import Gateway

pytestmark = pytest.mark.e2e

ASK: Any = [{"role": "user", "content": "What is the capital of France?"}]


def _model(gw: Gateway) -> str:
    return gw.openai.models.list().data[0].id


def test_unary_logprobs_have_openai_shape_and_greedy_values(model_gateway: Gateway) -> None:
    client = model_gateway.openai
    completion = client.chat.completions.create(
        model=_model(model_gateway), messages=ASK, max_tokens=12, temperature=0, seed=1,
        logprobs=True, top_logprobs=4,
    )  # fmt: skip
    choice = completion.choices[0]
    assert choice.logprobs is not None
    assert choice.logprobs.content is not None
    content = choice.logprobs.content
    assert completion.usage is not None
    assert len(content) == completion.usage.completion_tokens
    assert bytes(b for entry in content for b in entry.bytes or []).decode() == (
        choice.message.content
    )
    for entry in content:
        assert len(entry.top_logprobs) == 4
        assert entry.top_logprobs[0].token == entry.token
        assert entry.top_logprobs[0].logprob == entry.logprob
        assert sum(math.exp(t.logprob) for t in entry.top_logprobs) <= 1.0 + 1e-9


def test_streamed_logprobs_equal_the_unary_ones(model_gateway: Gateway) -> None:
    client, model = model_gateway.openai, _model(model_gateway)
    options: Any = {
        "model": model, "messages": ASK, "max_tokens": 12, "temperature": 0, "seed": 1,
        "logprobs": True, "top_logprobs": 2,
    }  # fmt: skip
    unary = client.chat.completions.create(**options)
    streamed: list[Any] = []
    text = ""
    for chunk in client.chat.completions.create(**options, stream=True):
        for choice in chunk.choices:
            text += choice.delta.content or ""
            if choice.logprobs is not None and choice.logprobs.content:
                streamed += choice.logprobs.content
    assert unary.choices[0].logprobs is not None
    assert streamed == unary.choices[0].logprobs.content
    assert text == unary.choices[0].message.content


def test_no_logprobs_unless_asked(model_gateway: Gateway) -> None:
    completion = model_gateway.openai.chat.completions.create(
        model=_model(model_gateway), messages=ASK, max_tokens=2, temperature=0
    )
    assert completion.choices[0].logprobs is None


def test_logit_bias_forces_and_bans_a_token(model_gateway: Gateway) -> None:
    client, model = model_gateway.openai, _model(model_gateway)

    def first(bias: dict[str, int]) -> str:
        completion = client.chat.completions.create(
            model=model, messages=ASK, max_tokens=1, temperature=0, logit_bias=bias,
            logprobs=True,
        )  # fmt: skip
        logprobs = completion.choices[0].logprobs
        assert logprobs is not None
        assert logprobs.content is not None
        return logprobs.content[0].token

    natural = first({})
    assert natural != "="
    assert first({"45": 100}) == "="  # token 45 is "=" in SmolLM2's vocabulary
    assert first({str(_token_id(model_gateway, natural)): -100}) != natural


def _token_id(gw: Gateway, text: str) -> int:
    with grpc.insecure_channel(gw.server.target) as channel:
        tokens = (
            pb_grpc.ModelServiceStub(channel)
            .Tokenize(pb.TokenizeRequest(text=text), timeout=10)
            .token_ids
        )
    assert len(tokens) == 1
    return int(tokens[0])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("logit_bias", {"49152": 5}),  # past the vocabulary
        ("logit_bias", {"x": 5}),
        ("logit_bias", {str(i): 1 for i in range(301)}),
        ("logit_bias", {"5": 101}),
        ("top_logprobs", 21),
    ],
)
def test_bad_logprob_fields_are_400_naming_the_field(
    model_gateway: Gateway, field: str, value: Any
) -> None:
    extra: Any = {field: value, "logprobs": True}
    with pytest.raises(openai.BadRequestError) as caught:
        model_gateway.openai.chat.completions.create(
            model=_model(model_gateway), messages=ASK, max_tokens=1, **extra
        )
    assert "logit_bias" in str(caught.value) or "top_logprobs" in str(caught.value)
