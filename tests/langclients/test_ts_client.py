"""clients/ts: `node --test` and the example program against real servers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from .runner import TS_CLIENT, run


@pytest.fixture(scope="module")
def built() -> Path:
    """clients/ts compiled by tsc (dependencies installed by `npm ci`, see mk/langclients.mk)."""
    if not (TS_CLIENT / "node_modules" / ".bin" / "tsc").exists():
        pytest.fail("clients/ts/node_modules is missing; run `make test` (it runs `npm ci`)")
    result = run(["npm", "run", "--silent", "build"], TS_CLIENT)
    assert result.returncode == 0, result.tail()
    return TS_CLIENT / "dist"


def _count(tap: str, key: str) -> int:
    match = re.search(rf"^# {key} (\d+)$", tap, re.MULTILINE)
    assert match, f"no '# {key}' line in the TAP output"
    return int(match.group(1))


def test_ts_client_passes_against_real_servers(built: Path, client_env: Mapping[str, str]) -> None:
    command = ["node", "--test", "--test-reporter=tap", str(built / "test")]
    result = run(command, TS_CLIENT, client_env)
    assert result.returncode == 0, result.tail()
    assert _count(result.stdout, "fail") == 0, result.tail()
    assert _count(result.stdout, "skipped") == 0, result.tail()
    # The suite really ran: the tool-call, error and real-model tests are among the passes.
    for name in (
        "tool-call fragments fold into the final message's call",
        "a stream for an unknown model throws NotFoundError from the iteration",
        "calls a forced tool with JSON arguments",
    ):
        assert re.search(rf"^\s*ok \d+ - {re.escape(name)}$", result.stdout, re.MULTILINE), name


def test_ts_example_answers_tool_calls(built: Path, tools_target: str) -> None:
    example = built / "examples" / "chat.js"
    result = run(["node", str(example), "--target", tools_target, "--rounds", "2", "Hi"], TS_CLIENT)
    assert result.returncode == 0, result.tail()
    # The replay server always calls get_weather: the example answers it each round.
    answered = '[get_weather({"city": "Paris"}) -> {"city":"Paris"'
    assert result.stdout.count(answered) == 2, result.tail()
    assert "Checking." in result.stdout
