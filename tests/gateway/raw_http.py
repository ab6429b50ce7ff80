"""HTTP/1.1 over a plain socket, for requests no HTTP client library would send.

The fuzz and the abusive-client tests need bytes an ordinary client refuses to write (header
names with control characters, a Content-Length that lies, a body cut short, a body sent a byte
at a time) and need to tell a complete answer from a dropped connection; `exchange` writes the
request as given and reads one response whole (Content-Length or chunked), or raises
`DroppedError`.
"""

from __future__ import annotations

import contextlib
import json
import socket
from dataclasses import dataclass
from typing import Any


class DroppedError(Exception):
    """The connection closed (or reset) before a whole response arrived."""


@dataclass
class Response:
    """One HTTP response."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


def request_bytes(
    method: str, path: str, body: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None
) -> bytes:
    """A request with Host and Content-Length (unless `headers` frame the body themselves),
    then `headers` as given, then `body`."""
    lines = [
        f"{method} {path} HTTP/1.1".encode(),
        b"host: 127.0.0.1",
        b"content-type: application/json",
    ]
    lines += [name + b": " + value for name, value in headers or ()]
    framing = (b"content-length", b"transfer-encoding")
    if not any(name.lower() in framing for name, _ in headers or ()):
        lines.append(b"content-length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def connect(port: int, timeout: float) -> socket.socket:
    """A connection to the gateway on loopback."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


class _Reader:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""

    def _more(self) -> None:
        try:
            data = self._sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError) as exc:
            raise DroppedError(str(exc)) from None
        if not data:
            raise DroppedError("the connection closed mid-response")
        self._buffer += data

    def until(self, marker: bytes) -> bytes:
        while (end := self._buffer.find(marker)) < 0:
            self._more()
        data, self._buffer = self._buffer[:end], self._buffer[end + len(marker) :]
        return data

    def exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._more()
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def read_response(sock: socket.socket) -> Response:
    """One whole response from `sock`, after any interim 1xx (`DroppedError` if it ends early)."""
    reader = _Reader(sock)
    status = 100
    while 100 <= status < 200:
        head = reader.until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while size := int(reader.until(b"\r\n").split(b";")[0], 16):
            chunks.append(reader.exactly(size))
            reader.until(b"\r\n")
        reader.until(b"\r\n")
        return Response(status, headers, b"".join(chunks))
    return Response(status, headers, reader.exactly(int(headers.get("content-length", "0"))))


def exchange(port: int, raw: bytes, timeout: float = 120.0) -> Response:
    """Send `raw` on a new connection and read the response."""
    with connect(port, timeout) as sock:
        # Refused mid-request, the response may still be there to read.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            sock.sendall(raw)
        return read_response(sock)
