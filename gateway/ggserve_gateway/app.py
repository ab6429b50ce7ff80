"""The ASGI application: routes, request parsing, error shapes and the upstream calls.

Each handler validates its body (pydantic), translates it, makes one `ggserve_client` call with
the caller's credentials as metadata, and translates the result. A streamed call is started and
its first event awaited before the response begins, so that errors the core reports up front
(bad request, unknown model, full queue) arrive as proper HTTP statuses; an error after that is
sent in the stream, in the API's own error shape.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
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
from ggserve_gateway import anthropic_request, anthropic_response, openai_request, openai_response
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


async def _started(events: AsyncIterator[GatedEvent]) -> AsyncIterator[GatedEvent]:
    """`events` after its first event has arrived (errors before it raise `HttpError`)."""
    try:
        first = await anext(events)
    except GgserveError as exc:
        raise HttpError.from_upstream(exc) from None
    except StopAsyncIteration:
        raise HttpError.internal("the core's stream ended without a result") from None

    async def resumed() -> AsyncIterator[GatedEvent]:
        yield first
        if not isinstance(first, ChatDone):
            async for event in events:
                yield event

    return resumed()


async def _guarded(
    body: AsyncIterator[bytes], error: Callable[[HttpError], bytes]
) -> AsyncIterator[bytes]:
    """`body`, with a failure after the response began sent as an in-stream error event."""
    try:
        async for chunk in body:
            yield chunk
    except GgserveError as exc:
        yield error(HttpError.from_upstream(exc))


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
        result = await _call(client.chat(messages, metadata=metadata, **options))
        return JSONResponse(
            openai_response.completion(result, completion_id=completion_id, created=created)
        )
    events = await _started(gated(client.chat_stream(messages, metadata=metadata, **options)))
    model = body.model or await _call(upstream.default_model(metadata))
    include_usage = body.stream_options is not None and body.stream_options.include_usage
    writer = openai_response.ChunkWriter(completion_id, created, model, include_usage)
    stream = openai_response.chunks(writer, events)
    return EventStreamResponse(_guarded(stream, lambda e: data_event(e.body(Api.OPENAI))))


async def messages(request: Request) -> Response:
    """Anthropic `POST /v1/messages`."""
    body = await _body(request, MessagesRequest)
    chat, options = anthropic_request.chat_call(body)
    metadata = auth_metadata(request.headers)
    upstream = _upstream(request)
    client = upstream.client
    message_id = _new_id("msg_")
    if not body.stream:
        result = await _call(client.chat(chat, metadata=metadata, **options))
        return JSONResponse(anthropic_response.message(result, message_id=message_id))
    events = await _started(gated(client.chat_stream(chat, metadata=metadata, **options)))
    model = body.model or await _call(upstream.default_model(metadata))
    writer = anthropic_response.EventWriter(message_id, model)
    stream = anthropic_response.events(writer, events)
    return EventStreamResponse(
        _guarded(stream, lambda e: named_event("error", e.body(Api.ANTHROPIC)))
    )


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
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/v1/models/{model:path}", get_model, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ],
        exception_handlers={HttpError: _http_error, HTTPException: _starlette_error},
        lifespan=lifespan,
    )
    app.state.upstream = upstream
    return app
