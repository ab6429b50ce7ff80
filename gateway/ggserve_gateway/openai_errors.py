"""Errors in OpenAI's shape (Chat Completions and, later, Responses share it)."""

from __future__ import annotations

from typing import Any

from ggserve_gateway.errors import COMMON_TYPES, ErrorKind, HttpError

_TYPES = {
    **COMMON_TYPES,
    ErrorKind.REQUEST_TIMEOUT: "invalid_request_error",
    ErrorKind.TOO_LARGE: "invalid_request_error",
    ErrorKind.URI_TOO_LONG: "invalid_request_error",
    ErrorKind.HEADERS_TOO_LARGE: "invalid_request_error",
    ErrorKind.INTERNAL: "server_error",
    ErrorKind.NOT_IMPLEMENTED: "not_implemented",
    ErrorKind.UNAVAILABLE: "service_unavailable",
}

# OpenAI has no error type of its own for these; the code tells them apart.
_CODES = {
    ErrorKind.REQUEST_TIMEOUT: "request_timeout",
    ErrorKind.TOO_LARGE: "request_too_large",
    ErrorKind.URI_TOO_LONG: "uri_too_long",
    ErrorKind.HEADERS_TOO_LARGE: "request_header_fields_too_large",
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
        "code": _CODES.get(error.kind),
    }


def error_body(error: HttpError) -> dict[str, Any]:
    """The `{"error": {...}}` response body."""
    return {"error": error_object(error)}
