"""Credentials pass through the gateway to the core as `authorization: Bearer` metadata.

The core's own token check decides (when it has one); here a spy on the real server's
interceptor records the metadata each call arrives with.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import grpc
import pytest

from ggserve.engine.replay import ReplayEngine
from ggserve.interceptors import ServiceInterceptor
from ggserve_gateway.auth import auth_metadata

from .conftest import API_KEY, StartGateway

ASK: Any = [{"role": "user", "content": "Hi"}]


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """The metadata of every call the server receives."""
    calls: list[dict[str, str]] = []
    original = ServiceInterceptor.intercept_service

    async def spy(
        self: ServiceInterceptor, continuation: Any, details: grpc.HandlerCallDetails
    ) -> Any:
        metadata = details.invocation_metadata or ()
        calls.append({str(k): str(v) for k, v in metadata})
        return await original(self, continuation, details)

    monkeypatch.setattr(ServiceInterceptor, "intercept_service", spy)
    return calls


def test_sdk_keys_arrive_as_bearer_tokens(
    replay_gateway: StartGateway, seen: list[dict[str, str]]
) -> None:
    gw = replay_gateway(ReplayEngine(("ok",)))
    gw.openai.chat.completions.create(model="replay", messages=ASK)  # Authorization: Bearer
    gw.anthropic.messages.create(model="replay", messages=ASK, max_tokens=4)  # x-api-key
    with gw.openai.chat.completions.create(model="replay", messages=ASK, stream=True) as stream:
        list(stream)
    assert len(seen) >= 3
    assert all(call.get("authorization") == f"Bearer {API_KEY}" for call in seen)


def test_no_key_sends_no_credentials(
    replay_gateway: StartGateway, seen: list[dict[str, str]]
) -> None:
    gw = replay_gateway(ReplayEngine(("ok",)))
    body = json.dumps({"model": "replay", "messages": ASK}).encode()
    request = urllib.request.Request(
        f"{gw.base_url}/v1/chat/completions", body, {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.load(response)["choices"][0]["message"]["content"] == "ok"
    assert seen
    assert all("authorization" not in call for call in seen)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"authorization": "Bearer abc"}, [("authorization", "Bearer abc")]),
        ({"authorization": "bearer  abc "}, [("authorization", "Bearer abc")]),
        ({"x-api-key": "k1"}, [("authorization", "Bearer k1")]),
        ({"authorization": "Bearer a", "x-api-key": "b"}, [("authorization", "Bearer a")]),
        ({"authorization": "Basic Zm9v"}, []),
        ({}, []),
    ],
)
def test_auth_metadata(headers: dict[str, str], expected: list[tuple[str, str]]) -> None:
    assert list(auth_metadata(headers)) == expected
