"""A real ggserve gRPC server on 127.0.0.1 (port 0), run on its own event-loop thread.

Tests stay plain synchronous functions that call the server through ordinary blocking gRPC
stubs, exactly as an external client would; the server runs the production `Server` class with
its interceptor, health and reflection services.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

import grpc
from grpc_health.v1 import health_pb2_grpc

from ggserve.auth import BearerTokenInterceptor
from ggserve.registry import ModelRegistry, ServedModel
from ggserve.server import Server
from ggserve_client.v1 import api_pb2 as pb
from ggserve_client.v1 import api_pb2_grpc as pb_grpc

T = TypeVar("T")


# A ChatML template of a model that thinks (Qwen3 style: reasoning is cut from the history),
# whose generation prompt leaves the block to the model.
THINKING_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n"
    "{{ m.content.split('</think>')[-1] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


class ServerThread:
    """Runs `Server` over `models` on a private event loop until `close()`."""

    def __init__(
        self,
        models: Sequence[ServedModel],
        *,
        serving: bool = True,
        address: str = "127.0.0.1:0",
        credentials: grpc.ServerCredentials | None = None,
        auth: BearerTokenInterceptor | None = None,
        socket_mode: int | None = None,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="test-server", daemon=True
        )
        self._thread.start()
        self.registry = ModelRegistry(models)
        self.server: Server = self.run(self._build(auth))
        self.port = self.run(
            self.server.start(address, credentials=credentials, socket_mode=socket_mode)
        )
        if serving:
            self.run(self.server.set_serving())
        self.target = address if address.startswith("unix:") else f"127.0.0.1:{self.port}"

    async def _build(self, auth: BearerTokenInterceptor | None) -> Server:
        return Server(self.registry, auth=auth)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run `coro` on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self, grace: float = 0.0) -> None:
        """Drain the server (as on SIGTERM) and close its engines."""
        self.run(self.server.stop(grace))

    def stop_soon(self, grace: float) -> Future[None]:
        """Begin draining without waiting for it."""
        return asyncio.run_coroutine_threadsafe(self.server.stop(grace), self._loop)

    def close(self) -> None:
        """Stop the server and its loop thread."""
        try:
            self.stop()
        finally:  # a failed drain must not leave the loop thread running past the test
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
            self._loop.close()


@dataclass
class Client:
    """Blocking stubs on one channel to a test server."""

    server: ServerThread
    channel: grpc.Channel
    chat: pb_grpc.ChatServiceStub
    models: pb_grpc.ModelServiceStub
    health: health_pb2_grpc.HealthStub

    @classmethod
    def connect(cls, server: ServerThread) -> Client:
        """A client of `server`."""
        channel = grpc.insecure_channel(server.target)
        return cls(
            server=server,
            channel=channel,
            chat=pb_grpc.ChatServiceStub(channel),
            models=pb_grpc.ModelServiceStub(channel),
            health=health_pb2_grpc.HealthStub(channel),
        )


class StreamCall(Iterator[pb.ChatStreamResponse], Protocol):
    """A ChatStream call in progress: an iterator of responses that can be cancelled."""

    def cancel(self) -> bool:
        """Cancel the call."""
        ...


def details(error: grpc.RpcError) -> str:
    """The status message of a failed call."""
    return cast(grpc.Call, error).details() or ""


def code(error: grpc.RpcError) -> grpc.StatusCode:
    """The status code of a failed call."""
    return cast(grpc.Call, error).code()


def user(content: str) -> pb.Message:
    """A user message."""
    return pb.Message(role=pb.ROLE_USER, content=content)


def chat_request(*messages: pb.Message, **fields: Any) -> pb.ChatRequest:
    """A ChatRequest of `messages` (a single user "Hi" by default) and other fields."""
    return pb.ChatRequest(messages=list(messages) or [user("Hi")], **fields)


@dataclass
class Folded:
    """A folded stream: the assistant message rebuilt from deltas, and the final response."""

    content: str
    reasoning_content: str
    tool_calls: list[pb.ToolCall]
    done: pb.ChatResponse
    deltas: int
    statuses: dict[int, pb.ToolCallStatus.ValueType]


def fold(responses: Sequence[pb.ChatStreamResponse]) -> Folded:
    """Fold stream messages like a client would; asserts the stream's shape: `started` first,
    prompt progress before any delta, exactly one final message, last.

    Only calls that end COMPLETE are kept, as the final message keeps them.
    """
    content: list[str] = []
    reasoning: list[str] = []
    calls: dict[int, pb.ToolCall] = {}
    statuses: dict[int, pb.ToolCallStatus.ValueType] = {}
    kinds = [r.WhichOneof("event") for r in responses]
    assert kinds[:1] == ["started"], f"a stream must begin with `started`, not {kinds[:1]}"
    finals = [r for r in responses if r.WhichOneof("event") == "done"]
    assert len(finals) == 1, f"expected one final message, got {len(finals)}"
    assert kinds[-1] == "done", "the final message must come last"
    output = [i for i, kind in enumerate(kinds) if kind in ("delta", "done")]
    assert all(kind == "prompt_progress" for kind in kinds[1 : output[0]])
    assert all(kinds[i] in ("delta", "done") for i in range(output[0], len(kinds)))
    deltas = responses[output[0] : -1]
    for response in deltas:
        delta = response.delta
        content.append(delta.content)
        reasoning.append(delta.reasoning_content)
        for part in delta.tool_calls:
            call = calls.setdefault(part.index, pb.ToolCall())
            if part.id:
                assert not call.id, "a call's id must be sent once"
                call.id = part.id
            if part.name:
                assert not call.name, "a call's name must be sent once"
                call.name = part.name
            call.arguments += part.arguments
        if delta.HasField("tool_call_end"):
            end = delta.tool_call_end
            assert end.index in calls, "a call's end must follow its start"
            assert end.index not in statuses, "a call must end once"
            statuses[end.index] = end.status
    assert set(statuses) == set(calls), "every started call must end"
    complete = [i for i in sorted(calls) if statuses[i] == pb.TOOL_CALL_STATUS_COMPLETE]
    return Folded(
        content="".join(content),
        reasoning_content="".join(reasoning),
        tool_calls=[calls[i] for i in complete],
        done=finals[0].done,
        deltas=len(deltas),
        statuses=statuses,
    )


def assert_folds_to_final(folded: Folded) -> None:
    """The stream's folded deltas equal its final message."""
    message = folded.done.message
    assert folded.content == message.content
    assert folded.reasoning_content == message.reasoning_content
    assert list(folded.tool_calls) == list(message.tool_calls)
