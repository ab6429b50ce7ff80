"""The server interceptor: request id, access log, and errors turned into status codes once.

For every `ggserve.v1` call it binds a request id (the `x-request-id` header, or a new one; a
chat request's own `request_id` replaces it in the servicer), logs one access line with the
status and duration, turns a `ServiceError` into its status code with rich details, and turns
anything unexpected into INTERNAL, logged once with its traceback. A request whose bytes do not
decode (invalid UTF-8 in a string field, a truncated message) gets INVALID_ARGUMENT instead of
the library's generic error. Health and reflection calls pass through untouched.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Never, cast

import grpc
from google.protobuf.message import DecodeError

from ggserve import metrics
from ggserve.convert import error_status
from ggserve.errors import InternalError, InvalidArgumentError, ServiceError
from ggserve.request_context import (
    REQUEST_ID_HEADER,
    bind_request_id,
    current_request_id,
    new_request_id,
)
from ggserve.validate import REQUEST_ID

logger = logging.getLogger(__name__)
access_log = logging.getLogger("ggserve.access")

SERVICE_PREFIX = "/ggserve.v1."
DEADLINE_SLACK_S = 0.1

_Context = grpc.aio.ServicerContext[Any, Any]
_Deserializer = Callable[[bytes], Any]
_Unary = Callable[[Any, _Context], Awaitable[Any]]
_Streaming = Callable[[Any, _Context], AsyncGenerator[Any]]


if TYPE_CHECKING:
    _Handler = grpc.RpcMethodHandler[Any, Any]


@dataclass(frozen=True, slots=True)
class _Undecodable:
    """Stands in for a request whose bytes did not parse."""

    reason: str


def _safe(deserializer: _Deserializer | None) -> _Deserializer | None:
    if deserializer is None:
        return None

    def deserialize(data: bytes) -> Any:
        try:
            return deserializer(data)
        except DecodeError as exc:
            return _Undecodable(str(exc))

    return deserialize


def _undecodable(request: _Undecodable, method: str) -> InvalidArgumentError:
    kind = method.rsplit("/", 1)[-1]
    return InvalidArgumentError(
        f"the {kind} request could not be decoded ({request.reason}); every string field must "
        "be valid UTF-8",
        reason="UNDECODABLE_REQUEST",
    )


def _bind_request_id(context: _Context) -> None:
    header = ""
    for key, value in context.invocation_metadata() or ():
        if key == REQUEST_ID_HEADER and isinstance(value, str):
            header = value
    bind_request_id(header if REQUEST_ID.match(header) else new_request_id())


class _Call:
    """Bookkeeping of one call: status for the access log, error → abort."""

    def __init__(self, method: str, context: _Context) -> None:
        self.method = method
        self.context = context
        self.code = grpc.StatusCode.OK
        self.started = time.perf_counter()
        _bind_request_id(context)

    async def fail(self, exc: Exception) -> Never:
        """Abort the call with the status of `exc` (unexpected errors are logged here)."""
        if isinstance(exc, ServiceError):
            error = exc
        else:
            logger.error("unexpected error in %s", self.method, exc_info=exc)
            error = InternalError(
                f"internal error; the server log has the details under request id "
                f"{current_request_id()}",
                reason="INTERNAL",
            )
        self.code = error.code
        wire = error_status(error, current_request_id())
        await self.context.abort(wire.code, wire.details, wire.trailing_metadata)

    def ended_by_client(self) -> None:
        """The handler was cancelled: the client went away or its deadline passed.

        grpc.aio reports neither through `context.code()` (None here), so the deadline is told
        apart by the time left (a little is left when the server's timer fires)."""
        remaining = self.context.time_remaining()
        expired = remaining is not None and remaining <= DEADLINE_SLACK_S
        self.code = grpc.StatusCode.DEADLINE_EXCEEDED if expired else grpc.StatusCode.CANCELLED

    def aborted(self) -> None:
        """The handler aborted with a status (ours, or one set by another interceptor)."""
        code = self.context.code()
        self.code = code if isinstance(code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN

    def log(self) -> None:
        """One access-log line, and the call's metrics."""
        elapsed = time.perf_counter() - self.started
        access_log.info("%s %s %.1fms", self.method, self.code.name, elapsed * 1000)
        metrics.observe_call(self.method, self.code.name, elapsed)


def _wrap_unary(method: str, behavior: _Unary) -> _Unary:
    async def unary(request: Any, context: _Context) -> Any:
        call = _Call(method, context)
        try:
            if isinstance(request, _Undecodable):
                raise _undecodable(request, method)
            return await behavior(request, context)
        except asyncio.CancelledError:
            call.ended_by_client()
            raise
        except grpc.aio.AbortError:
            call.aborted()
            raise
        except Exception as exc:
            await call.fail(exc)
        finally:
            call.log()

    return unary


def _wrap_streaming(method: str, behavior: _Streaming) -> _Streaming:
    async def streaming(request: Any, context: _Context) -> AsyncGenerator[Any]:
        call = _Call(method, context)
        try:
            if isinstance(request, _Undecodable):
                raise _undecodable(request, method)
            async with aclosing(behavior(request, context)) as responses:
                async for response in responses:
                    yield response
        except (asyncio.CancelledError, GeneratorExit):
            # A client that goes away while grpc is writing a response (this generator waits
            # at `yield`) is seen as the generator being closed, not as a cancelled await.
            call.ended_by_client()
            raise
        except grpc.aio.AbortError:
            call.aborted()
            raise
        except Exception as exc:
            await call.fail(exc)
        finally:
            call.log()

    return streaming


class ServiceInterceptor(grpc.aio.ServerInterceptor):
    """Wraps the `ggserve.v1` handlers (see the module docstring)."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[_Handler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> _Handler | None:
        """Wrap unary and server-streaming handlers of our own services."""
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or not method.startswith(SERVICE_PREFIX):
            return handler
        deserializer = _safe(handler.request_deserializer)
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                _wrap_unary(method, cast(_Unary, handler.unary_unary)),
                request_deserializer=deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                _wrap_streaming(method, cast(_Streaming, handler.unary_stream)),
                request_deserializer=deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler
