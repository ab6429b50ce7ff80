"""Errors in OpenAI's shape (Chat Completions and, later, Responses share it)."""

from __future__ import annotations

from typing import Any

from ggserve_gateway.errors import COMMON_TYPES, ErrorKind, HttpError

_TYPES = {
    **COMMON_TYPES,
    ErrorKind.INTERNAL: "server_error",
    ErrorKind.NOT_IMPLEMENTED: "not_implemented",
    ErrorKind.UNAVAILABLE: "service_unavailable",
}


def error_object(error: HttpError) -> dict[str, Any]:
    """The inner `{message, type, param, code}` object."""
    overflow = error.overflow
    if overflow is not None:  # OpenAI's own words and code, which agents act on
        return {
            "message": f"This model's maximum context length is {overflow.context_length} "
            f"tokens. However, your messages resulted in {overflow.prompt_tokens} tokens. "
            "Please reduce the length of the messages.",
            "type": _TYPES[error.kind],
            "param": "messages",
            "code": "context_length_exceeded",
        }
    return {
        "message": error.message,
        "type": _TYPES[error.kind],
        "param": error.param,
        "code": None,
    }


def error_body(error: HttpError) -> dict[str, Any]:
    """The `{"error": {...}}` response body."""
    return {"error": error_object(error)}
