"""Errors in each API's own shape, with the HTTP status mapped from the core's gRPC code.

The SDKs pick their exception class (and whether to retry) from the HTTP status alone, so the
mapping decides what an agent does next: 400 is the caller's fault, 404 an unknown model, 429 a
full queue (retry later), 503 a loading or draining server (retry with backoff).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import grpc
from pydantic import ValidationError

from ggserve_client.errors import GgserveError


class Api(enum.Enum):
    """Which API's error shape to answer in."""

    OPENAI = "openai"
    ANTHROPIC = "anthropic"


@dataclass(frozen=True, slots=True)
class _Kind:
    status: int
    openai_type: str
    anthropic_type: str


_INVALID = _Kind(400, "invalid_request_error", "invalid_request_error")
_INTERNAL = _Kind(500, "server_error", "api_error")
_BY_CODE: dict[grpc.StatusCode, _Kind] = {
    grpc.StatusCode.INVALID_ARGUMENT: _INVALID,
    grpc.StatusCode.FAILED_PRECONDITION: _INVALID,
    grpc.StatusCode.OUT_OF_RANGE: _INVALID,
    grpc.StatusCode.UNAUTHENTICATED: _Kind(401, "authentication_error", "authentication_error"),
    grpc.StatusCode.PERMISSION_DENIED: _Kind(403, "permission_error", "permission_error"),
    grpc.StatusCode.NOT_FOUND: _Kind(404, "not_found_error", "not_found_error"),
    grpc.StatusCode.RESOURCE_EXHAUSTED: _Kind(429, "rate_limit_error", "rate_limit_error"),
    grpc.StatusCode.UNAVAILABLE: _Kind(503, "service_unavailable", "overloaded_error"),
    grpc.StatusCode.DEADLINE_EXCEEDED: _Kind(504, "timeout_error", "timeout_error"),
    grpc.StatusCode.UNIMPLEMENTED: _Kind(501, "not_implemented", "api_error"),
}
# Seconds a client should wait before retrying a full queue or an unavailable server.
RETRY_AFTER_S = 1


class HttpError(Exception):
    """A failed HTTP request: status, message, and the gRPC code it came from (if any)."""

    def __init__(self, kind: _Kind, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.param = param

    @property
    def status(self) -> int:
        """The HTTP status code."""
        return self.kind.status

    @classmethod
    def bad_request(cls, message: str, *, param: str | None = None) -> HttpError:
        """The request is malformed (400)."""
        return cls(_INVALID, message, param=param)

    @classmethod
    def not_found(cls, message: str) -> HttpError:
        """No such route or model (404)."""
        return cls(_BY_CODE[grpc.StatusCode.NOT_FOUND], message)

    @classmethod
    def internal(cls, message: str) -> HttpError:
        """The gateway or the core failed (500)."""
        return cls(_INTERNAL, message)

    @classmethod
    def routing(cls, status: int, message: str) -> HttpError:
        """A request no route takes (404 unknown path, 405 wrong method)."""
        if status == 404:
            return cls.not_found(message)
        return cls(_Kind(status, "invalid_request_error", "invalid_request_error"), message)

    @classmethod
    def from_upstream(cls, error: GgserveError) -> HttpError:
        """The HTTP form of a failed gRPC call to the core."""
        message = error.message or error.code.name
        if error.request_id:
            message = f"{message} (request {error.request_id})"
        return cls(_BY_CODE.get(error.code, _INTERNAL), message)

    @classmethod
    def from_validation(cls, error: ValidationError) -> HttpError:
        """A request body that does not match the API's schema (400, naming the field)."""
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return cls(_INVALID, f"{where}: {first['msg']}", param=where)

    def headers(self) -> dict[str, str]:
        """Response headers: Retry-After where retrying later helps."""
        if self.status in (429, 503):
            return {"retry-after": str(RETRY_AFTER_S)}
        return {}

    def body(self, api: Api) -> dict[str, Any]:
        """The error object of `api`."""
        if api is Api.ANTHROPIC:
            return {
                "type": "error",
                "error": {"type": self.kind.anthropic_type, "message": self.message},
            }
        return {
            "error": {
                "message": self.message,
                "type": self.kind.openai_type,
                "param": self.param,
                "code": None,
            }
        }
