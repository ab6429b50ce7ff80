"""Errors in Anthropic's shape."""

from __future__ import annotations

from typing import Any

from ggserve_gateway.errors import COMMON_TYPES, ErrorKind, HttpError

_TYPES = {
    **COMMON_TYPES,
    ErrorKind.INTERNAL: "api_error",
    ErrorKind.NOT_IMPLEMENTED: "api_error",
    ErrorKind.UNAVAILABLE: "overloaded_error",
}


def error_body(error: HttpError) -> dict[str, Any]:
    """The `{"type": "error", "error": {type, message}}` body (also the in-stream event's)."""
    return {"type": "error", "error": {"type": _TYPES[error.kind], "message": error.message}}
