"""uvicorn's httptools protocol with limits on what arrives before the application runs.

uvicorn's httptools protocol enforces none of these (h11's 16 KiB `h11_max_incomplete_event_size`
is the h11 protocol's only): a 200 KB header was accepted, a header sent forever was buffered
forever, and a connection that never finished its headers was held forever. This subclass
counts the request target and each header as the parser hands them over (414, 431), bounds the
bytes buffered while the headers are still incomplete (a single endless header never reaches a
callback), and gives the headers `header_timeout_s` to arrive (408). Its refusals, and the
parser's own 400 for bytes that are not HTTP, are JSON in the shape of the API the request was
for, like every other answer of the gateway. The body's limits are the application's
(`serving.read_body`), where the route's API is known.
"""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ggserve_gateway.errors import ErrorKind, HttpError
from ggserve_gateway.limits import HttpLimits
from ggserve_gateway.request_api import anthropic_request, shaped_error
from ggserve_gateway.sse import compact_json

logger = logging.getLogger("ggserve.gateway")
# Seconds a refused request's remaining bytes are read (and dropped) before the connection closes.
_LINGER_S = 2.0


class _RefusedError(Exception):
    """Raised from a parser callback to stop parsing a request the limits refuse."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` under `limits` (set by `protocol_class`)."""

    limits: HttpLimits

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_headers = True
        self._target_bytes = 0
        self._header_bytes = 0
        self._header_count = 0
        self._header_names: list[str] = []
        self._buffered = 0
        self._refusal: HttpError | None = None
        self._header_timer: asyncio.TimerHandle | None = None
        self._lingering: asyncio.TimerHandle | None = None
        self._deferred = False  # a refusal waits for the response in progress
        self._chunked = False  # the request's body has no Content-Length

    # --- connection ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        if self._lingering is not None:
            self._lingering.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # uvicorn's, with the parser's errors answered by `_send_refusal` (a callback's refusal
        # reaches here as the parser's `HttpParserCallbackError`).
        if self._lingering is not None:
            return  # the rest of a refused request: read, so that closing sends no reset
        before = self._in_headers
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._unsupported_upgrade_warning()  # the gateway serves no WebSocket
        except httptools.HttpParserError as exc:
            if self._refusal is None:
                self._refusal = HttpError.bad_request(f"malformed HTTP request: {exc}")
            self._send_refusal()
            return
        # Bytes of a chunk that was all header: what the parser holds for a header no callback
        # has seen yet. (A chunk that began a new request is not counted: at most one read.)
        if before and self._in_headers and not self.transport.is_closing():
            self._buffered += len(data)
            if self._buffered > self._header_budget():
                self._refusal = HttpError(ErrorKind.HEADERS_TOO_LARGE, self._headers_message())
                self._send_refusal()

    # --- parser callbacks ---------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_headers = True
        self._target_bytes = self._header_bytes = self._header_count = self._buffered = 0
        self._header_names = []
        self._chunked = False
        if self._header_timer is None:
            self._start_header_timer()

    def on_url(self, url: bytes) -> None:
        self._target_bytes += len(url)
        if self._target_bytes > self.limits.max_request_line_bytes:
            self._refuse(
                ErrorKind.URI_TOO_LONG,
                f"the request target is over the limit of "
                f"{self.limits.max_request_line_bytes} bytes",
            )
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._header_bytes += len(name) + len(value)
        self._header_names.append(name.decode("latin-1").lower())
        self._chunked = self._chunked or self._header_names[-1] == "transfer-encoding"
        if self._header_count > self.limits.max_headers:
            self._refuse(
                ErrorKind.HEADERS_TOO_LARGE,
                f"more than {self.limits.max_headers} header fields",
            )
        if self._header_bytes > self.limits.max_header_bytes:
            self._refuse(ErrorKind.HEADERS_TOO_LARGE, self._headers_message())
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._stop_header_timer()
        super().on_headers_complete()

    # --- refusals -----------------------------------------------------------------------------

    def _header_budget(self) -> int:
        # The request line and the headers with their separators (4 bytes per field).
        limits = self.limits
        return limits.max_request_line_bytes + limits.max_header_bytes + 4 * limits.max_headers

    def _headers_message(self) -> str:
        return f"the header fields are over the limit of {self.limits.max_header_bytes} bytes"

    def _refuse(self, kind: ErrorKind, message: str) -> None:
        self._refusal = HttpError(kind, message)
        raise _RefusedError(message)

    def _start_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(
            self.limits.header_timeout_s, self._headers_timed_out
        )

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_timed_out(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or not self._in_headers:
            return
        seconds = self.limits.header_timeout_s
        self._refusal = HttpError(
            ErrorKind.REQUEST_TIMEOUT, f"the request headers did not arrive within {seconds:g} s"
        )
        self._send_refusal()

    def on_response_complete(self) -> None:
        # A response sent before a chunked body ended (413): the rest of that body has no
        # length to wait for, so it is read and dropped only while the connection lingers.
        unread = self._chunked and self.cycle is not None and self.cycle.more_body
        super().on_response_complete()
        if self._deferred:
            self._deferred = False
            self._send_refusal()
        elif unread and not self.transport.is_closing():
            self._linger()

    def _send_refusal(self) -> None:
        """Answer the refusal in the API's shape and close the connection.

        The answer goes out in order: if the refused bytes are the body of the request being
        served, that request is the refused one (the application sees a disconnect); if they
        follow a whole request whose response is still being written, the refusal waits for
        that response to end.
        """
        error = self._refusal or HttpError.bad_request("malformed HTTP request")
        self._stop_header_timer()
        if self.transport.is_closing() or self._lingering is not None:
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if not cycle.more_body:
                self._deferred = True
                self.flow.pause_reading()
                return
            cycle.disconnected = True
            cycle.message_event.set()
        logger.info("refused a request from %s: %d %s", self.client, error.status, error.message)
        path = self.url.decode("latin-1") if getattr(self, "url", None) else ""
        body = compact_json(shaped_error(anthropic_request(path, self._header_names), error))
        content = body.encode()
        head = (
            b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n"
            % (error.status, HTTPStatus(error.status).phrase.encode(), len(content))
        )
        self.transport.write(head + content)
        self._linger()

    def _linger(self) -> None:
        """Close without a reset: closing a socket with unread bytes in it sends RST, which can
        destroy the answer before the client reads it (a client still uploading a 200 KB
        header would see "connection reset" instead of 431). So the answer is followed by
        FIN, what the client still sends is read and dropped, and the connection is closed
        when the client closes its side (asyncio closes it on EOF) or after `_LINGER_S`."""
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self._lingering = self.loop.call_later(_LINGER_S, self.transport.close)


def protocol_class(limits: HttpLimits) -> type[LimitedHttpToolsProtocol]:
    """The protocol class (what uvicorn's `Config(http=...)` takes) enforcing `limits`."""
    return type("LimitedHttpToolsProtocol", (LimitedHttpToolsProtocol,), {"limits": limits})
