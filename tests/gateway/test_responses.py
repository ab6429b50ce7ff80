"""The Responses API (`/v1/responses`) through the official `openai` SDK, over the replay core.

Scripted model output (each piece one token) makes every event checkable: the stream's order and
sequence numbers, the SDK accumulator's final response against the unary one, the stored state
(`previous_response_id`, retrieve, delete, input items) and how each tool kind maps to a
function and back. The prompt the template rendered is read back from the replay engine (its
tokens are the prompt's UTF-8 bytes), so "the second turn sees the first" is checked on what the
model was given.
"""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, get_args

import grpc
import openai
import pytest
from openai.types.responses import Response, ResponseStreamEvent

from ggserve.engine.base import GenerationRequest
from ggserve.engine.replay import ReplayEngine
from ggserve.templates import ChatTemplate
from ggserve_client.errors import GgserveError
from ggserve_client.types import ContentDelta, Message, Role
from ggserve_gateway.errors import HttpError
from ggserve_gateway.responses_response import Envelope, ResponsesWriter
from ggserve_gateway.responses_schema import ResponsesRequest
from ggserve_gateway.responses_store import ResponseStore, StoredResponse
from ggserve_gateway.responses_tools import ToolMap

from .conftest import Gateway, StartGateway, wait_for
from .test_recorded_formats import TOOLS as CHAT_TOOLS

# The SDK's class of each stream event by its `type` (its union is discriminated by the SDK's
# own machinery, which builds without validating: the tests validate each class instead).
_EVENTS: dict[str, Any] = {
    get_args(cls.model_fields["type"].annotation)[0]: cls
    for cls in get_args(get_args(ResponseStreamEvent)[0])
}


def _validated(data: dict[str, Any]) -> Any:
    """The event `data`, validated by the SDK class of its `type` (every field as declared)."""
    return _EVENTS[data["type"]].model_validate(data)


def _post(gw: Gateway, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        f"{gw.base_url}/v1/responses",
        json.dumps(body).encode(),
        {"content-type": "application/json"},
    )
    return urllib.request.urlopen(request, timeout=60)


def raw_events(gw: Gateway, body: dict[str, Any]) -> list[Any]:
    """A stream read off the wire, each event validated by its SDK class (names checked)."""
    with _post(gw, {**body, "stream": True}) as response:
        lines = [line for line in response.read().decode().splitlines() if line]
    names = [line.removeprefix("event: ") for line in lines if line.startswith("event: ")]
    datas = [json.loads(line.removeprefix("data: ")) for line in lines if line.startswith("data: ")]
    assert names == [d["type"] for d in datas]  # each event's name is its `type`
    events = [_validated(data) for data in datas]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    return events


def raw_response(gw: Gateway, body: dict[str, Any]) -> Response:
    """A unary response read off the wire, validated by the SDK's `Response`."""
    with _post(gw, body) as response:
        return Response.model_validate_json(response.read())


# Chat Completions' weather tool, in the Responses shape.
WEATHER: Any = {"type": "function", **CHAT_TOOLS[0]["function"], "strict": True}
HERMES = ChatTemplate(None, tool_format="hermes")


class Prompts:
    """A replay script that answers `pieces` and keeps every rendered prompt."""

    def __init__(self, *answers: tuple[str, ...]) -> None:
        self.answers = list(answers)
        self.prompts: list[str] = []

    def __call__(self, request: GenerationRequest) -> tuple[str, ...]:
        self.prompts.append(bytes(request.prompt_tokens).decode())
        return self.answers[min(len(self.prompts), len(self.answers)) - 1]


def _events(gw: Gateway, **options: Any) -> list[Any]:
    with gw.openai.responses.stream(**options) as stream:
        return list(stream)


def _without_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Item and call ids are made per request (a native call id, like Kimi's, is compared apart);
    # the SDK's accumulator adds `parsed_arguments` to calls of strict tools.
    skip = ("id", "call_id", "parsed_arguments")
    return [{k: v for k, v in item.items() if k not in skip} for item in items]


def _dump(obj: Any) -> dict[str, Any]:
    """An SDK object as a dict, fields this SDK version does not declare included."""
    dumped: dict[str, Any] = obj.model_dump()
    return dumped


def _output(response: Any) -> list[dict[str, Any]]:
    return _without_ids([item.model_dump(exclude_none=True) for item in response.output])


def test_text_unary_and_streamed(replay_gateway: StartGateway) -> None:
    gw = replay_gateway(ReplayEngine(("Hello", ",", " world")))
    unary = gw.openai.responses.create(model="replay", input="Hi")
    assert unary.id.startswith("resp_")
    assert unary.object == "response"
    assert unary.status == "completed"
    assert unary.output_text == "Hello, world"
    assert unary.usage is not None
    assert unary.usage.output_tokens == 3
    assert unary.usage.total_tokens == unary.usage.input_tokens + 3
    assert unary.usage.input_tokens_details.cached_tokens >= 0
    assert unary.usage.output_tokens_details.reasoning_tokens == 0

    with gw.openai.responses.stream(model="replay", input="Hi") as stream:
        events = list(stream)
        final = stream.get_final_response()
    assert [e.sequence_number for e in events] == list(range(len(events)))
    # (The core may send several pieces as one delta: runs of deltas are compared as one.)
    kinds = [e.type for e in events]
    assert [k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1]] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(deltas) == "Hello, world"
    assert final.output_text == "Hello, world"
    assert _output(final) == _output(unary)
    assert final.usage is not None
    assert final.usage.output_tokens == 3
    # The item ids of one item agree across its events.
    item_ids = {e.item_id for e in events if hasattr(e, "item_id")}
    assert item_ids == {_dump(final.output[0])["id"]}


def test_the_bare_path_and_raw_sse(replay_gateway: StartGateway) -> None:
    gw = replay_gateway(ReplayEngine(("ok",)))
    body = json.dumps({"model": "replay", "input": "Hi", "stream": True}).encode()
    request = urllib.request.Request(
        f"{gw.base_url}/responses", body, {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert b"response.completed" in response.read()
    events = raw_events(gw, {"model": "replay", "input": "Hi"})
    assert events[-1].type == "response.completed"
    assert events[-1].response.output_text == "ok"
    assert raw_response(gw, {"model": "replay", "input": "Hi"}).output_text == "ok"


def test_context_overflow_is_context_length_exceeded(replay_gateway: StartGateway) -> None:
    gw = replay_gateway(ReplayEngine(("ok",), n_ctx=64))
    long_input = "word " * 200
    for stream in (False, True):
        with pytest.raises(openai.BadRequestError) as overflow:
            gw.openai.responses.create(model="replay", input=long_input, stream=stream)
        assert isinstance(overflow.value.body, dict)
        assert overflow.value.body["code"] == "context_length_exceeded"


def test_a_failure_in_the_stream_is_an_error_then_response_failed() -> None:
    # The writer alone: a core failure after the stream began (the HTTP status is sent).
    envelope = Envelope.of(ResponsesRequest(input="Hi"))
    writer = ResponsesWriter(envelope, "m", ToolMap(()), lambda *_: None)
    opened = writer.start() + b"".join(writer.event(ContentDelta("partial")))
    failure = GgserveError(grpc.StatusCode.INTERNAL, "the engine failed")
    raw = opened + writer.error(HttpError.from_upstream(failure))
    datas = [
        json.loads(line[6:]) for line in raw.decode().splitlines() if line.startswith("data: ")
    ]
    events = [_validated(data) for data in datas]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    error, failed = events[-2:]
    assert error.type == "error"
    assert error.code == "server_error"
    assert failed.type == "response.failed"
    assert failed.response.status == "failed"
    assert failed.response.error is not None
    assert failed.response.error.message == "the engine failed"


def test_budget_reached_is_incomplete(replay_gateway: StartGateway) -> None:
    gw = replay_gateway(ReplayEngine(("a", "b", "c", "d")))
    unary = gw.openai.responses.create(model="replay", input="Hi", max_output_tokens=2)
    assert unary.status == "incomplete"
    assert unary.incomplete_details is not None
    assert unary.incomplete_details.reason == "max_output_tokens"
    assert unary.output_text == "ab"
    events = _events(gw, model="replay", input="Hi", max_output_tokens=2)
    last = events[-1]
    assert last.type == "response.incomplete"
    assert last.response.incomplete_details is not None
    assert last.response.incomplete_details.reason == "max_output_tokens"
    assert last.response.output[0].status == "incomplete"
    assert _output(last.response) == _output(unary)


def test_previous_response_id_continues_the_conversation(replay_gateway: StartGateway) -> None:
    script = Prompts(("Nice to meet you, Ada.",), ("Your name is Ada.",))
    gw = replay_gateway(ReplayEngine(script))
    first = gw.openai.responses.create(
        model="replay", instructions="Be brief (first).", input="My name is Ada."
    )
    second = gw.openai.responses.create(
        model="replay",
        instructions="Be kind (second).",
        input="What is my name?",
        previous_response_id=first.id,
    )
    assert second.previous_response_id == first.id
    prompt = script.prompts[1]
    # The second turn sees the first turn's input and output, then its own input, in order;
    # instructions are the request's own (OpenAI does not carry them over).
    order = ["Be kind (second).", "My name is Ada.", "Nice to meet you, Ada.", "What is my name?"]
    positions = [prompt.index(text) for text in order]
    assert positions == sorted(positions)
    assert "Be brief (first)." not in prompt
    # A third turn, streamed, continues from the second (a chain of three).
    script.answers.append(("Done.",))
    with gw.openai.responses.stream(
        model="replay", input="Thanks!", previous_response_id=second.id
    ) as stream:
        third = stream.get_final_response()
    assert "Your name is Ada." in script.prompts[2]
    assert "My name is Ada." in script.prompts[2]
    # The streamed response was stored too: a fourth turn can continue from it.
    gw.openai.responses.create(model="replay", input="Bye.", previous_response_id=third.id)
    assert "Thanks!" in script.prompts[3]


def test_unknown_or_unstored_previous_response_is_not_found(replay_gateway: StartGateway) -> None:
    gw = replay_gateway(ReplayEngine(("ok",)))
    with pytest.raises(openai.NotFoundError) as unknown:
        gw.openai.responses.create(model="replay", input="Hi", previous_response_id="resp_nope")
    assert "resp_nope" in unknown.value.message
    assert isinstance(unknown.value.body, dict)
    assert unknown.value.body["code"] == "previous_response_not_found"
    assert unknown.value.body["param"] == "previous_response_id"
    unstored = gw.openai.responses.create(model="replay", input="Hi", store=False)
    assert _dump(unstored)["store"] is False
    with pytest.raises(openai.NotFoundError):
        gw.openai.responses.retrieve(unstored.id)
    with pytest.raises(openai.NotFoundError):  # streamed, before the stream begins
        gw.openai.responses.create(
            model="replay", input="Hi", previous_response_id=unstored.id, stream=True
        )


def test_retrieve_delete_and_input_items(replay_gateway: StartGateway) -> None:
    gw = replay_gateway(ReplayEngine(("ok",)))
    items: Any = [
        {"role": "developer", "content": "Answer in one word."},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "One"}]},
        {"role": "user", "content": "Two"},
    ]
    created = gw.openai.responses.create(
        model="replay", input=items, metadata={"ticket": "42"}, user="u1"
    )
    retrieved = gw.openai.responses.retrieve(created.id)
    assert retrieved.model_dump() == created.model_dump()
    assert retrieved.metadata == {"ticket": "42"}
    listed = gw.openai.responses.input_items.list(created.id)
    texts = [_dump(item)["content"][0]["text"] for item in listed.data]
    assert texts == ["Two", "One", "Answer in one word."]  # newest first by default
    assert all(item.id for item in listed.data)
    assert _dump(listed)["first_id"] == listed.data[0].id
    assert _dump(listed)["last_id"] == listed.data[-1].id
    assert listed.has_more is False
    page = gw.openai.responses.input_items.list(created.id, order="asc", limit=2)
    assert [_dump(i)["content"][0]["text"] for i in page.data] == ["Answer in one word.", "One"]
    assert page.has_more is True
    rest = gw.openai.responses.input_items.list(created.id, order="asc", after=page.data[-1].id)
    assert [_dump(i)["content"][0]["text"] for i in rest.data] == ["Two"]
    assert rest.has_more is False
    # The SDK's auto-pagination walks the pages.
    walked = gw.openai.responses.input_items.list(created.id, order="asc", limit=1)
    assert len(list(walked)) == 3
    gw.openai.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        gw.openai.responses.retrieve(created.id)
    with pytest.raises(openai.NotFoundError):
        gw.openai.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        gw.openai.responses.input_items.list(created.id)


def test_store_is_bounded(replay_gateway: StartGateway) -> None:
    gw = replay_gateway(ReplayEngine(("ok",)))
    # The test reaches into its own server for the store (the CLI sets the same bounds).
    app: Any = gw.gateway._server.config.app
    store = app.state.responses.store
    store.max_count = 2
    ids = [gw.openai.responses.create(model="replay", input=f"turn {i}").id for i in range(3)]
    with pytest.raises(openai.NotFoundError):  # the least recently used was evicted
        gw.openai.responses.create(model="replay", input="x", previous_response_id=ids[0])
    assert gw.openai.responses.retrieve(ids[2]).id == ids[2]
    assert len(store) == 2


def test_function_call_output_turn(replay_gateway: StartGateway) -> None:
    script = Prompts(("It is sunny in Paris.",))
    gw = replay_gateway(ReplayEngine(script), HERMES)
    items: Any = [
        {"role": "user", "content": "Weather in Paris?"},
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Need the tool."}], "encrypted_content": "opaque"},  # noqa: E501
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'},  # noqa: E501
        {"type": "function_call_output", "call_id": "call_1", "output": "Sunny, 24C"},
    ]  # fmt: skip
    response = gw.openai.responses.create(model="replay", input=items, tools=[WEATHER])
    assert response.output_text == "It is sunny in Paris."
    prompt = script.prompts[0]
    # After the question (the tools' description comes before it): the call, then its result.
    turn = prompt[prompt.index("Weather in Paris?") :]
    assert turn.index('"name": "get_weather"') < turn.index("Sunny, 24C")
    assert "opaque" not in prompt


CALLS = (
    "<tool_call>\n",
    '{"name": "get_weather", "arguments": {"city": "Paris"}}\n',
    "</tool_call>\n<tool_call>\n",
    '{"name": "crm__lookup", "arguments": {"id": 7}}\n',
    "</tool_call>\n<tool_call>\n",
    '{"name": "apply_patch", "arguments": {"input": "*** Begin Patch"}}\n',
    "</tool_call>\n<tool_call>\n",
    '{"name": "local_shell", "arguments": {"command": ["ls", "-la"], "workdir": "/tmp"}}\n',
    "</tool_call>",
)
TOOLS: Any = [
    WEATHER,
    {
        "type": "namespace",
        "name": "crm",
        "description": "The CRM",
        "tools": [
            {"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {"id": {"type": "integer"}}}},  # noqa: E501
        ],
    },
    {"type": "custom", "name": "apply_patch", "description": "Apply a patch"},
    {"type": "local_shell"},
    {"type": "web_search"},
    {"type": "file_search", "vector_store_ids": ["vs_1"]},
]  # fmt: skip


def test_each_tool_kind_maps_to_a_function_and_back(
    replay_gateway: StartGateway, caplog: pytest.LogCaptureFixture
) -> None:
    script = Prompts(CALLS, CALLS, CALLS, CALLS, ("Done.",))
    gw = replay_gateway(ReplayEngine(script), HERMES)
    unary = gw.openai.responses.create(model="replay", input="Go", tools=TOOLS)
    assert "web_search" in caplog.text
    assert "file_search" in caplog.text
    offered = script.prompts[0]
    for name in ("get_weather", "crm__lookup", "apply_patch", "local_shell"):
        assert name in offered
    assert "web_search" not in offered
    weather, lookup, patch, shell = unary.output
    assert weather.type == "function_call"
    assert (weather.name, json.loads(weather.arguments)) == ("get_weather", {"city": "Paris"})
    assert lookup.type == "function_call"
    assert (lookup.name, lookup.namespace) == ("lookup", "crm")
    assert patch.type == "custom_tool_call"
    assert (patch.name, patch.input) == ("apply_patch", "*** Begin Patch")
    assert shell.type == "local_shell_call"
    assert shell.action.command == ["ls", "-la"]
    assert shell.action.working_directory == "/tmp"
    assert len({weather.call_id, lookup.call_id, patch.call_id, shell.call_id}) == 4

    with gw.openai.responses.stream(model="replay", input="Go", tools=TOOLS) as stream:
        events = list(stream)
        final = stream.get_final_response()
    assert _output(final) == _output(unary)
    kinds = [e.type for e in events]
    assert kinds == [
        e.type for e in raw_events(gw, {"model": "replay", "input": "Go", "tools": TOOLS})
    ]
    raw = raw_response(gw, {"model": "replay", "input": "Go", "tools": TOOLS})
    assert _output(raw) == _output(unary)
    assert kinds.count("response.function_call_arguments.done") == 2
    assert kinds.count("response.custom_tool_call_input.done") == 1
    assert kinds.count("response.output_item.done") == 4

    # The items go back as input and reach the model under the names it was offered.
    outputs: Any = [
        {"type": "function_call_output", "call_id": weather.call_id, "output": "Sunny"},
        {"type": "function_call_output", "call_id": lookup.call_id, "output": "Customer 7"},
        {"type": "custom_tool_call_output", "call_id": patch.call_id, "output": "Patched"},
        {"type": "local_shell_call_output", "id": shell.id, "output": "total 0"},
    ]
    history: Any = [item.model_dump(exclude_none=True) for item in unary.output]
    gw.openai.responses.create(
        model="replay", input=[{"role": "user", "content": "Go"}, *history, *outputs], tools=TOOLS
    )
    replayed = script.prompts[-1]
    for text in ('"name": "crm__lookup"', '"input": "*** Begin Patch"', '"command": ["ls", "-la"]'):
        assert text in replayed
    for text in ("Sunny", "Customer 7", "Patched", "total 0"):
        assert text in replayed


def test_tool_choice_is_passed_on(replay_gateway: StartGateway) -> None:
    script = Prompts((*CALLS[:2], "</tool_call>"))
    gw = replay_gateway(ReplayEngine(script), HERMES)
    forced = gw.openai.responses.create(
        model="replay",
        input="Go",
        tools=TOOLS,
        tool_choice={"type": "function", "name": "get_weather"},
        parallel_tool_calls=False,
    )
    assert [item.type for item in forced.output] == ["function_call"]
    assert forced.tool_choice.type == "function"  # type: ignore[union-attr]
    assert forced.parallel_tool_calls is False
    allowed: Any = {
        "type": "allowed_tools",
        "mode": "required",
        "tools": [{"type": "function", "name": "get_weather"}],
    }
    only_weather = gw.openai.responses.create(
        model="replay", input="Go", tools=TOOLS, tool_choice=allowed
    )
    assert [item.type for item in only_weather.output] == ["function_call"]
    assert "get_weather" in script.prompts[-1]
    assert "crm__lookup" not in script.prompts[-1]  # only the allowed tools are offered
    with pytest.raises(openai.BadRequestError) as unknown:
        gw.openai.responses.create(
            model="replay", input="Go", tools=TOOLS, tool_choice={"type": "function", "name": "x"}
        )
    assert "'x'" in unknown.value.message
    web_search: Any = {"type": "web_search"}
    with pytest.raises(openai.BadRequestError) as hosted:
        gw.openai.responses.create(model="replay", input="Go", tools=TOOLS, tool_choice=web_search)
    assert "web_search" in hosted.value.message


BROKEN = (
    "Checking. <tool_call>\n",
    '{"name": "get_weather", "arguments": {"city": Paris}}\n',
    "</tool_call>",
)


def test_a_broken_call_arrives_as_text(replay_gateway: StartGateway) -> None:
    gw = replay_gateway(ReplayEngine(BROKEN), HERMES)
    unary = gw.openai.responses.create(model="replay", input="Go", tools=[WEATHER])
    with gw.openai.responses.stream(model="replay", input="Go", tools=[WEATHER]) as stream:
        final = stream.get_final_response()
    for response in (unary, final):
        assert [item.type for item in response.output] == ["message"]
        assert response.output_text.startswith("Checking. ")
        assert "get_weather" in response.output_text
        assert response.status == "completed"


def test_bad_requests_name_the_field(replay_gateway: StartGateway) -> None:
    gw = replay_gateway(ReplayEngine(("ok",)))
    image: Any = [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What is this?"},
                {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
            ],
        }
    ]
    with pytest.raises(openai.BadRequestError) as bad_image:
        gw.openai.responses.create(model="replay", input=image)
    assert "input[0].content[1]" in bad_image.value.message
    assert "input_image" in bad_image.value.message
    with pytest.raises(openai.BadRequestError) as bad_number:
        gw.openai.responses.create(model="replay", input="Hi", max_output_tokens=0)
    assert "max_output_tokens" in bad_number.value.message
    with pytest.raises(openai.BadRequestError) as hot:
        gw.openai.responses.create(model="replay", input="Hi", temperature=3)
    assert "temperature" in hot.value.message
    with pytest.raises(openai.BadRequestError) as background:
        gw.openai.responses.create(model="replay", input="Hi", background=True)
    assert "background" in background.value.message
    with pytest.raises(openai.BadRequestError) as unknown_item:
        gw.openai.responses.create(model="replay", input=[{"type": "item_reference", "id": "x"}])
    assert "item_reference" in unknown_item.value.message
    with pytest.raises(openai.BadRequestError) as no_input:
        gw.openai.responses.create(model="replay", input=[])
    assert "input: required" in no_input.value.message
    no_text: Any = [{"role": "user", "content": [{"type": "input_text"}]}]
    with pytest.raises(openai.BadRequestError) as missing:
        gw.openai.responses.create(model="replay", input=no_text)
    assert "input[0].content[0].text: required" in missing.value.message
    bad_shell: Any = [{"type": "local_shell_call", "call_id": "c", "action": {"type": "exec"}}]
    with pytest.raises(openai.BadRequestError) as bad_action:
        gw.openai.responses.create(model="replay", input=bad_shell)
    assert "input[0].action.command" in bad_action.value.message
    with pytest.raises(openai.BadRequestError):  # streamed: the same, before the stream
        gw.openai.responses.create(model="replay", input=image, stream=True)
    # Fields without local effect are accepted.
    accepted = gw.openai.responses.create(
        model="replay",
        input="Hi",
        include=["reasoning.encrypted_content"],
        prompt_cache_key="k",
        truncation="auto",
        service_tier="auto",
        user="u",
        reasoning={"effort": "high", "summary": "auto"},
        extra_body={"client_metadata": {"x": "y"}},
    )
    assert accepted.output_text == "ok"


def test_full_queue_is_a_rate_limit_error(replay_gateway: StartGateway) -> None:
    engine = ReplayEngine(["x"] * 1000, piece_delay_s=0.02, queue_size=1)
    client = replay_gateway(engine).openai
    running = client.responses.create(model="replay", input="Hi", stream=True)
    next(iter(running))
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(
            client.responses.create, model="replay", input="Hi", max_output_tokens=2
        )
        wait_for(lambda: engine.stats().waiting == 1)
        with pytest.raises(openai.RateLimitError) as limited:
            client.responses.create(model="replay", input="Hi", max_output_tokens=2)
        assert isinstance(limited.value.body, dict)
        assert limited.value.body["code"] == "rate_limit_exceeded"
        running.close()
        assert waiting.result(timeout=10).output_text == "xx"


def test_reasoning_effort_turns_thinking_on_and_off(replay_gateway: StartGateway) -> None:
    script = Prompts(("ok",))
    template = ChatTemplate(
        "{% for m in messages %}{{ m.content }}{% endfor %}"
        "{% if enable_thinking is defined and not enable_thinking %}[no-think]{% endif %}"
        "{% if enable_thinking %}[think]{% endif %}"
    )
    gw = replay_gateway(ReplayEngine(script), template)
    for effort, mark in (("none", "[no-think]"), ("minimal", "[no-think]"), ("low", "[think]")):
        reasoning: Any = {"effort": effort}
        gw.openai.responses.create(model="replay", input="Hi", reasoning=reasoning)
        assert script.prompts[-1].endswith(mark), (effort, script.prompts[-1])


def test_store_evicts_the_least_recently_used_past_its_bytes() -> None:
    def entry(text: str) -> StoredResponse:
        return StoredResponse.of({"id": text}, [], (Message(Role.USER, text),))

    size = entry("a" * 100).size
    store = ResponseStore(max_count=10, max_bytes=2 * size)
    store.put("a", entry("a" * 100))
    store.put("b", entry("b" * 100))
    assert store.get("a") is not None  # now "b" is the least recently used
    store.put("c", entry("c" * 100))
    assert store.get("b") is None
    assert store.get("a") is not None
    assert store.get("c") is not None
    assert store.bytes == 2 * size
    store.put("huge", entry("h" * 10 * size))  # larger than the whole store: not kept
    assert store.get("huge") is None
    assert len(store) == 2
    assert store.delete("a")
    assert not store.delete("a")
    assert store.bytes == size


def test_a_codex_shaped_session(replay_gateway: StartGateway) -> None:
    """What Codex CLI sends (agents.md §2): unstored streamed turns carrying the whole history,
    `reasoning: null`, a `custom` apply_patch tool with a lark grammar, `local_shell`, a hosted
    `web_search`; it keeps the `output_item.done` items and needs `response.completed`."""
    script = Prompts(("<tool_call>\n", *CALLS[7:]), ("All done.",))
    gw = replay_gateway(ReplayEngine(script), HERMES)
    tools = [
        {"type": "function", "name": "shell", "description": "Runs a command", "strict": False,
         "parameters": {"type": "object", "properties": {"command": {"type": "array", "items": {"type": "string"}}},  # noqa: E501
                        "required": ["command"], "additionalProperties": False}},
        {"type": "custom", "name": "apply_patch", "description": "Edit files",
         "format": {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"}},
        {"type": "local_shell"},
        {"type": "web_search"},
    ]  # fmt: skip
    first_input = [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Sandbox: workspace-write."}]},  # noqa: E501
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "List the files."}]},  # noqa: E501
    ]  # fmt: skip
    request = {
        "model": "replay", "instructions": "You are Codex.", "input": first_input, "tools": tools,
        "tool_choice": "auto", "parallel_tool_calls": False, "reasoning": None, "store": False,
        "include": [], "prompt_cache_key": "session-1", "text": {"verbosity": "low"},
        "client_metadata": {"originator": "codex_cli_rs"},
    }  # fmt: skip
    events = raw_events(gw, request)
    assert events[-1].type == "response.completed"
    assert events[-1].response.id.startswith("resp_")
    done = [
        e.item.model_dump(exclude_none=True)
        for e in events
        if e.type == "response.output_item.done"
    ]
    (shell,) = done
    assert shell["type"] == "local_shell_call"
    assert shell["action"]["command"] == ["ls", "-la"]
    # The next turn: the whole history again, with the command's output and a reasoning item
    # Codex got elsewhere (its encrypted content is not for this model).
    history = [
        *first_input,
        {"type": "reasoning", "id": "rs_x", "summary": [], "content": None, "encrypted_content": "gAAAA"},  # noqa: E501
        shell,
        {"type": "local_shell_call_output", "id": shell["id"], "output": "README.md\nsrc"},
        {"type": "web_search_call", "id": "ws_1", "status": "completed", "action": {"type": "search", "query": "x"}},  # noqa: E501
    ]  # fmt: skip
    events = raw_events(gw, {**request, "input": history})
    assert events[-1].type == "response.completed"
    assert events[-1].response.output_text == "All done."
    prompt = script.prompts[-1]
    assert "You are Codex." in prompt
    turn = prompt[prompt.index("List the files.") :]
    assert turn.index('"command": ["ls", "-la"]') < turn.index("README.md\nsrc")
    assert "gAAAA" not in prompt


def test_an_abandoned_stream_is_not_stored(replay_gateway: StartGateway) -> None:
    engine = ReplayEngine(["x"] * 1000, piece_delay_s=0.01)
    gw = replay_gateway(engine)
    stream = gw.openai.responses.create(model="replay", input="Hi", stream=True)
    created = next(iter(stream))
    assert created.type == "response.created"
    stream.close()  # the client leaves: the generation is cancelled, nothing is stored
    wait_for(lambda: engine.stats().running == 0)
    with pytest.raises(openai.NotFoundError):
        gw.openai.responses.retrieve(created.response.id)
    assert (
        gw.openai.responses.create(model="replay", input="Hi", max_output_tokens=2).output_text
        == "xx"
    )
