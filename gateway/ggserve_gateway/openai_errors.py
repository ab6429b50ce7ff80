"""Errors in OpenAI's shape (Chat Completions and, later, Responses share it)."""

from __future__ import annotations

from typing import Any

from ggserve_gateway.errors import ErrorKind, HttpError

_TYPES = {
    ErrorKind.INVALID_REQUEST: "invalid_request_error",
    ErrorKind.AUTHENTICATION: "authentication_error",
    ErrorKind.PERMISSION: "permission_error",
    ErrorKind.NOT_FOUND: "not_found_error",
    ErrorKind.RATE_LIMIT: "rate_limit_error",
    ErrorKind.INTERNAL: "server_error",
    ErrorKind.NOT_IMPLEMENTED: "not_implemented",
    ErrorKind.UNAVAILABLE: "service_unavailable",
    ErrorKind.TIMEOUT: "timeout_error",
}


def error_object(error: HttpError) -> dict[str, Any]:
    """The inner `{message, type, param, code}` object."""
    return {
        "message": error.message,
        "type": _TYPES[error.kind],
        "param": error.param,
        "code": None,
    }


def error_body(error: HttpError) -> dict[str, Any]:
    """The `{"error": {...}}` response body."""
    return {"error": error_object(error)}
