"""clients/go: `go test` and the example program against real servers."""

from __future__ import annotations

import json
from collections.abc import Mapping

from .runner import GO_CLIENT, run


def _results(output: str) -> tuple[dict[str, str], dict[str, str]]:
    """Final action (pass/fail/skip) and output of every test in `go test -json` output."""
    results: dict[str, str] = {}
    outputs: dict[str, str] = {}
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        name = event.get("Test")
        if not name:
            continue
        if event.get("Action") == "output":
            outputs[name] = outputs.get(name, "") + event.get("Output", "")
        elif event.get("Action") in {"pass", "fail", "skip"}:
            results[name] = event["Action"]
    return results, outputs


def test_go_client_passes_against_real_servers(client_env: Mapping[str, str]) -> None:
    result = run(["go", "test", "-count=1", "-json", "./..."], GO_CLIENT, client_env)
    results, outputs = _results(result.stdout)
    failed = sorted(name for name, action in results.items() if action != "pass")
    report = "".join(outputs[name] for name in failed) or result.tail()
    assert not failed, f"failed or skipped: {failed}\n{report}"
    assert result.returncode == 0, result.tail()
    # The suite really ran: the tool-call, error and real-model tests are among the passes.
    expected = (
        "TestChatStreamToolCall",
        "TestStreamErrorsAreTyped",
        "TestRealModelCallsAForcedTool",
    )
    for name in expected:
        assert results.get(name) == "pass", f"{name} did not run\n{result.tail()}"


def test_go_example_answers_tool_calls(tools_target: str) -> None:
    command = ["go", "run", "-buildvcs=false", "./cmd/ggserve-chat", "-target", tools_target]
    result = run([*command, "-rounds", "2", "Weather in Paris?"], GO_CLIENT)
    assert result.returncode == 0, result.tail()
    # The replay server always calls get_weather: the example answers it each round.
    answered = '[get_weather({"city": "Paris"}) -> {"city":"Paris"'
    assert result.stdout.count(answered) == 2, result.tail()
    assert "Checking." in result.stdout


def test_go_client_is_formatted_and_vetted() -> None:
    unformatted = run(["gofmt", "-l", "."], GO_CLIENT)
    assert unformatted.returncode == 0, unformatted.tail()
    assert not unformatted.stdout.strip(), f"run gofmt -w on: {unformatted.stdout}"
    vet = run(["go", "vet", "./..."], GO_CLIENT)
    assert vet.returncode == 0, vet.tail()
