"""Fixtures: start real servers over replay engines and connect blocking clients to them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from ggserve.domain import Message
from ggserve.engine.base import Engine
from ggserve.engine.replay import ReplayEngine, Script
from ggserve.registry import ServedModel

from .harness import Client, ServerThread


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered prompt (the shape `ggserve.templates` returns)."""

    text: str
    thinking_forced_open: bool
    tool_format: str
    tools_in_template: bool


@dataclass(frozen=True, slots=True)
class ChatMLRenderer:
    """A fixed ChatML prompt for replay engines, whose output does not depend on the prompt."""

    tool_format: str = "hermes"
    thinking_forced_open: bool = False

    def render(
        self,
        messages: Sequence[Message],
        tools: Sequence[dict[str, Any]] | None = None,
        *,
        add_generation_prompt: bool = True,
        thinking: bool | None = None,
    ) -> Rendered:
        turns = [f"<|im_start|>{m.role.value}\n{m.content}<|im_end|>\n" for m in messages]
        prompt = "".join(turns) + ("<|im_start|>assistant\n" if add_generation_prompt else "")
        if self.thinking_forced_open:
            prompt += "<think>\n"
        return Rendered(prompt, self.thinking_forced_open, self.tool_format, bool(tools))


def served(engine: Engine, renderer: ChatMLRenderer | None = None) -> ServedModel:
    """`engine` served under its alias with a ChatML renderer."""
    renderer = renderer or ChatMLRenderer()
    return ServedModel(
        alias=engine.info.alias,
        engine=engine,
        renderer=renderer,
        tool_format=renderer.tool_format,
        tools_in_template=True,
        has_chat_template=True,
    )


StartServer = Callable[..., Client]


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """Start a server over given engines: `start_server(engine, ..., renderer=None)`."""
    servers: list[ServerThread] = []

    def start(*engines: Engine, renderer: ChatMLRenderer | None = None) -> Client:
        server = ServerThread([served(engine, renderer) for engine in engines])
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
