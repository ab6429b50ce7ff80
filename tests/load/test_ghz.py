"""ghz against a real server on 127.0.0.1: Chat and ChatStream, via the proto file and reflection.

Each run is bounded (`-n` calls, `-c` workers, per-call `-t`, and the subprocess timeout) and
its JSON report must show every call OK. The runs use the shipped deploy/ghz/ configs, so those
stay valid.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.client.servers import replay_model, running, smollm2_model
from tests.integration.harness import ServerThread

from .ghz import CONFIGS, assert_all_ok, run_ghz

BOUNDS = ("-n", "20", "-c", "2", "-t", "30s")  # ghz -x overrides -n (it acts as -z): not used
CHAT = '{"messages":[{"role":"ROLE_USER","content":"Say hi"}],"max_tokens":8}'
CHAT_STREAM = '{"request":' + CHAT + "}"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    """A real server over a replay engine answering in four pieces."""
    with running(replay_model()) as server:
        yield server


@pytest.mark.parametrize("config", ["chat.json", "chat_stream.json"])
def test_proto_file_configs(server: ServerThread, config: str) -> None:
    report = run_ghz(server.target, "--config", str(CONFIGS / config), *BOUNDS)
    assert_all_ok(report, 20)


def test_proto_file_flags_for_chat_stream(server: ServerThread) -> None:
    report = run_ghz(
        server.target, "--insecure", "--proto", "proto/ggserve/v1/api.proto",
        "--import-paths", "proto", "--call", "ggserve.v1.ChatService/ChatStream",
        "-d", CHAT_STREAM, *BOUNDS,
    )  # fmt: skip
    assert_all_ok(report, 20)


@pytest.mark.parametrize(
    ("method", "data"), [("Chat", CHAT), ("ChatStream", CHAT_STREAM)], ids=["chat", "stream"]
)
def test_reflection(server: ServerThread, method: str, data: str) -> None:
    report = run_ghz(
        server.target, "--insecure", "--call", f"ggserve.v1.ChatService/{method}", "-d", data,
        *BOUNDS,
    )  # fmt: skip
    assert_all_ok(report, 20)


def test_stream_call_count_cancels_streams(server: ServerThread) -> None:
    """`--stream-call-count 2` cancels each stream after two messages; the server survives it."""
    report = run_ghz(
        server.target, "--config", str(CONFIGS / "chat_stream.json"), "--stream-call-count", "2",
        "-n", "10", "-c", "2", "-t", "30s",
    )  # fmt: skip
    assert report["count"] == 10
    assert set(report["statusCodeDistribution"]) <= {"OK", "Canceled"}
    assert_all_ok(run_ghz(server.target, "--config", str(CONFIGS / "chat.json"), *BOUNDS), 20)


@pytest.mark.e2e
def test_chat_stream_against_smollm2() -> None:
    data = json.dumps(
        {"request": {"messages": [{"role": "ROLE_USER", "content": "Say hi"}], "max_tokens": 8,
                     "sampling": {"temperature": 0}}}
    )  # fmt: skip
    with running(smollm2_model()) as server:
        report = run_ghz(
            server.target, "--config", str(CONFIGS / "chat_stream.json"), "-d", data,
            "-n", "6", "-c", "2", "-t", "60s",
        )  # fmt: skip
    assert_all_ok(report, 6)
