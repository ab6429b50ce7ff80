"""Errors in Anthropic's shape."""

from __future__ import annotations

from typing import Any

from ggserve_gateway.errors import COMMON_TYPES, ErrorKind, HttpError

_TYPES = {
    **COMMON_TYPES,
    ErrorKind.REQUEST_TIMEOUT: "invalid_request_error",
    ErrorKind.TOO_LARGE: "request_too_large",
    ErrorKind.URI_TOO_LONG: "invalid_request_error",
    ErrorKind.HEADERS_TOO_LARGE: "invalid_request_error",
    ErrorKind.INTERNAL: "api_error",
    ErrorKind.NOT_IMPLEMENTED: "api_error",
    ErrorKind.UNAVAILABLE: "overloaded_error",
}


def _message(error: HttpError) -> str:
    overflow = error.overflow
    if overflow is None:
        return error.message
    # Anthropic's own words, which Claude Code matches to compact the conversation and retry.
    tokens, maximum = overflow.prompt_tokens, overflow.context_length
    return f"prompt is too long: {tokens} tokens > {maximum} maximum"


def error_body(error: HttpError) -> dict[str, Any]:
    """The `{"type": "error", "error": {type, message}}` body (also the in-stream event's)."""
    return {"type": "error", "error": {"type": _TYPES[error.kind], "message": _message(error)}}
