"""Client errors: one exception class per gRPC status code the service uses, one mapping table.

Every failed call raises a `GgserveError` subclass that keeps the status `code`, the server's
`message`, the request id the server echoed in the `x-request-id` trailer (for its logs), and
the `google.rpc.ErrorInfo` of the status details when the server sent one (`info.reason`, e.g.
`CONTEXT_LENGTH_EXCEEDED` with metadata `prompt_tokens` and `context_length`).
"""

from __future__ import annotations

from collections.abc import Mapping

import grpc

from ggserve_client.status_details import STATUS_DETAILS_TRAILER, ErrorInfo, error_info

REQUEST_ID_TRAILER = "x-request-id"


class GgserveError(Exception):
    """A failed ggserve call: gRPC status `code`, server `message`, `request_id` if known, and
    `info` (reason and metadata) when the server gave one."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        request_id: str = "",
        info: ErrorInfo | None = None,
    ) -> None:
        super().__init__(f"{code.name}: {message}" if message else code.name)
        self.code = code
        self.message = message
        self.request_id = request_id
        self.info = info

    @property
    def reason(self) -> str:
        """The ErrorInfo reason (e.g. `CONTEXT_LENGTH_EXCEEDED`, `QUEUE_FULL`); empty if none."""
        return self.info.reason if self.info else ""

    @property
    def metadata(self) -> Mapping[str, str]:
        """The ErrorInfo metadata (e.g. `prompt_tokens`, `context_length`); empty if none."""
        return dict(self.info.metadata) if self.info else {}


class InvalidArgumentError(GgserveError):
    """The request is malformed or does not fit the model (INVALID_ARGUMENT)."""


class NotFoundError(GgserveError):
    """The request names a model the server does not serve (NOT_FOUND)."""


class ResourceExhaustedError(GgserveError):
    """The server's admission queue is full; retry later (RESOURCE_EXHAUSTED)."""


class UnavailableError(GgserveError):
    """The server is unreachable, loading or draining; retry with backoff (UNAVAILABLE)."""


class DeadlineExceededError(GgserveError):
    """The call's deadline passed before it finished (DEADLINE_EXCEEDED)."""


class RequestCancelledError(GgserveError):
    """The call was cancelled (CANCELLED)."""


class UnimplementedError(GgserveError):
    """The server does not implement the method or feature (UNIMPLEMENTED)."""


class InternalError(GgserveError):
    """The server failed while generating (INTERNAL); its logs have the request id."""


_BY_CODE: dict[grpc.StatusCode, type[GgserveError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.CANCELLED: RequestCancelledError,
    grpc.StatusCode.UNIMPLEMENTED: UnimplementedError,
    grpc.StatusCode.INTERNAL: InternalError,
}


def error_for(
    code: grpc.StatusCode, message: str, request_id: str = "", info: ErrorInfo | None = None
) -> GgserveError:
    """The typed error of a status code (plain `GgserveError` for codes without a class)."""
    return _BY_CODE.get(code, GgserveError)(code, message, request_id, info)


def from_rpc_error(error: grpc.RpcError) -> GgserveError:
    """The typed error of a failed call (sync or asyncio)."""
    if not isinstance(error, grpc.Call | grpc.aio.AioRpcError):
        return GgserveError(grpc.StatusCode.UNKNOWN, str(error))
    request_id = ""
    info = None
    for key, value in error.trailing_metadata() or ():
        if key == REQUEST_ID_TRAILER:
            request_id = value if isinstance(value, str) else value.decode(errors="replace")
        elif key == STATUS_DETAILS_TRAILER and isinstance(value, bytes):
            info = error_info(value)
    return error_for(error.code(), error.details() or "", request_id, info)
