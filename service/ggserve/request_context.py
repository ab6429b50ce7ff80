"""The id of the request being served, in a context variable that log records pick up."""

from __future__ import annotations

import logging
import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "x-request-id"

_request_id: ContextVar[str] = ContextVar("ggserve_request_id", default="-")


def new_request_id() -> str:
    """A fresh request id."""
    return f"req_{uuid.uuid4().hex[:24]}"


def current_request_id() -> str:
    """The id of the request this task serves ("-" outside a request)."""
    return _request_id.get()


def bind_request_id(request_id: str) -> None:
    """Make `request_id` the current request's id (for this task and what it awaits)."""
    _request_id.set(request_id)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record, so formats can use `%(request_id)s`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate `record`; never drops it."""
        record.request_id = _request_id.get()
        return True
