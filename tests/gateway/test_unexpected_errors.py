"""A bug in the gateway is still answered in the API's shape: a JSON 500 before the response
starts (never uvicorn's plain-text "Internal Server Error"), an error event inside a stream that
has started (never a cut connection). The bug is injected by replacing a response builder with
one that raises; the server, core and SDKs are real.
"""

from __future__ import annotations

from typing import Any, NoReturn

import anthropic
import openai
import pytest

from ggserve.engine.replay import ReplayEngine
from ggserve_gateway import anthropic_response, openai_response
from ggserve_gateway.block_writer import BlockWriter

from .conftest import StartGateway

ASK: Any = [{"role": "user", "content": "Hi"}]


def _broken(*args: object, **kwargs: object) -> NoReturn:
    raise RuntimeError("injected bug")


def test_a_bug_in_a_unary_answer_is_an_api_shaped_500(
    replay_gateway: StartGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = replay_gateway(ReplayEngine())
    monkeypatch.setattr(anthropic_response, "message", _broken)
    monkeypatch.setattr(openai_response, "completion", _broken)
    with pytest.raises(anthropic.InternalServerError) as failed:
        gateway.anthropic.messages.create(model="replay", messages=ASK, max_tokens=4)
    assert failed.value.body == {
        "type": "error",
        "error": {"type": "api_error", "message": "the gateway failed: RuntimeError"},
    }
    with pytest.raises(openai.InternalServerError) as failed_openai:
        gateway.openai.chat.completions.create(model="replay", messages=ASK)
    assert failed_openai.value.body["type"] == "server_error"  # type: ignore[index]


def test_a_bug_inside_a_stream_is_an_error_event(
    replay_gateway: StartGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = replay_gateway(ReplayEngine())
    monkeypatch.setattr(BlockWriter, "event", _broken)
    with (
        pytest.raises(anthropic.APIStatusError) as failed,
        gateway.anthropic.messages.stream(model="replay", messages=ASK, max_tokens=4) as stream,
    ):
        stream.get_final_message()
    assert failed.value.body == {
        "type": "error",
        "error": {"type": "api_error", "message": "the gateway failed: RuntimeError"},
    }
