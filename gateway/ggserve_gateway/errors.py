"""Failed requests: what kind of failure, its HTTP status, and the one gRPC → HTTP mapping.

The SDKs pick their exception class (and whether to retry) from the HTTP status alone, so the
mapping decides what an agent does next: 400 is the caller's fault, 404 an unknown model, 413 a
request too large to send again as it is (never retried), 429 a full queue (retry later), 503 a
loading or draining server (retry with backoff). The kind is
API-neutral; each API writes it in its own shape (`openai_errors`, `anthropic_errors`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import grpc
from pydantic import ValidationError

from ggserve_client.errors import GgserveError


class ErrorKind(enum.Enum):
    """What went wrong, whatever the API; the value is the HTTP status it answers with."""

    INVALID_REQUEST = 400
    AUTHENTICATION = 401
    PERMISSION = 403
    NOT_FOUND = 404
    REQUEST_TIMEOUT = 408
    TOO_LARGE = 413
    URI_TOO_LONG = 414
    RATE_LIMIT = 429
    HEADERS_TOO_LARGE = 431
    INTERNAL = 500
    NOT_IMPLEMENTED = 501
    UNAVAILABLE = 503
    TIMEOUT = 504


# The error `type` most kinds have in both OpenAI's and Anthropic's shapes (each shape adds or
# overrides the rest).
COMMON_TYPES = {
    ErrorKind.INVALID_REQUEST: "invalid_request_error",
    ErrorKind.AUTHENTICATION: "authentication_error",
    ErrorKind.PERMISSION: "permission_error",
    ErrorKind.NOT_FOUND: "not_found_error",
    ErrorKind.RATE_LIMIT: "rate_limit_error",
    ErrorKind.TIMEOUT: "timeout_error",
}
_BY_CODE: dict[grpc.StatusCode, ErrorKind] = {
    grpc.StatusCode.INVALID_ARGUMENT: ErrorKind.INVALID_REQUEST,
    grpc.StatusCode.FAILED_PRECONDITION: ErrorKind.INVALID_REQUEST,
    grpc.StatusCode.OUT_OF_RANGE: ErrorKind.INVALID_REQUEST,
    grpc.StatusCode.UNAUTHENTICATED: ErrorKind.AUTHENTICATION,
    grpc.StatusCode.PERMISSION_DENIED: ErrorKind.PERMISSION,
    grpc.StatusCode.NOT_FOUND: ErrorKind.NOT_FOUND,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ErrorKind.RATE_LIMIT,
    grpc.StatusCode.UNAVAILABLE: ErrorKind.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: ErrorKind.TIMEOUT,
    grpc.StatusCode.UNIMPLEMENTED: ErrorKind.NOT_IMPLEMENTED,
}
# The core's ErrorInfo reason for a prompt longer than the context.
CONTEXT_LENGTH_EXCEEDED = "CONTEXT_LENGTH_EXCEEDED"
# gRPC's own refusal of a message over `grpc.max_receive_message_length` (the core's
# `--max-request-bytes`): RESOURCE_EXHAUSTED like a full queue, but retrying cannot help. The core's
# full queue carries an ErrorInfo (QUEUE_FULL); this one comes from the gRPC library, with only
# its text ("Received message larger than max (N vs. M)", "Sent message larger than max ...").
_TOO_LARGE_TEXT = "message larger than max"
# Seconds a client should wait before retrying a full queue or an unavailable server.
RETRY_AFTER_S = 1


@dataclass(frozen=True, slots=True)
class ContextOverflow:
    """The prompt alone does not fit the model's context (the core's ErrorInfo reason
    CONTEXT_LENGTH_EXCEEDED): each API says it in its own words and codes, the ones agents
    recognise and recover from (compaction)."""

    prompt_tokens: int
    context_length: int

    @classmethod
    def from_upstream(cls, error: GgserveError) -> ContextOverflow | None:
        """The overflow a failed core call reports, if that is what it reports."""
        if error.reason != CONTEXT_LENGTH_EXCEEDED:
            return None
        try:
            return cls(int(error.metadata["prompt_tokens"]), int(error.metadata["context_length"]))
        except (KeyError, ValueError):
            return None  # a prompt refused by its size in characters: no token count to quote


class HttpError(Exception):
    """A failed HTTP request: its kind, message, the field at fault (if known) and status
    (the kind's, unless a route answers otherwise, e.g. 405)."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        param: str | None = None,
        status: int | None = None,
        overflow: ContextOverflow | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.param = param
        self.status = kind.value if status is None else status
        self.overflow = overflow

    @classmethod
    def bad_request(cls, message: str, *, param: str | None = None) -> HttpError:
        """The request is malformed (400)."""
        return cls(ErrorKind.INVALID_REQUEST, message, param=param)

    @classmethod
    def not_found(cls, message: str) -> HttpError:
        """No such route or model (404)."""
        return cls(ErrorKind.NOT_FOUND, message)

    @classmethod
    def too_large(cls, limit: int) -> HttpError:
        """A body over the gateway's limit (413), which matches the core's."""
        return cls(ErrorKind.TOO_LARGE, f"the request body is over the limit of {limit} bytes")

    @classmethod
    def body_timeout(cls, seconds: float) -> HttpError:
        """A body that did not arrive in time (408)."""
        return cls(
            ErrorKind.REQUEST_TIMEOUT, f"the request body did not arrive within {seconds:g} s"
        )

    @classmethod
    def internal(cls, message: str) -> HttpError:
        """The gateway or the core failed (500)."""
        return cls(ErrorKind.INTERNAL, message)

    @classmethod
    def routing(cls, status: int, message: str) -> HttpError:
        """A request no route takes (404 unknown path, 405 wrong method)."""
        if status == 404:
            return cls.not_found(message)
        return cls(ErrorKind.INVALID_REQUEST, message, status=status)

    @classmethod
    def from_upstream(cls, error: GgserveError) -> HttpError:
        """The HTTP form of a failed gRPC call to the core (the one place codes are mapped)."""
        message = error.message or error.code.name
        if error.request_id:
            message = f"{message} (request {error.request_id})"
        kind = _BY_CODE.get(error.code, ErrorKind.INTERNAL)
        if kind is ErrorKind.RATE_LIMIT and _TOO_LARGE_TEXT in message:
            kind = ErrorKind.TOO_LARGE
        return cls(kind, message, overflow=ContextOverflow.from_upstream(error))

    @classmethod
    def from_validation(cls, error: ValidationError) -> HttpError:
        """A request body that does not match the API's schema (400, naming the field)."""
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return cls(ErrorKind.INVALID_REQUEST, f"{where}: {first['msg']}", param=where)

    def headers(self) -> dict[str, str]:
        """Response headers: Retry-After where retrying later helps."""
        if self.status in (429, 503):
            return {"retry-after": str(RETRY_AFTER_S)}
        if self.status == 408:  # a client too slow to send its body does not keep the connection
            return {"connection": "close"}
        return {}
