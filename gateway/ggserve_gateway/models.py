"""`GET /v1/models` and `GET /v1/models/{model}`: OpenAI's shape, or Anthropic's when the
request is Anthropic's (`request_api.is_anthropic`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ggserve_gateway.auth import auth_metadata
from ggserve_gateway.request_api import is_anthropic
from ggserve_gateway.serving import upstream_call, upstream_of


def _model_json(alias: str, anthropic: bool) -> dict[str, Any]:
    if anthropic:
        return {
            "type": "model",
            "id": alias,
            "display_name": alias,
            "created_at": "1970-01-01T00:00:00Z",
        }
    return {"id": alias, "object": "model", "created": 0, "owned_by": "ggserve"}


async def list_models(request: Request) -> Response:
    """`GET /v1/models`: OpenAI's list, or Anthropic's page."""
    client = upstream_of(request).client
    models = await upstream_call(client.list_models(metadata=auth_metadata(request.headers)))
    anthropic = is_anthropic(request)
    data = [_model_json(m.alias, anthropic) for m in models]
    if anthropic:
        ids = [m["id"] for m in data]
        page = {"data": data, "has_more": False, "first_id": ids[0] if ids else None}
        return JSONResponse({**page, "last_id": ids[-1] if ids else None})
    return JSONResponse({"object": "list", "data": data})


async def get_model(request: Request) -> Response:
    """`GET /v1/models/{model}`."""
    client = upstream_of(request).client
    alias = request.path_params["model"]
    model = await upstream_call(client.get_model(alias, metadata=auth_metadata(request.headers)))
    return JSONResponse(_model_json(model.alias, is_anthropic(request)))
