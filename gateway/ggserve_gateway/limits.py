"""The bounds on one HTTP request as it arrives: request line, headers, body size and timing.

These are the transport's limits, the same for every API (each API's field ranges live in its
schema, over the types of `bounds`). The body limit matches the core's `--max-request-bytes`: a
body the core would refuse is refused here with 413 before it is read, instead of being read,
converted and sent to fail upstream. `ggserve serve --http-port` passes the core's own value;
`ggserve gateway` takes `--max-request-bytes` (default the core's default).
"""

from __future__ import annotations

from dataclasses import dataclass

# The core's default `--max-request-bytes` (service/ggserve/limits.py).
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """Per-request bounds of the HTTP front; each violation is answered in the API's shape."""

    # The request body (413 beyond; a Content-Length over it is refused before reading).
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # Seconds from the end of the headers to the end of the body (408 beyond): a client that
    # trickles its body holds a connection no longer than this.
    body_timeout_s: float = 60.0
    # The request line's target (414 beyond), as Apache's and nginx's 8 KiB default.
    max_request_line_bytes: int = 8 * 1024
    # Header fields: how many, and their names and values together (431 beyond).
    max_headers: int = 100
    max_header_bytes: int = 64 * 1024
    # Seconds from the connection (or the end of the previous request) to the end of the
    # headers (408 beyond): a half-open request holds a connection no longer than this.
    header_timeout_s: float = 30.0


DEFAULT_HTTP_LIMITS = HttpLimits()
