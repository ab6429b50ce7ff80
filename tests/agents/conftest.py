"""Fixtures: the scripted core behind the HTTP gateway, and scratch folders for an agent run.

The server and the gateway run in this process as `ggserve serve --http-port` runs them (the
gateway on the server's event loop), over the replay engine answering from `AgentScript`; the
agents are the real npm packages, run as subprocesses (`launch.py`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ggserve.engine.replay import ReplayEngine
from tests.gateway.conftest import Gateway, start_gateway
from tests.integration.conftest import served
from tests.integration.harness import ServerThread

from .launch import ROOT, Scratch
from .scripted_model import AgentScript

MODEL = "scripted-coder"
# Bytes are tokens in the replay engine: room for the agents' 80-100 kB prompts plus the
# 32000-token budgets they ask for.
REPLAY_CONTEXT = 1 << 20


@dataclass
class ScriptedGateway:
    """The gateway over the scripted core, and the script (what it was asked, what it said)."""

    gateway: Gateway
    script: AgentScript

    @property
    def base_url(self) -> str:
        """The server's root URL (agents add `/v1` or not, each its own way)."""
        return self.gateway.base_url


@pytest.fixture
def scripted_gateway() -> Iterator[ScriptedGateway]:
    """A fresh scripted core (its own script state) behind the gateway."""
    script = AgentScript()
    engine = ReplayEngine(script, alias=MODEL, n_ctx=REPLAY_CONTEXT)
    gateway = start_gateway(ServerThread([served(engine)]))
    try:
        yield ScriptedGateway(gateway, script)
    finally:
        gateway.close()


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Scratch]:
    """A scratch HOME and working directory. The HOME is outside /tmp: Codex will not make its
    helper binaries in a temporary folder. The working directory is outside any git checkout,
    as a user's fresh project would be."""
    (ROOT / ".tools").mkdir(exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="agent-home-", dir=ROOT / ".tools"))
    work = tmp_path / "work"
    work.mkdir()
    try:
        yield Scratch(home, work)
    finally:
        shutil.rmtree(home, ignore_errors=True)
