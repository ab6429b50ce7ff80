"""Streams begin at admission, keep-alives fill the silence, and length limits speak each API.

A replay engine whose first piece waits for the test stands for a long prompt evaluation: the
HTTP response (status, headers, Anthropic `message_start` / OpenAI's role chunk) must arrive
while the core is still silent, and keep-alives (Anthropic `ping`, an empty-delta chunk for OpenAI)
must follow. A prompt that does not fit is refused before admission with each API's own words
and codes; a context that fills up during generation ends the turn with Anthropic's
`model_context_window_exceeded` / OpenAI's `length`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any, overload

import anthropic
import openai
import pytest

from ggserve.engine.replay import ReplayEngine
from ggserve_gateway import serving

from .conftest import Gateway, StartGateway

MODEL = "replay"
ASK: Any = [{"role": "user", "content": "Hello?"}]


class HeldPieces(Sequence[str]):
    """Scripted pieces whose first one is produced only once `release` is set: the engine's
    thread waits there, as it would while evaluating a long prompt."""

    def __init__(self, pieces: Sequence[str]) -> None:
        self.pieces = pieces
        self.release = threading.Event()

    def __len__(self) -> int:
        return len(self.pieces)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if index == 0:
            self.release.wait(60)
        return self.pieces[index]


@pytest.fixture
def held(
    replay_gateway: StartGateway, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Gateway, HeldPieces]]:
    monkeypatch.setattr(serving, "KEEP_ALIVE_S", 0.05)
    pieces = HeldPieces(["Hi", " there."])
    gateway = replay_gateway(ReplayEngine(pieces, alias=MODEL))
    try:
        yield gateway, pieces
    finally:
        pieces.release.set()


def _lines_until(lines: Iterator[str], wanted: str, limit: int = 200) -> list[str]:
    seen = []
    for line in lines:
        seen.append(line)
        if line == wanted or len(seen) >= limit:
            break
    return seen


def test_anthropic_stream_begins_at_admission_with_pings(held: tuple[Gateway, HeldPieces]) -> None:
    gateway, pieces = held
    with gateway.anthropic.messages.with_streaming_response.create(
        model=MODEL, max_tokens=50, messages=ASK, stream=True
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        first = _lines_until(lines, "event: ping")
        assert first[0] == "event: message_start"
        assert not pieces.release.is_set(), "the response began before the first token"
        # More pings while the core is silent.
        assert _lines_until(lines, "event: ping")[-1] == "event: ping"
        pieces.release.set()
        rest = _lines_until(lines, "event: message_stop")
    assert "event: content_block_delta" in rest
    assert rest[-1] == "event: message_stop"


def test_openai_stream_begins_at_admission_with_empty_deltas(
    held: tuple[Gateway, HeldPieces],
) -> None:
    gateway, pieces = held
    with gateway.openai.chat.completions.with_streaming_response.create(
        model=MODEL, messages=ASK, stream=True
    ) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        first = next(line for line in lines if line)
        assert first.startswith("data: ")
        assert '"role":"assistant"' in first
        keep_alive = 'data: {"id":'
        silent = _lines_until(lines, "never", limit=3)  # a blank line, a keep-alive, a blank
        assert any(x.startswith(keep_alive) and '"delta":{}' in x for x in silent), silent
        assert not pieces.release.is_set()
        pieces.release.set()
        rest = _lines_until(lines, "data: [DONE]")
    assert any('"content":"Hi' in line for line in rest), rest
    assert rest[-1] == "data: [DONE]"


@pytest.fixture
def small(replay_gateway: StartGateway) -> Gateway:
    """A 64-token context (one token per byte) whose script never ends on its own."""
    return replay_gateway(ReplayEngine(["x"] * 1000, alias=MODEL, n_ctx=64))


LONG: Any = [{"role": "user", "content": "word " * 40}]


@pytest.mark.parametrize("stream", [False, True])
def test_prompt_too_long_in_anthropic_words(small: Gateway, stream: bool) -> None:
    with pytest.raises(anthropic.BadRequestError) as refused:
        small.anthropic.messages.create(model=MODEL, max_tokens=32000, messages=LONG, stream=stream)
    error = refused.value.body["error"]  # type: ignore[index]
    assert error["type"] == "invalid_request_error"
    tokens = int(error["message"].split()[4])
    assert tokens > 64
    assert error["message"] == f"prompt is too long: {tokens} tokens > 64 maximum"


@pytest.mark.parametrize("stream", [False, True])
def test_prompt_too_long_in_openai_words(small: Gateway, stream: bool) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        small.openai.chat.completions.create(
            model=MODEL, messages=LONG, max_tokens=32000, stream=stream
        )
    assert refused.value.code == "context_length_exceeded"
    assert refused.value.param == "messages"
    assert "maximum context length is 64 tokens" in refused.value.message


def test_a_full_context_ends_the_turn_in_each_api(small: Gateway) -> None:
    message = small.anthropic.messages.create(model=MODEL, max_tokens=32000, messages=ASK)
    assert message.stop_reason == "model_context_window_exceeded"
    with small.anthropic.messages.stream(model=MODEL, max_tokens=32000, messages=ASK) as events:
        streamed = events.get_final_message()
    assert streamed.stop_reason == "model_context_window_exceeded"
    assert streamed.usage.output_tokens == message.usage.output_tokens > 0
    # A budget that runs out first is still `max_tokens`.
    short = small.anthropic.messages.create(model=MODEL, max_tokens=3, messages=ASK)
    assert short.stop_reason == "max_tokens"
    completion = small.openai.chat.completions.create(model=MODEL, messages=ASK, max_tokens=32000)
    assert completion.choices[0].finish_reason == "length"
