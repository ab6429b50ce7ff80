"""The ASGI application: routes, request parsing, error shapes and the upstream calls.

Each handler validates its body (pydantic), translates it, makes one `ggserve_client` call with
the caller's credentials as metadata, and translates the result. A streamed call is started and
its first event awaited before the response begins, so that errors the core reports up front
(bad request, unknown model, full queue) arrive as proper HTTP statuses; an error after that is
sent in the stream, in the API's own error shape.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ggserve_client.errors import GgserveError
from ggserve_client.types import ChatDone
from ggserve_gateway import (
    anthropic_request,
    anthropic_response,
    embeddings,
    openai_request,
    openai_response,
)
from ggserve_gateway.anthropic_schema import CountTokensRequest, MessagesRequest
from ggserve_gateway.auth import auth_metadata
from ggserve_gateway.calls import GatedEvent, gated
from ggserve_gateway.errors import Api, HttpError
from ggserve_gateway.openai_schema import ChatCompletionRequest
from ggserve_gateway.sse import EventStreamResponse, data_event, named_event
from ggserve_gateway.upstream import Upstream

B = TypeVar("B", bound=BaseModel)
R = TypeVar("R")


def _api(request: Request) -> Api:
    if request.url.path.startswith("/v1/messages") or "anthropic-version" in request.headers:
        return Api.ANTHROPIC
    return Api.OPENAI


def _upstream(request: Request) -> Upstream:
    upstream: Upstream = request.app.state.upstream
    return upstream


async def _body(request: Request, model: type[B]) -> B:
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        raise HttpError.from_validation(exc) from None


async def _call(awaitable: Awaitable[R]) -> R:
    try:
        return await awaitable
    except GgserveError as exc:
        raise HttpError.from_upstream(exc) from None


class _DisconnectedError(Exception):
    """The client left before its answer was ready."""


async def _generate(request: Request, awaitable: Awaitable[R]) -> R:
    """`awaitable` (a unary generation), cancelled if the client disconnects meanwhile, so
    that an abandoned request stops generating at the next token."""
    task = asyncio.ensure_future(_call(awaitable))

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        task.cancel()

    watcher = asyncio.create_task(watch())
    try:
        return await task
    except asyncio.CancelledError:
        if watcher.done() and not watcher.cancelled():
            raise _DisconnectedError from None
        raise
    finally:
        watcher.cancel()


async def _started(events: AsyncIterator[GatedEvent]) -> GatedEvent:
    """The first event of a stream (errors before it raise `HttpError`)."""
    try:
        return await anext(events)
    except GgserveError as exc:
        raise HttpError.from_upstream(exc) from None
    except StopAsyncIteration:
        raise HttpError.internal("the core's stream ended without a result") from None


async def _sse(
    opening: bytes,
    first: GatedEvent,
    events: AsyncGenerator[GatedEvent],
    render: Callable[[GatedEvent], list[bytes]],
    error: Callable[[HttpError], bytes],
) -> AsyncIterator[bytes]:
    """The SSE body: `opening`, then each event rendered (one write per event); a failure
    after the response began is sent as an in-stream error event. Closing it closes `events`,
    which cancels the gRPC call."""
    try:
        yield opening + b"".join(render(first))
        if not isinstance(first, ChatDone):
            async for event in events:
                yield b"".join(render(event))
    except GgserveError as exc:
        yield error(HttpError.from_upstream(exc))
    finally:
        await events.aclose()


def _new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(12)}"


async def chat_completions(request: Request) -> Response:
    """OpenAI `POST /v1/chat/completions`."""
    body = await _body(request, ChatCompletionRequest)
    messages, options = openai_request.chat_call(body)
    metadata = auth_metadata(request.headers)
    upstream = _upstream(request)
    client = upstream.client
    completion_id, created = _new_id("chatcmpl-"), int(time.time())
    if not body.stream:
        result = await _generate(request, client.chat(messages, metadata=metadata, **options))
        return JSONResponse(
            openai_response.completion(result, completion_id=completion_id, created=created)
        )
    events = gated(client.chat_stream(messages, metadata=metadata, **options))
    first = await _started(events)
    model = body.model or await _call(upstream.default_model(metadata))
    include_usage = body.stream_options is not None and body.stream_options.include_usage
    writer = openai_response.ChunkWriter(completion_id, created, model, include_usage)
    return EventStreamResponse(
        _sse(writer.start(), first, events, writer.event, lambda e: data_event(e.body(Api.OPENAI)))
    )


async def messages(request: Request) -> Response:
    """Anthropic `POST /v1/messages`."""
    body = await _body(request, MessagesRequest)
    chat, options = anthropic_request.chat_call(body)
    metadata = auth_metadata(request.headers)
    upstream = _upstream(request)
    client = upstream.client
    message_id = _new_id("msg_")
    if not body.stream:
        result = await _generate(request, client.chat(chat, metadata=metadata, **options))
        return JSONResponse(anthropic_response.message(result, message_id=message_id))
    events = gated(client.chat_stream(chat, metadata=metadata, **options))
    first = await _started(events)
    model = body.model or await _call(upstream.default_model(metadata))
    writer = anthropic_response.EventWriter(message_id, model)
    error = lambda e: named_event("error", e.body(Api.ANTHROPIC))  # noqa: E731
    return EventStreamResponse(_sse(writer.start(), first, events, writer.event, error))


async def count_tokens(request: Request) -> Response:
    """Anthropic `POST /v1/messages/count_tokens`: the rendered prompt's length."""
    body = await _body(request, CountTokensRequest)
    chat, options = anthropic_request.count_call(body)
    client = _upstream(request).client
    rendered = await _call(
        client.render_chat(chat, metadata=auth_metadata(request.headers), **options)
    )
    return JSONResponse({"input_tokens": rendered.prompt_tokens})


def _model_json(alias: str, api: Api) -> dict[str, Any]:
    if api is Api.ANTHROPIC:
        return {
            "type": "model",
            "id": alias,
            "display_name": alias,
            "created_at": "1970-01-01T00:00:00Z",
        }
    return {"id": alias, "object": "model", "created": 0, "owned_by": "ggserve"}


async def list_models(request: Request) -> Response:
    """`GET /v1/models`: OpenAI's list, or Anthropic's page when `anthropic-version` is sent."""
    client = _upstream(request).client
    models = await _call(client.list_models(metadata=auth_metadata(request.headers)))
    api = _api(request)
    data = [_model_json(m.alias, api) for m in models]
    if api is Api.ANTHROPIC:
        ids = [m["id"] for m in data]
        page = {"data": data, "has_more": False, "first_id": ids[0] if ids else None}
        return JSONResponse({**page, "last_id": ids[-1] if ids else None})
    return JSONResponse({"object": "list", "data": data})


async def get_model(request: Request) -> Response:
    """`GET /v1/models/{model}`."""
    client = _upstream(request).client
    alias = request.path_params["model"]
    model = await _call(client.get_model(alias, metadata=auth_metadata(request.headers)))
    return JSONResponse(_model_json(model.alias, _api(request)))


async def health(request: Request) -> Response:
    """`GET /health`: the gateway is up (the core's health is its own gRPC service)."""
    return JSONResponse({"status": "ok"})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpError)
    return JSONResponse(exc.body(_api(request)), exc.status, headers=exc.headers())


async def _disconnected(request: Request, exc: Exception) -> Response:
    return Response(status_code=499)  # nobody reads it: the client is gone


async def _starlette_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = f"{request.method} {request.url.path}: {exc.detail}"
    return await _http_error(request, HttpError.routing(exc.status_code, message))


def create_app(upstream: Upstream) -> Starlette:
    """The gateway application over `upstream` (closed when the application shuts down)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await upstream.close()

    app = Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/messages", messages, methods=["POST"]),
            Route("/v1/messages/count_tokens", count_tokens, methods=["POST"]),
            Route("/v1/embeddings", embeddings.create_embeddings, methods=["POST"]),
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/v1/models/{model:path}", get_model, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ],
        exception_handlers={
            HttpError: _http_error,
            HTTPException: _starlette_error,
            _DisconnectedError: _disconnected,
        },
        lifespan=lifespan,
    )
    app.state.upstream = upstream
    return app
