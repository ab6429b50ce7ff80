"""The `ggserve-client` command line run as a subprocess: output, `--json` and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ggserve_client.cli.main import (
    EXIT_DEADLINE,
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
)
from tests.integration.harness import ServerThread

from .servers import replay_model, running
from .test_sync_client import WEATHER


def cli(*args: str, command: str = "ggserve_client.cli") -> subprocess.CompletedProcess[str]:
    """Run the command line in a fresh interpreter (stdout is a pipe: no colors)."""
    return subprocess.run(
        [sys.executable, "-m", command, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_chat_prints_the_answer(server: ServerThread) -> None:
    result = cli("chat", "Hi", "--target", server.target, "--max-tokens", "8", "--stats")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == "Hello, world!\n"
    assert "\x1b[" not in result.stdout
    assert "finish=stop" in result.stderr


def test_chat_json_streams_one_object_per_event(tool_server: ServerThread, tmp_path: Path) -> None:
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([WEATHER]))
    target = tool_server.target
    result = cli("chat", "Weather?", "--target", target, "--tools", str(tools), "--json")
    assert result.returncode == EXIT_OK, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert {"reasoning", "content", "tool_call"} <= set(kinds)
    assert kinds[-1] == "done"
    done = events[-1]
    assert done["finish_reason"] == "tool_calls"
    assert done["message"]["tool_calls"][0]["name"] == "get_weather"
    args = "".join(e["arguments"] for e in events if e["event"] == "tool_call")
    assert args == done["message"]["tool_calls"][0]["arguments"]


def test_chat_renders_reasoning_and_tool_calls_as_text(tool_server: ServerThread) -> None:
    result = cli("chat", "Weather?", "--target", tool_server.target, "--no-color")
    assert result.returncode == EXIT_OK, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "thinking: Weather needs a tool."
    assert lines[1] == "Checking."
    assert lines[2].startswith("-> get_weather {")
    assert "Paris" in lines[2]


def test_chat_marks_a_discarded_call() -> None:
    truncated = ("Checking.", "<tool_call>\n", '{"name": "get_weather", "arguments": {"city": "Pa')
    with running(replay_model(truncated)) as server:
        text = cli("chat", "Weather?", "--target", server.target, "--no-color")
        as_json = cli("chat", "Weather?", "--target", server.target, "--json")
    assert text.returncode == EXIT_OK, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == "Checking."
    assert lines[1].startswith("-> get_weather {")
    assert lines[1].endswith(" [discarded: truncated]")
    assert "get_weather" in "\n".join(lines[2:]), "the call's raw text follows as content"
    events = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert {"event": "tool_call_end", "index": 0, "status": "truncated"} in events
    assert events[-1]["message"]["tool_calls"] == []
    assert events[-1]["finish_reason"] == "stop"


def test_unary_json_prints_the_final_message(server: ServerThread) -> None:
    result = cli("chat", "Hi", "--target", server.target, "--no-stream", "--json")
    assert result.returncode == EXIT_OK, result.stderr
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["message"]["content"] == "Hello, world!"


def test_models_table_and_json(server: ServerThread) -> None:
    table = cli("models", "--target", server.target)
    assert table.returncode == EXIT_OK, table.stderr
    assert table.stdout.splitlines()[1].startswith("replay *")
    as_json = cli("models", "--target", server.target, "--json")
    assert json.loads(as_json.stdout)[0]["alias"] == "replay"


def test_service_cli_delegates_chat(server: ServerThread) -> None:
    result = cli("chat", "Hi", "--target", server.target, command="ggserve")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == "Hello, world!\n"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("chat",), EXIT_USAGE),
        (("chat", "Hi", "--max-tokens", "many"), EXIT_USAGE),
        (("chat", "Hi", "--tools", "/nonexistent/tools.json"), EXIT_USAGE),
        (("chat", "Hi", "--model", "nope"), EXIT_REJECTED),
        (("chat", "Hi", "--temperature", "-1"), EXIT_REJECTED),
    ],
)
def test_exit_codes(server: ServerThread, args: tuple[str, ...], code: int) -> None:
    result = cli(*args, "--target", server.target)
    assert result.returncode == code, result.stderr
    assert "error" in result.stderr


def test_deadline_exit_code(slow_server: ServerThread) -> None:
    result = cli("chat", "Hi", "--timeout", "0.5", "--target", slow_server.target)
    assert result.returncode == EXIT_DEADLINE, result.stderr


def test_unavailable_server_exit_code_and_json_error() -> None:
    result = cli("chat", "Hi", "--target", "127.0.0.1:1", "--timeout", "5", "--json")
    assert result.returncode == EXIT_UNAVAILABLE
    error = json.loads(result.stdout.splitlines()[-1])
    assert error["event"] == "error"
    assert error["code"] == "UNAVAILABLE"
