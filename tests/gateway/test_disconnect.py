"""A client that disconnects cancels its generation, streamed or not (replay engine, slow)."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

from ggserve.engine.replay import ReplayEngine

from .conftest import StartGateway, wait_for


def _send(base_url: str, path: str, body: dict[str, object]) -> socket.socket:
    url = urlsplit(base_url)
    assert url.hostname is not None
    assert url.port is not None
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    data = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nhost: {url.netloc}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(data)}\r\n\r\n"
    )
    sock.sendall(head.encode() + data)
    return sock


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/completions", {"stream": False}),
        ("/v1/chat/completions", {"stream": True}),
        ("/v1/messages", {"stream": False, "max_tokens": 2000}),
        ("/v1/messages", {"stream": True, "max_tokens": 2000}),
    ],
)
def test_disconnect_cancels_the_generation(
    replay_gateway: StartGateway, path: str, body: dict[str, object]
) -> None:
    # 1,000 pieces 20 ms apart: 20 s unless the disconnect cancels it.
    engine = ReplayEngine(["x"] * 1000, piece_delay_s=0.02)
    gw = replay_gateway(engine)
    request = {"model": "replay", "messages": [{"role": "user", "content": "Go"}], **body}
    sock = _send(gw.base_url, path, request)
    wait_for(lambda: engine.stats().running == 1)
    sock.close()
    wait_for(lambda: engine.stats().running == 0, timeout=5)
