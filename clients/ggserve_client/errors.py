"""Client errors: one exception class per gRPC status code the service uses, one mapping table.

Every failed call raises a `GgserveError` subclass that keeps the status `code`, the server's
`message`, the request id the server echoed in the `x-request-id` trailer (for its logs), and
the `google.rpc.ErrorInfo` detail's `reason` and `metadata` where the server sent one (e.g.
`CONTEXT_LENGTH_EXCEEDED` with `prompt_tokens` and `context_length`).
"""

from __future__ import annotations

from collections.abc import Mapping

import grpc
from google.rpc import error_details_pb2, status_pb2

REQUEST_ID_TRAILER = "x-request-id"
STATUS_DETAILS_TRAILER = "grpc-status-details-bin"


class GgserveError(Exception):
    """A failed ggserve call: gRPC status `code`, server `message`, `request_id` if known, and
    the machine-readable `reason` and `metadata` of the server's ErrorInfo (empty if none)."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        request_id: str = "",
        *,
        reason: str = "",
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code.name}: {message}" if message else code.name)
        self.code = code
        self.message = message
        self.request_id = request_id
        self.reason = reason
        self.metadata: Mapping[str, str] = dict(metadata or {})


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
    code: grpc.StatusCode,
    message: str,
    request_id: str = "",
    *,
    reason: str = "",
    metadata: Mapping[str, str] | None = None,
) -> GgserveError:
    """The typed error of a status code (plain `GgserveError` for codes without a class)."""
    error_class = _BY_CODE.get(code, GgserveError)
    return error_class(code, message, request_id, reason=reason, metadata=metadata)


def _error_info(details: bytes) -> error_details_pb2.ErrorInfo | None:
    """The ErrorInfo inside a serialized `google.rpc.Status`, if it has one."""
    try:
        status = status_pb2.Status.FromString(details)
    except Exception:  # a malformed trailer is no reason to lose the error itself
        return None
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info
    return None


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
            info = _error_info(value)
    reason, metadata = (info.reason, dict(info.metadata)) if info is not None else ("", {})
    return error_for(
        error.code(), error.details() or "", request_id, reason=reason, metadata=metadata
    )
