"""Faults: the engine thread dying, clients leaving mid-stream or not reading, and SIGTERM.

The engine-death and drain tests run `ggserve serve` (through `fault_server.py` where a fault is
injected) over the real bundled model as a subprocess, since what they check is only visible
from outside: exit codes, health, the log. The slow-reader test uses the replay engine, the one
engine that can produce text faster than a client reads it on this machine.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import cast

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ggserve.engine.replay import ReplayEngine
from ggserve.server import CHAT_SERVICE
from ggserve_client.v1 import api_pb2 as pb
from ggserve_client.v1 import api_pb2_grpc as pb_grpc

from .conftest import StartServer
from .harness import StreamCall, assert_folds_to_final, chat_request, code, details, fold, user
from .process import SMALL, ServerProcess

pytestmark = pytest.mark.e2e

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
GREEDY = pb.SamplingParams(temperature=0.0, seed=3)
LONG_ANSWER = user("Write a very long essay about the history of Rome.")
ERROR_LINE = re.compile(r" (ERROR|CRITICAL) |Traceback|Exception|Error:")


@pytest.fixture
def server_process() -> Iterator[list[ServerProcess]]:
    """Processes started by a test, killed afterwards if still running."""
    started: list[ServerProcess] = []
    yield started
    for process in started:
        process.close()


def start(started: list[ServerProcess], *args: str, fault: str | None = None) -> ServerProcess:
    """A ready server process over the bundled model."""
    process = ServerProcess(*SMALL, "--port", "0", *args, fault=fault)
    started.append(process)
    process.wait_ready()
    return process


def long_stream(chat: pb_grpc.ChatServiceStub, max_tokens: int = 900) -> StreamCall:
    """A ChatStream call that runs for several seconds at 1 thread (greedily, this prompt runs
    to max_tokens: 600 measured)."""
    request = chat_request(LONG_ANSWER, max_tokens=max_tokens, sampling=GREEDY)
    return cast(StreamCall, chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=120))


def wait_load(process: ServerProcess, expected: str, timeout: float = 10) -> float:
    """Seconds until the state line shows `expected` (e.g. "running=0,waiting=0")."""
    started = time.monotonic()
    while expected not in (load := process.state()[0]):
        assert time.monotonic() - started < timeout, f"still {load}, expected {expected}"
        time.sleep(0.05)
    return time.monotonic() - started


def test_engine_death_turns_health_not_serving_ends_calls_unavailable_and_exits_3(
    server_process: list[ServerProcess],
) -> None:
    process = start(server_process, "--queue-size", "2", fault="engine-death-after=8")
    with grpc.insecure_channel(process.target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        watch = health.Watch(health_pb2.HealthCheckRequest(service=CHAT_SERVICE), timeout=60)
        assert next(watch).status == SERVING
        chat = pb_grpc.ChatServiceStub(channel)
        running = long_stream(chat)
        with pytest.raises(grpc.RpcError) as caught:
            list(running)
        assert code(caught.value) == grpc.StatusCode.UNAVAILABLE
        assert "retry on another instance" in details(caught.value)
        statuses: list[int] = []
        with pytest.raises(grpc.RpcError):  # the watch ends when the server goes away
            statuses.extend(update.status for update in watch)
        assert statuses[-1:] == [NOT_SERVING]
    assert process.wait(timeout=30) == 3
    log = process.log
    assert "engine thread failed" in log
    assert "InjectedFault: injected engine fault" in log
    assert "stopped after an engine failure (exit 3)" in log


def test_cancel_mid_stream_frees_the_sequence_and_logs_cancelled_without_errors(
    server_process: list[ServerProcess],
) -> None:
    process = start(server_process)
    with grpc.insecure_channel(process.target) as channel:
        chat = pb_grpc.ChatServiceStub(channel)
        for _ in range(3):
            mark = len(process.lines)
            call = long_stream(chat)
            next(call)
            next(call)
            call.cancel()
            process.wait_for(re.compile(r"ChatStream CANCELLED"), start=mark)
            assert wait_load(process, "running=0,waiting=0") < 2.0
        mark = len(process.lines)
        with pytest.raises(grpc.RpcError) as caught:  # a deadline mid-stream, likewise
            list(
                chat.ChatStream(pb.ChatStreamRequest(request=chat_request(LONG_ANSWER)), timeout=1)
            )
        assert code(caught.value) == grpc.StatusCode.DEADLINE_EXCEEDED
        process.wait_for(re.compile(r"ChatStream DEADLINE_EXCEEDED"), start=mark)
        assert wait_load(process, "running=0,waiting=0") < 2.0
        answer = chat.Chat(chat_request(max_tokens=4, sampling=GREEDY), timeout=60)
        assert answer.usage.completion_tokens > 0
    process.terminate()
    assert process.wait() == 0
    assert process.log.count("ChatStream CANCELLED") == 3
    assert not [line for line in process.lines if ERROR_LINE.search(line)], process.log


def test_sigterm_refuses_queued_requests_at_once_and_drains_the_running_one(
    server_process: list[ServerProcess],
) -> None:
    process = start(server_process, "--parallel", "1", "--queue-size", "4", "--grace", "60")
    with grpc.insecure_channel(process.target) as channel:
        chat = pb_grpc.ChatServiceStub(channel)
        running = long_stream(chat, max_tokens=600)
        first = next(running)
        queued = [chat.Chat.future(chat_request(max_tokens=8), timeout=120) for _ in range(3)]
        wait_load(process, "running=1,waiting=3")
        process.terminate()
        for call in queued:  # refused while the running stream still generates
            error = call.exception(timeout=30)
            assert isinstance(error, grpc.RpcError)
            assert code(error) == grpc.StatusCode.UNAVAILABLE
            assert "retry on another instance" in details(error)
        rest = list(running)
    assert rest, "the running stream ended as the queued calls were refused"
    folded = fold([first, *rest])
    assert_folds_to_final(folded)
    assert folded.done.usage.completion_tokens > 8
    assert process.wait() == 0
    assert "Traceback" not in process.log


def test_sigterm_while_the_model_loads_exits_promptly(
    server_process: list[ServerProcess],
) -> None:
    process = ServerProcess(*SMALL, "--port", "0", fault="slow-load=120")
    server_process.append(process)
    process.wait_listening()
    process.wait_for(re.compile(r"loading .*GGUF|loading \S+\.gguf"))
    sent = time.monotonic()
    process.terminate()
    assert process.wait(timeout=20) == 0
    assert time.monotonic() - sent < 10  # the load stalls for 120 s
    assert "signal received while loading the model: exiting" in process.log
    assert "Traceback" not in process.log


# ---- a client that does not read ---------------------------------------------------------


def test_a_client_that_stops_reading_is_ended_by_its_deadline(start_server: StartServer) -> None:
    # 20 s of 16-byte tokens (320 KiB), faster than the client takes them: once HTTP/2 flow
    # control stalls the gRPC write, the engine runs on with its unread text kept in one list,
    # until the deadline ends the call and frees the sequence.
    engine = ReplayEngine(("x" * 15 + " ",) * 20000, piece_delay_s=0.001, n_ctx=32768)
    client = start_server(engine)
    options = [("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 1024)]
    with grpc.insecure_channel(client.server.target, options=options) as channel:
        chat = pb_grpc.ChatServiceStub(channel)
        request = pb.ChatStreamRequest(request=chat_request(max_tokens=20000))
        stalled = chat.ChatStream(request, timeout=2)
        next(stalled)  # then never read again
        time.sleep(3)
        with pytest.raises(grpc.RpcError) as caught:
            for _ in stalled:
                pass
        assert code(caught.value) == grpc.StatusCode.DEADLINE_EXCEEDED
    deadline = time.monotonic() + 5
    while engine.stats().running or engine.stats().waiting:
        assert time.monotonic() < deadline, "the stalled stream still holds the engine"
        time.sleep(0.01)
    answer = client.chat.Chat(chat_request(max_tokens=3), timeout=10)
    assert answer.usage.completion_tokens == 3
