"""Fixtures: start real servers over replay engines and connect blocking clients to them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ggserve.engine.base import Engine
from ggserve.engine.replay import ReplayEngine, Script
from ggserve.registry import ServedModel
from ggserve.templates import ChatTemplate

from .harness import Client, ServerThread


def served(engine: Engine, template: ChatTemplate | None = None) -> ServedModel:
    """`engine` served under its alias; the ChatML fallback template unless one is given."""
    template = template or ChatTemplate(None)
    return ServedModel(
        alias=engine.info.alias,
        engine=engine,
        renderer=template,
        tool_format=template.tool_format,
        tools_in_template=template.tools_in_template,
        has_chat_template=template.has_chat_template,
    )


StartServer = Callable[..., Client]


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """Start a server over given engines: `start_server(engine, ..., template=None)`."""
    servers: list[ServerThread] = []

    def start(*engines: Engine, template: ChatTemplate | None = None) -> Client:
        server = ServerThread([served(engine, template) for engine in engines])
        servers.append(server)
        return Client.connect(server)

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def replay_client(start_server: StartServer) -> Client:
    """A server over a replay engine that answers "Hello, world!" in four pieces."""
    return start_server(ReplayEngine(("Hello", ",", " world", "!")))


def replay(script: Script, **options: Any) -> ReplayEngine:
    """A replay engine over `script`."""
    return ReplayEngine(script, **options)
