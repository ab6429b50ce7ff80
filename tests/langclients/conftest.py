"""Real servers for the Go and TypeScript client tests.

The servers run in this process: a replay engine answering text, the same one piece every
0.5 s, one answering a tool call, and the bundled SmolLM2 model with 1 thread. `go test` and
`node --test` run as subprocesses that find them through `GGSERVE_TEST_*_TARGET` variables;
`GGSERVE_TEST_REQUIRE_SERVERS` makes those suites fail, rather than skip, if one is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack

import pytest

from tests.client.servers import TOOL_ANSWER, replay_model, running, smollm2_model


@pytest.fixture(scope="session")
def client_env() -> Iterator[dict[str, str]]:
    """The environment of a client test run: the three servers' addresses."""
    with ExitStack() as stack:
        replay = stack.enter_context(running(replay_model()))
        tools = stack.enter_context(running(replay_model(TOOL_ANSWER)))
        paced = stack.enter_context(running(replay_model(piece_delay_s=0.5)))
        model = stack.enter_context(running(smollm2_model()))
        yield {
            **os.environ,
            "GGSERVE_TEST_REPLAY_TARGET": replay.target,
            "GGSERVE_TEST_TOOLS_TARGET": tools.target,
            "GGSERVE_TEST_PACED_TARGET": paced.target,
            "GGSERVE_TEST_MODEL_TARGET": model.target,
            "GGSERVE_TEST_REQUIRE_SERVERS": "1",
        }


@pytest.fixture(scope="session")
def tools_target(client_env: Mapping[str, str]) -> str:
    """Address of the replay server that answers a get_weather call."""
    return client_env["GGSERVE_TEST_TOOLS_TARGET"]
