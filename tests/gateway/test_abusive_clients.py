"""Slow and abusive HTTP clients never stop a good request from being served.

The gRPC side's counterparts are in tests/integration/test_hostile.py and test_chaos.py. Here,
against the real gateway over a replay core: hundreds of half-open requests (headers never
finished), a body sent a byte per second, a streaming client that never reads its answer, all at
once; a good request, unary and streamed, is answered while every one of them is still held
open, and afterwards each abuser gets what the limits promise (408 for the half-open and the
trickled body, the whole stream for the reader that finally reads).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from ggserve.engine.base import GenerationRequest
from ggserve.engine.replay import ReplayEngine
from ggserve_gateway import HttpLimits

from .conftest import Gateway, StartGateway, wait_for
from .raw_http import connect, read_response, request_bytes

HALF_OPEN = 300
LONG_PIECES = 20_000  # ~10 MB of stream: far more than the socket buffers hold
ASK: Any = [{"role": "user", "content": "Hi"}]
# Long enough that every abuser is still held when the good requests finish.
LIMITS = HttpLimits(header_timeout_s=20.0, body_timeout_s=20.0)


def _script(request: GenerationRequest) -> Sequence[str]:
    """A long answer for the abusive streamer (max_tokens > 100), a short one otherwise."""
    long = request.max_tokens is not None and request.max_tokens > 100
    return ["x" * 500] * LONG_PIECES if long else ["ok"]


def _port(gateway: Gateway) -> int:
    return int(gateway.base_url.rsplit(":", 1)[1])


def _unanswered(sock: socket.socket) -> bool:
    """Whether nothing has arrived on `sock` yet, and it is still open."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    finally:
        sock.settimeout(30)
    return False


@contextlib.contextmanager
def _half_open(port: int) -> Iterator[list[socket.socket]]:
    sockets = []
    try:
        for _ in range(HALF_OPEN):
            sock = connect(port, 30)
            sock.sendall(b"POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: applic")
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


@contextlib.contextmanager
def _trickled_body(port: int) -> Iterator[socket.socket]:
    """A request whose body arrives one byte a second, until the server answers."""
    body = json.dumps({"model": "replay", "messages": ASK, "max_tokens": 4}).encode()
    sock = connect(port, 30)
    sock.sendall(
        request_bytes("POST", "/v1/messages", b"", [(b"content-length", b"%d" % len(body))])
    )
    stop = threading.Event()

    def trickle() -> None:
        for byte in body:
            if stop.wait(1.0):
                return
            with contextlib.suppress(OSError):
                sock.sendall(bytes([byte]))

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        yield sock
    finally:
        stop.set()
        thread.join()
        sock.close()


@contextlib.contextmanager
def _non_reader(port: int) -> Iterator[socket.socket]:
    """A streaming request whose answer is not read (until the test reads it at the end)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    body = {"model": "replay", "messages": ASK, "max_tokens": 2 * LONG_PIECES, "stream": True}
    sock.sendall(request_bytes("POST", "/v1/chat/completions", json.dumps(body).encode()))
    try:
        yield sock
    finally:
        sock.close()


def _read_stream(sock: socket.socket) -> bytes:
    sock.settimeout(60)
    response = read_response(sock)
    assert response.status == 200
    return response.body


@pytest.mark.timeout(120)
def test_abusive_clients_do_not_stop_a_good_request(replay_gateway: StartGateway) -> None:
    engine = ReplayEngine(_script, queue_size=4, piece_delay_s=0.0005, n_ctx=100_000)
    gateway = replay_gateway(engine, limits=LIMITS)
    port = _port(gateway)
    with (
        _half_open(port) as half_open,
        _trickled_body(port) as trickled,
        _non_reader(port) as non_reader,
    ):
        wait_for(lambda: engine.stats().running == 1)  # the non-reader's answer is generating
        unary = gateway.openai.chat.completions.create(model="replay", messages=ASK, max_tokens=4)
        with gateway.anthropic.messages.stream(
            model="replay", messages=ASK, max_tokens=4
        ) as stream:
            streamed = stream.get_final_message()
        # Every abuser is still held: none was answered (or dropped) to make room.
        assert all(_unanswered(sock) for sock in half_open)
        assert _unanswered(trickled)
        # The reader that never read still gets its whole answer once it does.
        body = _read_stream(non_reader)
        assert body.endswith(b"data: [DONE]\n\n")
        assert body.count(b"x" * 500) == LONG_PIECES
        # The half-open requests end with 408 when their time is up.
        response = read_response(half_open[0])
        assert response.status == 408
        assert response.json()["error"]["type"] == "invalid_request_error"
    assert unary.choices[0].message.content == "ok"
    assert streamed.content[0].type == "text"
    assert streamed.content[0].text == "ok"


def test_a_trickled_body_ends_with_408(replay_gateway: StartGateway) -> None:
    gateway = replay_gateway(ReplayEngine(), limits=HttpLimits(body_timeout_s=2.0))
    with _trickled_body(_port(gateway)) as trickled:
        response = read_response(trickled)
    assert response.status == 408
    assert response.json()["error"]["message"] == "the request body did not arrive within 2 s"
