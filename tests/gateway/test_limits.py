"""The HTTP front's limits: numbers out of range (400), bodies over the limit (413, never the
retryable 429), headers and targets over theirs (431, 414), requests that do not arrive in time
(408), refused fields named (400); each answered in the API's own error shape, through the
official SDKs where they can send the request and over a raw socket where they cannot.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import anthropic
import openai
import pytest

from ggserve.engine.replay import ReplayEngine
from ggserve.limits import Limits
from ggserve.server import Server
from ggserve_gateway import HttpLimits
from tests.integration.conftest import served
from tests.integration.harness import ServerThread

from .conftest import Gateway, StartGateway, start_gateway
from .raw_http import connect, exchange, read_response, request_bytes

ASK: Any = [{"role": "user", "content": "Hi"}]
SMALL = HttpLimits(
    max_body_bytes=64 * 1024,
    body_timeout_s=1.0,
    header_timeout_s=1.0,
    max_headers=20,
    max_header_bytes=4096,
    max_request_line_bytes=1024,
)


def _port(gateway: Gateway) -> int:
    return int(gateway.base_url.rsplit(":", 1)[1])


def _anthropic_error(body: Any, kind: str) -> None:
    assert body["type"] == "error"
    assert body["error"]["type"] == kind


def _openai_error(error: Any, code: str | None = None) -> str:
    """The message of an OpenAI error object (the SDK's `body` is the inner object)."""
    assert error["type"] == "invalid_request_error"
    assert error["code"] == code
    message: str = error["message"]
    return message


def _openai_body(body: Any) -> Any:
    """The inner object of a whole OpenAI error body."""
    assert set(body) == {"error"}
    return body["error"]


def _openai_refusal(client: openai.OpenAI, field: str, value: Any) -> str:
    """The message of the 400 that a chat completion with `field: value` gets (naming it)."""
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model="replay", messages=ASK, extra_body={field: value})
    assert refused.value.param == field
    return _openai_error(refused.value.body)


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_tokens", 10**30),
        ("max_tokens", 2**32),
        ("max_tokens", 0),
        ("temperature", 1.5),  # Anthropic's range is [0, 1]
        ("top_p", 0.0),
        ("top_k", -1),
        ("top_k", 2**40),
    ],
)
def test_anthropic_numbers_out_of_range_are_400(
    replay_gateway: StartGateway, field: str, value: float
) -> None:
    client = replay_gateway(ReplayEngine()).anthropic
    fields: dict[str, Any] = {"max_tokens": 4, field: value}
    with pytest.raises(anthropic.BadRequestError) as refused:
        client.messages.create(
            model="replay", messages=ASK, max_tokens=fields.pop("max_tokens"), extra_body=fields
        )
    body = refused.value.body
    _anthropic_error(body, "invalid_request_error")
    assert body["error"]["message"].startswith(f"{field}:")  # type: ignore[index]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_tokens", 10**30),
        ("max_completion_tokens", 2**32),
        ("seed", 2**64),
        ("temperature", 2.5),
        ("presence_penalty", -3),
        ("frequency_penalty", 1e300),
        ("min_p", 1.5),
        ("repeat_penalty", 0),
        ("n", 1000),
        ("top_logprobs", 21),
    ],
)
def test_openai_numbers_out_of_range_are_400(
    replay_gateway: StartGateway, field: str, value: float
) -> None:
    message = _openai_refusal(replay_gateway(ReplayEngine()).openai, field, value)
    assert message.startswith(f"{field}: Input should be")


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_non_finite_numbers_are_400(replay_gateway: StartGateway, literal: bytes) -> None:
    gateway = replay_gateway(ReplayEngine())
    body = b'{"messages":[{"role":"user","content":"Hi"}],"temperature":%s}' % literal
    response = exchange(_port(gateway), request_bytes("POST", "/v1/chat/completions", body))
    assert response.status == 400
    assert _openai_error(_openai_body(response.json())).startswith("temperature:")


# --- fields the core cannot honour -------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("logit_bias", {str(i): 1 for i in range(100_000)}),
        ("logit_bias", {"50256": -100}),
        ("logprobs", True),
        ("top_logprobs", 3),
        ("functions", [{"name": "f", "parameters": {}}]),
        ("function_call", "auto"),
        ("audio", {"voice": "alloy", "format": "wav"}),
        ("modalities", ["text", "audio"]),
    ],
)
def test_unsupported_openai_fields_are_refused_by_name(
    replay_gateway: StartGateway, field: str, value: Any
) -> None:
    message = _openai_refusal(replay_gateway(ReplayEngine()).openai, field, value)
    assert message.startswith(f"{field}:")


def test_no_op_values_of_unsupported_fields_are_served(replay_gateway: StartGateway) -> None:
    client = replay_gateway(ReplayEngine()).openai
    answer = client.chat.completions.create(
        model="replay",
        messages=ASK,
        n=1,
        logprobs=False,
        top_logprobs=0,
        logit_bias={},
        modalities=["text"],
    )
    assert answer.choices[0].message.content == "Hello, world!"


# --- body size ----------------------------------------------------------------------------------


def test_body_over_the_limit_is_413_in_each_shape(replay_gateway: StartGateway) -> None:
    gateway = replay_gateway(ReplayEngine(), limits=SMALL)
    big = "x" * (SMALL.max_body_bytes + 1)
    with pytest.raises(anthropic.RequestTooLargeError) as too_large:
        gateway.anthropic.messages.create(
            model="replay", messages=[{"role": "user", "content": big}], max_tokens=4
        )
    _anthropic_error(too_large.value.body, "request_too_large")
    with pytest.raises(openai.APIStatusError) as refused:
        gateway.openai.chat.completions.create(
            model="replay", messages=[{"role": "user", "content": big}]
        )
    assert refused.value.status_code == 413
    _openai_error(refused.value.body, "request_too_large")


def test_a_lying_or_chunked_body_is_cut_at_the_limit(replay_gateway: StartGateway) -> None:
    gateway = replay_gateway(ReplayEngine(), limits=SMALL)
    port = _port(gateway)
    # A Content-Length over the limit is refused before any of the body is sent.
    declared = [(b"content-length", b"%d" % (10 * 2**30))]
    with connect(port, 30) as sock:
        sock.sendall(request_bytes("POST", "/v1/messages", b"", declared))
        response = read_response(sock)
    assert response.status == 413
    _anthropic_error(response.json(), "request_too_large")
    # A chunked body with no length is refused once what arrived passes the limit.
    chunked = [(b"transfer-encoding", b"chunked")]
    with connect(port, 30) as sock:
        sock.sendall(request_bytes("POST", "/v1/chat/completions", b"", chunked))
        chunk = b"%x\r\n%s\r\n" % (4096, b"x" * 4096)
        for _ in range(SMALL.max_body_bytes // 4096 + 2):
            sock.sendall(chunk)
        response = read_response(sock)
        # A body with no length is not read on forever: while the client goes on sending,
        # the server ends the connection (without the FIN, recv would time out).
        stop = threading.Event()

        def go_on() -> None:
            while not stop.wait(0.1):
                with contextlib.suppress(OSError):
                    sock.sendall(chunk)

        sender = threading.Thread(target=go_on, daemon=True)
        sender.start()
        try:
            sock.settimeout(10)
            assert sock.recv(1) == b""
        finally:
            stop.set()
            sender.join()
    assert response.status == 413
    _openai_error(_openai_body(response.json()), "request_too_large")


class _SmallCore(ServerThread):
    """A core whose gRPC receive limit (`--max-request-bytes`) is 32 KiB."""

    async def _build(self, auth: Any) -> Server:
        return Server(self.registry, Limits(max_request_bytes=32 * 1024), auth=auth)


def test_core_refusing_a_large_message_is_413_not_429() -> None:
    """A gateway whose own limit is above the core's: the core's RESOURCE_EXHAUSTED for a large
    message is mapped to 413, not to the retryable 429 of a full queue."""
    gateway = start_gateway(_SmallCore([served(ReplayEngine())]))
    try:
        with pytest.raises(anthropic.RequestTooLargeError) as too_large:
            gateway.anthropic.messages.create(
                model="replay", messages=[{"role": "user", "content": "x" * 40_000}], max_tokens=4
            )
        _anthropic_error(too_large.value.body, "request_too_large")
        assert "larger than max" in too_large.value.body["error"]["message"]  # type: ignore[index]
    finally:
        gateway.close()


# --- headers and target ------------------------------------------------------------------------


def test_header_limits_are_431_and_target_limit_414(replay_gateway: StartGateway) -> None:
    gateway = replay_gateway(ReplayEngine(), limits=SMALL)
    with pytest.raises(anthropic.RequestHeaderFieldsTooLargeError) as too_big:
        gateway.anthropic.messages.create(
            model="replay", messages=ASK, max_tokens=4, extra_headers={"x-big": "a" * 200_000}
        )
    assert "header fields" in too_big.value.body["error"]["message"]  # type: ignore[index]
    many = {f"x-h{i}": "v" for i in range(SMALL.max_headers + 1)}
    with pytest.raises(openai.APIStatusError) as too_many:
        gateway.openai.chat.completions.create(
            model="replay",
            messages=ASK,
            extra_headers=many,
        )
    assert too_many.value.status_code == 431
    assert _openai_error(too_many.value.body, "request_header_fields_too_large") == (
        f"more than {SMALL.max_headers} header fields"
    )
    target = "/v1/models/" + "m" * SMALL.max_request_line_bytes
    response = exchange(_port(gateway), request_bytes("GET", target))
    assert response.status == 414
    _openai_error(_openai_body(response.json()), "uri_too_long")
    # Still serving.
    assert gateway.openai.chat.completions.create(model="replay", messages=ASK).choices


def test_bytes_that_are_not_http_get_a_json_400(replay_gateway: StartGateway) -> None:
    gateway = replay_gateway(ReplayEngine())
    response = exchange(_port(gateway), b"GARBAGE\x00 / HTTP/1.1\r\n\r\n")
    assert response.status == 400
    assert _openai_error(_openai_body(response.json())).startswith("malformed HTTP request")


# --- time ---------------------------------------------------------------------------------------


def test_headers_that_never_end_are_408(replay_gateway: StartGateway) -> None:
    gateway = replay_gateway(ReplayEngine(), limits=SMALL)
    with connect(_port(gateway), 30) as sock:
        sock.sendall(b"POST /v1/messages HTTP/1.1\r\nhost: x\r\nanthropic-version: 2023-06-01\r\n")
        response = read_response(sock)
        assert sock.recv(1) == b""  # and the connection is closed
    assert response.status == 408
    _anthropic_error(response.json(), "invalid_request_error")


def test_a_body_that_never_ends_is_408(replay_gateway: StartGateway) -> None:
    gateway = replay_gateway(ReplayEngine(), limits=SMALL)
    with connect(_port(gateway), 30) as sock:
        sock.sendall(request_bytes("POST", "/v1/messages", b"{", [(b"content-length", b"100")]))
        response = read_response(sock)
    assert response.status == 408
    assert response.headers["connection"] == "close"
    _anthropic_error(response.json(), "invalid_request_error")


def test_an_idle_connection_is_closed_with_408(replay_gateway: StartGateway) -> None:
    gateway = replay_gateway(ReplayEngine(), limits=SMALL)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", _port(gateway)), timeout=30) as sock:
        response = read_response(sock)
    assert response.status == 408
    assert time.monotonic() - started < 20  # closed by the 1 s limit, not the socket timeout
