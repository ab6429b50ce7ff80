"""Which API a request on a route both APIs share (models, unknown paths) belongs to.

Chat routes belong to one API and answer in its shape (`chat_api.ChatApi.error_body`); the
others go by the request: Anthropic's paths, or the `anthropic-version` header its SDK always
sends; anything else is OpenAI's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request

from ggserve_gateway import anthropic_errors, openai_errors
from ggserve_gateway.errors import HttpError

# Routes of one API (their errors are that API's whatever the headers say).
_ANTHROPIC_PATHS = ("/v1/messages",)
_OPENAI_PATHS = ("/v1/chat/", "/v1/responses", "/responses")


def anthropic_request(path: str, header_names: Iterable[str]) -> bool:
    """Whether a request for `path` with these (lower-case) header names is Anthropic's."""
    if path.startswith(_ANTHROPIC_PATHS):
        return True
    return not path.startswith(_OPENAI_PATHS) and "anthropic-version" in header_names


def is_anthropic(request: Request) -> bool:
    """Whether `request` comes from an Anthropic client."""
    return anthropic_request(request.url.path, request.headers.keys())


def shaped_error(anthropic: bool, error: HttpError) -> dict[str, Any]:
    """`error` in Anthropic's shape or OpenAI's."""
    if anthropic:
        return anthropic_errors.error_body(error)
    return openai_errors.error_body(error)


def error_body(request: Request, error: HttpError) -> dict[str, Any]:
    """`error` in the shape of the API `request` belongs to."""
    return shaped_error(is_anthropic(request), error)
