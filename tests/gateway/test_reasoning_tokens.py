"""Reasoning token counts of recorded Qwen3 and DeepSeek-R1 output (replay core, one token a
piece) through gRPC, Chat Completions and Responses, unary and streamed.

The count is the number of pieces strictly inside the reasoning block (the markers are not
reasoning); a plain answer has none.
"""

from __future__ import annotations

from typing import Any

import pytest

from ggserve.engine.replay import ReplayEngine
from ggserve_client.v1 import api_pb2 as pb
from tests.integration.harness import Client, chat_request, fold
from tests.integration.test_formats import Recording, _template

from .conftest import Gateway, StartGateway
from .test_recorded_formats import ASK

# Token-sized pieces, as the models' tokenizers cut them.
CASES = {
    "qwen3": Recording(
        "hermes",
        ("<think>", "\n", "The", " user", " asks", ".", "\n", "</think>", "\n\n", "Sunny", "."),
        calls=[],
        reasoning="The user asks.",
        content="Sunny.",
    ),
    "deepseek_r1": Recording(
        "deepseek_r1",
        ("Need", " the", " weather", ".", "\n", "</think>", "\n\n", "Sunny", "."),
        calls=[],
        reasoning="Need the weather.",
        content="Sunny.",
        forced_open=True,
    ),
    "plain": Recording("hermes", ("Sunny", " and", " warm", "."), calls=[]),
}


def _inside_block(recording: Recording) -> int:
    """Pieces strictly between the open marker (or the prompt's) and the close marker."""
    pieces = recording.pieces
    if "</think>" not in pieces:
        return 0
    start = 0 if recording.forced_open else pieces.index("<think>") + 1
    return pieces.index("</think>") - start


def _start(replay_gateway: StartGateway, name: str) -> tuple[Recording, int, Gateway]:
    """The recording, its expected count, and a gateway replaying it."""
    recording = CASES[name]
    # Paced, so that the engine's channel does not join pieces the consumer has not read yet
    # (a joined step is attributed whole).
    engine = ReplayEngine(recording.pieces, piece_delay_s=0.05)
    return recording, _inside_block(recording), replay_gateway(engine, _template(recording))


@pytest.mark.parametrize("name", list(CASES))
def test_grpc_usage(replay_gateway: StartGateway, name: str) -> None:
    recording, expected, gw = _start(replay_gateway, name)
    client = Client.connect(gw.server)
    try:
        unary = client.chat.Chat(chat_request(), timeout=30)
        stream = client.chat.ChatStream(pb.ChatStreamRequest(request=chat_request()), timeout=30)
        folded = fold(list(stream))
    finally:
        client.channel.close()
    for done in (unary, folded.done):
        assert done.message.reasoning_content.strip() == recording.reasoning
        assert done.usage.completion_tokens == len(recording.pieces)
        assert done.usage.reasoning_tokens == expected


@pytest.mark.parametrize("name", list(CASES))
def test_chat_completions_usage(replay_gateway: StartGateway, name: str) -> None:
    recording, expected, gw = _start(replay_gateway, name)
    unary = gw.openai.chat.completions.create(model="replay", messages=ASK)
    reasoning = getattr(unary.choices[0].message, "reasoning_content", None) or ""
    assert reasoning.strip() == recording.reasoning
    chunks = list(
        gw.openai.chat.completions.create(
            model="replay", messages=ASK, stream=True, stream_options={"include_usage": True}
        )
    )
    streamed = chunks[-1].usage
    for usage in (unary.usage, streamed):
        assert usage is not None
        assert usage.completion_tokens == len(recording.pieces)
        assert usage.completion_tokens_details is not None
        assert usage.completion_tokens_details.reasoning_tokens == expected


@pytest.mark.parametrize("name", list(CASES))
def test_responses_usage(replay_gateway: StartGateway, name: str) -> None:
    recording, expected, gw = _start(replay_gateway, name)
    unary = gw.openai.responses.create(model="replay", input="Weather?")
    with gw.openai.responses.stream(model="replay", input="Weather?") as stream:
        list(stream)
        final = stream.get_final_response()
    reasoning: list[Any] = [i for i in unary.output if i.type == "reasoning"]
    assert bool(reasoning) == bool(recording.reasoning)
    for response in (unary, final):
        assert response.usage is not None
        assert response.usage.output_tokens == len(recording.pieces)
        assert response.usage.output_tokens_details.reasoning_tokens == expected
