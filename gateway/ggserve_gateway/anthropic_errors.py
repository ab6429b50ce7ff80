"""Errors in Anthropic's shape."""

from __future__ import annotations

from typing import Any

from ggserve_gateway.errors import ErrorKind, HttpError

_TYPES = {
    ErrorKind.INVALID_REQUEST: "invalid_request_error",
    ErrorKind.AUTHENTICATION: "authentication_error",
    ErrorKind.PERMISSION: "permission_error",
    ErrorKind.NOT_FOUND: "not_found_error",
    ErrorKind.RATE_LIMIT: "rate_limit_error",
    ErrorKind.INTERNAL: "api_error",
    ErrorKind.NOT_IMPLEMENTED: "api_error",
    ErrorKind.UNAVAILABLE: "overloaded_error",
    ErrorKind.TIMEOUT: "timeout_error",
}


def error_body(error: HttpError) -> dict[str, Any]:
    """The `{"type": "error", "error": {type, message}}` body (also the in-stream event's)."""
    return {"type": "error", "error": {"type": _TYPES[error.kind], "message": error.message}}
