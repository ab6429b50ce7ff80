"""Admission, cancellation, deadlines, health, reflection and draining, over real gRPC."""

from __future__ import annotations

import time
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from ggserve.engine.replay import ReplayEngine
from ggserve.server import CHAT_SERVICE, MODEL_SERVICE
from ggserve_client.v1 import api_pb2 as pb

from .conftest import StartServer
from .harness import (
    Client,
    ServerThread,
    StreamCall,
    assert_folds_to_final,
    chat_request,
    code,
    details,
    fold,
)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
PIECE_DELAY_S = 0.02
LONG_SCRIPT = tuple(f"w{i} " for i in range(500))  # 10 s at PIECE_DELAY_S per piece


def slow_engine(queue_size: int = 0) -> ReplayEngine:
    """A replay engine that would take 10 s for a full answer."""
    return ReplayEngine(LONG_SCRIPT, piece_delay_s=PIECE_DELAY_S, queue_size=queue_size)


def stream(client: Client, **fields: Any) -> StreamCall:
    """Start a ChatStream call."""
    request = pb.ChatStreamRequest(request=chat_request(**fields))
    return client.chat.ChatStream(request, timeout=60)


def health_of(client: Client, service: str) -> int:
    """The health status of `service`."""
    request = health_pb2.HealthCheckRequest(service=service)
    return int(client.health.Check(request, timeout=10).status)


def wait_until_idle(engine: ReplayEngine, timeout: float = 5.0) -> float:
    """Seconds until `engine` has nothing running or waiting (fails after `timeout`)."""
    started = time.monotonic()
    while engine.stats().running or engine.stats().waiting:
        assert time.monotonic() - started < timeout, "the engine did not free the sequence"
        time.sleep(0.005)
    return time.monotonic() - started


def refusal(client: Client) -> grpc.StatusCode | None:
    """The status code a new Chat call is refused with, or None if it is served."""
    try:
        client.chat.Chat(chat_request(), timeout=5)
    except grpc.RpcError as error:
        return code(error)
    return None


def test_health_liveness_and_readiness(replay_client: Client) -> None:
    assert health_of(replay_client, "") == SERVING
    assert health_of(replay_client, CHAT_SERVICE) == SERVING
    assert health_of(replay_client, MODEL_SERVICE) == SERVING


def test_while_loading_liveness_passes_and_calls_are_unavailable() -> None:
    server = ServerThread([], serving=False)
    try:
        client = Client.connect(server)
        assert health_of(client, "") == SERVING
        assert health_of(client, CHAT_SERVICE) == NOT_SERVING
        with pytest.raises(grpc.RpcError) as caught:
            client.chat.Chat(chat_request(), timeout=10)
        assert code(caught.value) == grpc.StatusCode.UNAVAILABLE
        assert "still loading" in details(caught.value)
    finally:
        server.close()


def test_reflection_lists_every_service(replay_client: Client) -> None:
    database = ProtoReflectionDescriptorDatabase(replay_client.channel)
    services = set(database.get_services())
    assert {CHAT_SERVICE, MODEL_SERVICE, "grpc.health.v1.Health"} <= services
    assert "grpc.reflection.v1alpha.ServerReflection" in services
    described = database.FindFileContainingSymbol("ggserve.v1.ChatRequest")
    assert "ChatStreamResponse" in {m.name for m in described.message_type}


def test_model_service(replay_client: Client) -> None:
    models = replay_client.models.ListModels(pb.ListModelsRequest(), timeout=10).models
    assert [m.alias for m in models] == ["replay"]
    model = replay_client.models.GetModel(pb.GetModelRequest(), timeout=10).model
    assert model.is_default
    assert model.context_length == 4096
    assert model.backend == pb.Model.BACKEND_CPU
    assert model.tool_call_format == "hermes"
    tokens = replay_client.models.Tokenize(pb.TokenizeRequest(text="hé"), timeout=10).token_ids
    assert list(tokens) == list("hé".encode())
    rendered = replay_client.models.RenderChat(
        pb.RenderChatRequest(request=chat_request()), timeout=10
    )
    assert rendered.prompt.endswith("<|im_start|>assistant\n")
    assert rendered.prompt_tokens == len(rendered.prompt.encode())


def test_queue_full_is_resource_exhausted(start_server: StartServer) -> None:
    engine = slow_engine(queue_size=0)
    client = start_server(engine)
    running = stream(client)
    next(running)  # the first request holds the only slot
    with pytest.raises(grpc.RpcError) as caught:
        client.chat.Chat(chat_request(), timeout=10)
    assert code(caught.value) == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "queue is full" in details(caught.value)
    assert health_of(client, CHAT_SERVICE) == SERVING
    running.cancel()


def test_cancel_mid_stream_frees_the_engine(start_server: StartServer) -> None:
    engine = slow_engine(queue_size=1)
    client = start_server(engine)
    call = stream(client)
    for _ in range(3):
        next(call)
    call.cancel()
    assert wait_until_idle(engine) < 1.0
    started = time.monotonic()
    answer = client.chat.Chat(chat_request(max_tokens=5), timeout=10)
    assert answer.finish_reason == pb.FINISH_REASON_LENGTH
    assert time.monotonic() - started < 2.0


def test_deadline_exceeded_frees_the_engine(start_server: StartServer) -> None:
    engine = slow_engine(queue_size=1)
    client = start_server(engine)
    with pytest.raises(grpc.RpcError) as caught:
        client.chat.Chat(chat_request(), timeout=0.3)
    assert code(caught.value) == grpc.StatusCode.DEADLINE_EXCEEDED
    assert wait_until_idle(engine) < 1.0
    assert client.chat.Chat(chat_request(max_tokens=3), timeout=10).usage.completion_tokens == 3


def test_drain_finishes_in_flight_streams_and_refuses_new_calls(start_server: StartServer) -> None:
    engine = ReplayEngine(LONG_SCRIPT[:40], piece_delay_s=PIECE_DELAY_S, queue_size=4)
    client = start_server(engine)
    call = stream(client)
    first = next(call)
    stopping = client.server.stop_soon(grace=30)
    client.server.run(client.server.server.wait_stopped())
    deadline = time.monotonic() + 5
    while (code := refusal(client)) is None:  # closes to new calls as soon as the drain begins
        assert time.monotonic() < deadline, "new calls are still accepted while draining"
    assert code == grpc.StatusCode.UNAVAILABLE
    folded = fold([first, *call])
    assert_folds_to_final(folded)
    assert folded.done.finish_reason == pb.FINISH_REASON_STOP
    assert folded.content.rstrip() == "".join(LONG_SCRIPT[:40]).rstrip()
    stopping.result(timeout=30)
