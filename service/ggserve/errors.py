"""Service errors and the one table that maps them (and engine errors) to gRPC status codes.

Errors leave the service as gRPC status codes, never inside a response stream. Each error
carries an actionable message and, where natural, the details of a `google.rpc.Status`
(`BadRequest` field violations, an `ErrorInfo` reason with metadata, a retry delay); the
conversion to the wire form lives in `convert.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import grpc

from ggserve.engine.base import (
    ContextOverflow,
    EngineClosed,
    EngineDied,
    EngineError,
    GrammarError,
    QueueFull,
)

ERROR_DOMAIN = "ggserve.dev"


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One bad request field: a path such as `messages[2].tool_call_id` and what is wrong."""

    field: str
    description: str


class ServiceError(Exception):
    """A request that cannot be served; `STATUS_CODES` gives its gRPC status code."""

    def __init__(
        self,
        message: str,
        *,
        reason: str = "",
        metadata: Mapping[str, str] | None = None,
        violations: tuple[FieldViolation, ...] = (),
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.metadata: dict[str, str] = dict(metadata or {})
        self.violations = violations
        self.retry_after_s = retry_after_s

    @property
    def code(self) -> grpc.StatusCode:
        """The gRPC status code of this error."""
        return status_code(self)


class InvalidArgumentError(ServiceError):
    """The request is malformed or cannot fit the model (INVALID_ARGUMENT)."""

    @classmethod
    def field(cls, field: str, description: str) -> InvalidArgumentError:
        """An error about one request field; the message names the field."""
        return cls(f"{field}: {description}", violations=(FieldViolation(field, description),))


class NotFoundError(ServiceError):
    """The request names a model this server does not serve (NOT_FOUND)."""


class ResourceExhaustedError(ServiceError):
    """The server is at capacity; retry later (RESOURCE_EXHAUSTED)."""


class UnavailableError(ServiceError):
    """The server is loading or draining; retry with backoff (UNAVAILABLE)."""


class UnimplementedError(ServiceError):
    """The request asks for something this server or model does not support (UNIMPLEMENTED)."""


class InternalError(ServiceError):
    """The engine failed; the details are in the server log under the request id (INTERNAL)."""


STATUS_CODES: Mapping[type[ServiceError], grpc.StatusCode] = {
    InvalidArgumentError: grpc.StatusCode.INVALID_ARGUMENT,
    NotFoundError: grpc.StatusCode.NOT_FOUND,
    ResourceExhaustedError: grpc.StatusCode.RESOURCE_EXHAUSTED,
    UnavailableError: grpc.StatusCode.UNAVAILABLE,
    UnimplementedError: grpc.StatusCode.UNIMPLEMENTED,
    InternalError: grpc.StatusCode.INTERNAL,
}


def status_code(error: ServiceError) -> grpc.StatusCode:
    """The status code of `error` (the table's classes are disjoint, so the first match wins)."""
    for cls, code in STATUS_CODES.items():
        if isinstance(error, cls):
            return code
    return grpc.StatusCode.INTERNAL


def context_overflow(prompt_tokens: int, context_length: int) -> InvalidArgumentError:
    """The error for a prompt that alone leaves no room in the context for a generated token.

    `max_tokens` plays no part: it is a ceiling, and generation stops when the context is full.
    The ErrorInfo (reason CONTEXT_LENGTH_EXCEEDED, metadata `prompt_tokens` and
    `context_length`) lets a gateway say it in its API's words ("prompt is too long: N tokens >
    M maximum", OpenAI `context_length_exceeded`).
    """
    return InvalidArgumentError(
        f"prompt is too long: {prompt_tokens} tokens, but the model's context holds "
        f"{context_length} (n_ctx) and must keep room for at least one generated token; shorten "
        "the conversation or start the server with a larger --n-ctx",
        reason="CONTEXT_LENGTH_EXCEEDED",
        metadata={"prompt_tokens": str(prompt_tokens), "context_length": str(context_length)},
    )


# No vocabulary we know has a token longer than this many characters, so a prompt longer than
# n_ctx times this cannot fit; refusing it before tokenizing bounds the work (tokenizing 15 MB
# takes about a minute on one core).
MAX_CHARS_PER_TOKEN = 64


def check_prompt_chars(chars: int, context_length: int) -> None:
    """Raise the context-overflow error, before tokenizing, for a prompt that cannot fit."""
    if chars > context_length * MAX_CHARS_PER_TOKEN:
        raise InvalidArgumentError(
            f"the prompt has {chars} characters, more than any {context_length}-token context "
            f"(n_ctx) can hold ({MAX_CHARS_PER_TOKEN} characters per token at most); shorten the "
            "conversation or start the server with a larger --n-ctx",
            reason="CONTEXT_LENGTH_EXCEEDED",
            metadata={"prompt_chars": str(chars), "context_length": str(context_length)},
        )


def from_engine_error(error: EngineError) -> ServiceError:
    """Translate an engine failure into the service error the caller sees."""
    if isinstance(error, QueueFull):
        return ResourceExhaustedError(
            "the admission queue is full; retry with backoff, or start the server with a larger "
            "--queue-size",
            reason="QUEUE_FULL",
            retry_after_s=1.0,
        )
    if isinstance(error, EngineDied):
        return UnavailableError(
            "the engine failed and this server is restarting; retry on another instance",
            reason="ENGINE_DIED",
            retry_after_s=1.0,
        )
    if isinstance(error, EngineClosed):
        return UnavailableError(
            "the server is shutting down; retry on another instance", reason="DRAINING"
        )
    if isinstance(error, ContextOverflow):
        return context_overflow(error.prompt_tokens, error.context_length)
    if isinstance(error, GrammarError):
        return InvalidArgumentError(
            f"{error}; check response_format (or the tools' parameter schemas for a forced "
            "tool choice)",
            reason="INVALID_GRAMMAR",
        )
    return InternalError(f"the engine failed: {error}", reason="ENGINE_FAILURE")
