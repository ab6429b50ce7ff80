"""The ASGI application: the routes, and the exception handlers of routes outside one API.

Chat APIs are `chat_api.ChatApi`s served by the one handler in `serving`; adding an API is a
route to `chat_endpoint(its ChatApi)` here (plus whatever extra routes it owns).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ggserve_gateway.anthropic_api import MESSAGES, count_tokens
from ggserve_gateway.errors import HttpError
from ggserve_gateway.limits import DEFAULT_HTTP_LIMITS, HttpLimits
from ggserve_gateway.models import get_model, list_models
from ggserve_gateway.openai_api import CHAT_COMPLETIONS
from ggserve_gateway.request_api import error_body
from ggserve_gateway.responses_api import Responses
from ggserve_gateway.responses_store import ResponseStore
from ggserve_gateway.serving import DisconnectedError, chat_endpoint
from ggserve_gateway.upstream import Upstream


async def health(request: Request) -> Response:
    """`GET /health`: the gateway is up (the core's health is its own gRPC service)."""
    return JSONResponse({"status": "ok"})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpError)
    return JSONResponse(error_body(request, exc), exc.status, headers=exc.headers())


async def _disconnected(request: Request, exc: Exception) -> Response:
    return Response(status_code=499)  # nobody reads it: the client is gone


async def _unexpected(request: Request, exc: Exception) -> Response:
    # A bug, answered in the API's shape rather than uvicorn's plain-text 500 (Starlette's
    # ServerErrorMiddleware sends this, then logs the traceback).
    error = HttpError.internal(f"the gateway failed: {type(exc).__name__}")
    return await _http_error(request, error)


async def _starlette_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = f"{request.method} {request.url.path}: {exc.detail}"
    return await _http_error(request, HttpError.routing(exc.status_code, message))


def create_app(
    upstream: Upstream,
    limits: HttpLimits = DEFAULT_HTTP_LIMITS,
    store: ResponseStore | None = None,
) -> Starlette:
    """The gateway application over `upstream` (closed when the application shuts down),
    reading bodies within `limits`; `store` keeps the Responses API's stored responses (default
    bounds if None)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await upstream.close()

    responses = Responses(store if store is not None else ResponseStore())
    responses_endpoint = chat_endpoint(responses.api)
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", chat_endpoint(CHAT_COMPLETIONS), methods=["POST"]),
            Route("/v1/messages", chat_endpoint(MESSAGES), methods=["POST"]),
            Route("/v1/messages/count_tokens", count_tokens, methods=["POST"]),
            Route("/v1/responses", responses_endpoint, methods=["POST"]),
            Route("/responses", responses_endpoint, methods=["POST"]),
            Route("/v1/responses/{response_id}", responses.retrieve, methods=["GET"]),
            Route("/v1/responses/{response_id}", responses.delete, methods=["DELETE"]),
            Route(
                "/v1/responses/{response_id}/input_items", responses.input_items, methods=["GET"]
            ),
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/v1/models/{model:path}", get_model, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ],
        exception_handlers={
            HttpError: _http_error,
            HTTPException: _starlette_error,
            DisconnectedError: _disconnected,
            Exception: _unexpected,
        },
        lifespan=lifespan,
    )
    app.state.upstream = upstream
    app.state.limits = limits
    app.state.responses = responses
    return app
