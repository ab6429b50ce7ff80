"""Which API a request on a route both APIs share (models, unknown paths) belongs to.

Chat routes belong to one API and answer in its shape (`chat_api.ChatApi.error_body`); the
others go by the request: Anthropic's paths, or the `anthropic-version` header its SDK always
sends; anything else is OpenAI's.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from ggserve_gateway import anthropic_errors, openai_errors
from ggserve_gateway.errors import HttpError


def is_anthropic(request: Request) -> bool:
    """Whether `request` comes from an Anthropic client."""
    return request.url.path.startswith("/v1/messages") or "anthropic-version" in request.headers


def error_body(request: Request, error: HttpError) -> dict[str, Any]:
    """`error` in the shape of the API `request` belongs to."""
    if is_anthropic(request):
        return anthropic_errors.error_body(error)
    return openai_errors.error_body(error)
