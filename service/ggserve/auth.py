"""Bearer-token authentication: every call but health checks needs `authorization: Bearer T`.

T must equal one of the tokens read from `--auth-token-file` (one per line, so a token can be
rotated by listing the old and the new one for a while). Every accepted token is compared in
constant time (`hmac.compare_digest`), all of them on every call, so timing reveals neither a
token's prefix nor which token matched. A call without a valid token ends UNAUTHENTICATED with
the same fixed message whatever was wrong (missing, malformed or wrong). Health checks stay
open so that probes need no secret; reflection needs the token like the API (grpcurl passes
`-H 'authorization: Bearer …'` to both).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc

from ggserve.tls import CredentialsError

logger = logging.getLogger(__name__)

AUTHORIZATION_HEADER = "authorization"
SCHEME = b"Bearer "
OPEN_PREFIXES = ("/grpc.health.v1.Health/",)
UNAUTHENTICATED_MESSAGE = "missing or invalid bearer token"

if TYPE_CHECKING:
    _Handler = grpc.RpcMethodHandler[Any, Any]

_Context = grpc.aio.ServicerContext[Any, Any]


def read_tokens(path: Path) -> tuple[bytes, ...]:
    """The tokens in `path`: each non-blank line, stripped; `#` starts a comment line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise CredentialsError(f"--auth-token-file: cannot read {path}: {reason}") from exc
    tokens = tuple(
        line.strip().encode()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    if not tokens:
        raise CredentialsError(f"--auth-token-file: {path} holds no token")
    if any(len(token) < 16 or b" " in token for token in tokens):
        raise CredentialsError(
            f"--auth-token-file: every token in {path} must be at least 16 characters without "
            "spaces (e.g. `openssl rand -hex 32`)"
        )
    return tokens


def _presented(metadata: Sequence[tuple[str, str | bytes]] | None) -> bytes:
    for key, value in metadata or ():
        if key == AUTHORIZATION_HEADER:
            return value.encode() if isinstance(value, str) else value
    return b""


class BearerTokenInterceptor(grpc.aio.ServerInterceptor):
    """Lets a call through only with a valid bearer token (see the module docstring)."""

    def __init__(self, tokens: Sequence[bytes]) -> None:
        if not tokens:
            raise ValueError("at least one token is needed")
        self._expected = tuple(SCHEME + token for token in tokens)

    def accepts(self, header: bytes) -> bool:
        """Whether `header` is `Bearer <a valid token>`; constant time in the token's bytes."""
        matched = False
        for expected in self._expected:  # no early exit: which token matched must not show
            matched |= hmac.compare_digest(header, expected)
        return matched

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[_Handler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> _Handler | None:
        """Pass authenticated and open calls on; answer the rest UNAUTHENTICATED."""
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(OPEN_PREFIXES):
            return handler
        if self.accepts(_presented(handler_call_details.invocation_metadata)):
            return handler
        return _refusing(handler)


async def _refuse(context: _Context) -> None:
    await context.abort(grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE)


def _refusing(handler: _Handler) -> _Handler:
    """A handler of the same kind as `handler` that ends every call UNAUTHENTICATED."""

    async def unary(request: Any, context: _Context) -> Any:
        await _refuse(context)

    async def streaming(request: Any, context: _Context) -> AsyncIterator[Any]:
        await _refuse(context)
        yield None  # pragma: no cover (abort raises); makes this an async generator

    async def stream_in(requests: AsyncIterator[Any], context: _Context) -> Any:
        await _refuse(context)

    async def stream_stream(requests: AsyncIterator[Any], context: _Context) -> AsyncIterator[Any]:
        await _refuse(context)
        yield None  # pragma: no cover

    deserializer = handler.request_deserializer
    serializer = handler.response_serializer
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(unary, deserializer, serializer)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(streaming, deserializer, serializer)
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(stream_in, deserializer, serializer)
    return grpc.stream_stream_rpc_method_handler(stream_stream, deserializer, serializer)
