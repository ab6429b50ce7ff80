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


# --- Responses API --------------------------------------------------------------------------------


def test_responses_logprobs_unary_and_streamed(model_gateway: Gateway) -> None:
    client = model_gateway.openai
    options: Any = {
        "model": _model(model_gateway), "input": "What is the capital of France?",
        "max_output_tokens": 12, "temperature": 0,
        "include": ["message.output_text.logprobs"], "top_logprobs": 3,
    }  # fmt: skip
    unary = client.responses.create(**options)
    (message,) = [item for item in unary.output if item.type == "message"]
    part = message.content[0]
    assert part.type == "output_text"
    entries = part.logprobs
    assert entries is not None
    assert unary.usage is not None
    assert len(entries) == unary.usage.output_tokens
    assert bytes(b for e in entries for b in e.bytes).decode() == part.text
    for entry in entries:
        assert len(entry.top_logprobs) == 3
        assert entry.top_logprobs[0].token == entry.token
        assert entry.top_logprobs[0].logprob == entry.logprob

    streamed: list[tuple[str, float]] = []
    final: Any = None
    for event in client.responses.create(**options, stream=True):
        if event.type == "response.output_text.delta":
            streamed += [(e.token, e.logprob) for e in event.logprobs]
        elif event.type in ("response.completed", "response.incomplete"):
            final = event.response
    assert streamed == [(e.token, e.logprob) for e in entries]
    (streamed_message,) = [item for item in final.output if item.type == "message"]
    assert streamed_message.content[0].logprobs == entries


def test_responses_without_include_have_no_logprobs(model_gateway: Gateway) -> None:
    unary = model_gateway.openai.responses.create(
        model=_model(model_gateway), input="Say hi.", max_output_tokens=4, temperature=0
    )
    (message,) = [item for item in unary.output if item.type == "message"]
    assert message.content[0].type == "output_text"
    assert message.content[0].logprobs == []
