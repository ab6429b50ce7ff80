"""Fixtures: replay servers answering plain text, or reasoning plus a tool call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.harness import ServerThread

from .servers import TOOL_ANSWER, replay_model, running


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    """Answers "Hello, world!" in four pieces."""
    with running(replay_model()) as server:
        yield server


@pytest.fixture(scope="module")
def tool_server() -> Iterator[ServerThread]:
    """Answers with reasoning, content and a `get_weather` call (hermes syntax)."""
    with running(replay_model(TOOL_ANSWER)) as server:
        yield server


@pytest.fixture(scope="module")
def slow_server() -> Iterator[ServerThread]:
    """Answers "Hello, world!" one piece every 2 s: a deadline shorter than that always fires."""
    with running(replay_model(piece_delay_s=2.0)) as server:
        yield server
