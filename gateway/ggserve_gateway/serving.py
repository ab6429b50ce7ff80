"""The one handler every chat API runs (vLLM's serving base, over per-API `ChatApi`s).

It validates the body with the API's schema, opens the API's exchange, makes one
`ggserve_client` call with the caller's credentials as metadata, and answers with the exchange's
unary body or stream writer. A streamed call is started and the core's admission (`ChatStarted`,
sent before the prompt is evaluated) awaited before the response begins, so that errors the core
reports up front (bad request, prompt too long, unknown model, full queue) arrive as proper HTTP
statuses, and the status, headers and the API's opening event follow admission at once whatever
the prompt's length; an error after that is sent in the stream, in the API's own shape. Every
error before the response is answered in the API's shape too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from ggserve_client.errors import GgserveError
from ggserve_client.types import ChatStarted, Metadata
from ggserve_gateway.auth import auth_metadata
from ggserve_gateway.calls import StreamItem, gated
from ggserve_gateway.chat_api import ChatApi, Exchange
from ggserve_gateway.errors import HttpError
from ggserve_gateway.limits import HttpLimits
from ggserve_gateway.sse import EventStreamResponse
from ggserve_gateway.streaming import event_stream
from ggserve_gateway.upstream import Upstream

B = TypeVar("B", bound=BaseModel)
R = TypeVar("R")
# Seconds of silence (a long prompt being evaluated, a preempted sequence) before a keep-alive:
# well inside every agent's idle timeout (qwen-code's is 240 s, Codex's 300 s).
KEEP_ALIVE_S = 5.0


class DisconnectedError(Exception):
    """The client left before its answer was ready."""


def upstream_of(request: Request) -> Upstream:
    """The application's connection to the core."""
    upstream: Upstream = request.app.state.upstream
    return upstream


def limits_of(request: Request) -> HttpLimits:
    """The application's request limits."""
    limits: HttpLimits = request.app.state.limits
    return limits


async def _receive_body(request: Request, limits: HttpLimits) -> bytes:
    """The whole body, refused (413) as soon as it is known to be over the limit: from its
    Content-Length before anything is read, else once the chunks received pass it."""
    limit = limits.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HttpError.too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(limits.body_timeout_s):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise HttpError.too_large(limit)
                chunks.append(chunk)
    except TimeoutError:
        raise HttpError.body_timeout(limits.body_timeout_s) from None
    except ClientDisconnect:
        raise DisconnectedError from None
    return b"".join(chunks)


async def read_body(request: Request, schema: type[B]) -> B:
    """The request body validated by `schema` (413 over the size limit, 408 if it does not
    arrive in time, 400 naming the first bad field)."""
    body = await _receive_body(request, limits_of(request))
    try:
        return schema.model_validate_json(body)
    except ValidationError as exc:
        raise HttpError.from_validation(exc) from None


async def upstream_call(awaitable: Awaitable[R]) -> R:
    """`awaitable` (a core call), its failure as `HttpError`."""
    try:
        return await awaitable
    except GgserveError as exc:
        raise HttpError.from_upstream(exc) from None


async def _generate(request: Request, awaitable: Awaitable[R]) -> R:
    """`awaitable` (a unary generation), cancelled if the client disconnects meanwhile, so
    that an abandoned request stops generating at the next token."""
    task = asyncio.ensure_future(upstream_call(awaitable))

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        task.cancel()

    watcher = asyncio.create_task(watch())
    try:
        return await task
    except asyncio.CancelledError:
        if watcher.done() and not watcher.cancelled():
            raise DisconnectedError from None
        raise
    finally:
        watcher.cancel()


async def _started(events: AsyncGenerator[StreamItem]) -> StreamItem:
    """The first item of a stream: `ChatStarted` once the core admitted the request (errors
    before it raise `HttpError`)."""
    try:
        return await anext(events)
    except GgserveError as exc:
        raise HttpError.from_upstream(exc) from None
    except StopAsyncIteration:
        raise HttpError.internal("the core's stream ended without a result") from None


async def _stream(request: Request, exchange: Exchange, metadata: Metadata) -> Response:
    """The SSE response, begun once the core has admitted the request (the upstream stream is
    closed if it never begins); keep-alives fill the silences after that."""
    upstream = upstream_of(request)
    call = exchange.call
    events = gated(upstream.client.chat_stream(call.messages, metadata=metadata, **call.options))
    try:
        first = await _started(events)
        model = first.model if isinstance(first, ChatStarted) else call.options.get("model", "")
        if not model:
            model = await upstream_call(upstream.default_model(metadata))
    except BaseException:
        await events.aclose()
        raise
    body = event_stream(exchange.writer(model), first, events, keep_alive_s=KEEP_ALIVE_S)
    return EventStreamResponse(body)


async def _serve(request: Request, api: ChatApi[Any]) -> Response:
    exchange = api.exchange(await read_body(request, api.schema))
    call = exchange.call
    metadata = auth_metadata(request.headers)
    if call.stream:
        return await _stream(request, exchange, metadata)
    client = upstream_of(request).client
    result = await _generate(request, client.chat(call.messages, metadata=metadata, **call.options))
    return JSONResponse(exchange.unary(result))


def chat_endpoint(api: ChatApi[Any]) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint serving `api`; its errors are answered in `api`'s shape."""

    async def endpoint(request: Request) -> Response:
        try:
            return await _serve(request, api)
        except HttpError as exc:
            return JSONResponse(api.error_body(exc), exc.status, headers=exc.headers())

    return endpoint
