"""Recorded model output of several tool-call formats streams correctly through the service.

A replay engine feeds pieces of real-shaped output (markers split across pieces) through the
real server and the real `ggserve_parser`. Each stream must fold to its final message, that
message must equal what the parser makes of the whole text at once, and the calls must come out
structured, with ids, and as several argument fragments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

import ggserve_parser as gp
from ggserve.engine.replay import ReplayEngine
from ggserve.templates import ChatTemplate
from ggserve_client.v1 import api_pb2 as pb

from .conftest import StartServer
from .harness import THINKING_TEMPLATE, Folded, assert_folds_to_final, chat_request, fold

WEATHER = pb.Tool(
    name="get_weather",
    description="Current weather of a city",
    parameters=json.dumps(
        {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    ),
)
TIME = pb.Tool(
    name="get_time",
    parameters=json.dumps({"type": "object", "properties": {"tz": {"type": "string"}}}),
)
# A ChatML template whose generation prompt opens a reasoning block (DeepSeek R1 / Qwen3
# Thinking-2507 style), so the output starts inside reasoning.
FORCED_OPEN_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n<think>\n{% endif %}"
)
# Qwen3 with `enable_thinking=false` (here always): the generation prompt closes the block.
CLOSED_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n<think>\n\n</think>\n\n{% endif %}"
)

# DeepSeek's markers use FULLWIDTH VERTICAL LINE and LOWER ONE EIGHTH BLOCK characters.
DS_CALLS_BEGIN = "<｜tool▁calls▁begin｜>"
DS_CALLS_END = "<｜tool▁calls▁end｜>"
DS_CALL_BEGIN = "<｜tool▁call▁begin｜>"
DS_CALL_END = "<｜tool▁call▁end｜>"
DS_SEP = "<｜tool▁sep｜>"


@dataclass(frozen=True)
class Recording:
    """Model output in pieces, and what the turn must contain."""

    tool_format: str
    pieces: tuple[str, ...]
    calls: list[tuple[str, dict[str, Any]]]
    reasoning: str = ""
    content: str = ""
    forced_open: bool = False
    native_ids: list[str] = field(default_factory=list)


RECORDINGS = {
    "qwen3_hermes": Recording(
        "hermes",
        (
            "<th",
            "ink>\nThe user wants",
            " the weather.\n</th",
            "ink>\n\nLet me check.\n<to",
            'ol_call>\n{"name": "get_',
            'weather", "argu',
            'ments": {"city": "Pa',
            'ris"}}\n</tool_',
            'call>\n<tool_call>\n{"name": "get_time", ',
            '"arguments": {"tz": "Europe/Paris"}}\n</tool_call>',
        ),
        calls=[("get_weather", {"city": "Paris"}), ("get_time", {"tz": "Europe/Paris"})],
        reasoning="The user wants the weather.",
        content="Let me check.",
    ),
    # Qwen3 whose prompt opened the block where the service cannot see it: a lone close.
    "qwen3_lone_close": Recording(
        "hermes",
        (
            "The user wants",
            " the weather.\n</th",
            "ink>\n\n<to",
            'ol_call>\n{"name": "get_weather", "argu',
            'ments": {"city": "Pa',
            'ris"}}\n</tool_call>',
        ),
        calls=[("get_weather", {"city": "Paris"})],
        reasoning="The user wants the weather.",
    ),
    "kimi_k2": Recording(
        "kimi_k2",
        (
            "<think>The user wants",
            " weather.</think><|tool_calls_sec",
            "tion_begin|><|tool_",
            "call_begin|>functions.get_weather:0<|tool_call_argu",
            'ment_begin|>{"city": ',
            '"Beijing"}<|tool_call_end|><|tool_calls_section_end|>',
        ),
        calls=[("get_weather", {"city": "Beijing"})],
        reasoning="The user wants weather.",
        native_ids=["functions.get_weather:0"],
    ),
    "deepseek_r1": Recording(
        "deepseek_r1",
        (
            "Need the",
            " weather.\n</thi",
            f"nk>\n\n{DS_CALLS_BEGIN}{DS_CALL_BEGIN}",
            f'function{DS_SEP}get_weather\n```json\n{{"city": ',
            '"Tokyo"}\n```',
            f"{DS_CALL_END}{DS_CALLS_END}",
        ),
        calls=[("get_weather", {"city": "Tokyo"})],
        reasoning="Need the weather.",
        forced_open=True,
    ),
    "command_r7b": Recording(
        "command_r7b",
        (
            "<|START_THINK",
            "ING|>Weather and time.<|END_THINKING|><|START_AC",
            'TION|>[\n    {"tool_call_id": "0", "tool_name": "get_weather", "parameters": ',
            '{"city": "Par',
            'is"}},\n    {"tool_call_id": "1", "tool_name": "get_time", "parameters": {"tz": ',
            '"CET"}}\n]<|END_ACTION|>',
        ),
        calls=[("get_weather", {"city": "Paris"}), ("get_time", {"tz": "CET"})],
        reasoning="Weather and time.",
        native_ids=["0", "1"],
    ),
    "gemma4": Recording(
        "gemma4",
        (
            "<|channel>thought\nNeed the weather.<chan",
            "nel|><|tool_call>call:get_weather{city:<|",
            '"|>Ky',
            'oto<|"|>}<tool_call|>',
        ),
        calls=[("get_weather", {"city": "Kyoto"})],
        reasoning="Need the weather.",
    ),
}


def _skip_unless_supported(tool_format: str) -> None:
    if tool_format not in gp.FORMATS:
        pytest.skip(f"ggserve_parser does not implement {tool_format!r} yet")


def _template(recording: Recording) -> ChatTemplate:
    source = FORCED_OPEN_TEMPLATE if recording.forced_open else THINKING_TEMPLATE
    return ChatTemplate(source, tool_format=recording.tool_format)


def _stream(start_server: StartServer, recording: Recording) -> Folded:
    client = start_server(ReplayEngine(recording.pieces), template=_template(recording))
    request = pb.ChatStreamRequest(request=chat_request(tools=[WEATHER, TIME]))
    return fold(list(client.chat.ChatStream(request, timeout=30)))


@pytest.mark.parametrize("name", list(RECORDINGS))
def test_recorded_format_streams_end_to_end(start_server: StartServer, name: str) -> None:
    recording = RECORDINGS[name]
    _skip_unless_supported(recording.tool_format)
    folded = _stream(start_server, recording)
    assert_folds_to_final(folded)
    message = folded.done.message
    assert folded.done.finish_reason == pb.FINISH_REASON_TOOL_CALLS
    assert [(c.name, json.loads(c.arguments)) for c in message.tool_calls] == recording.calls
    assert message.reasoning_content.strip() == recording.reasoning
    assert message.content.strip() == recording.content
    ids = [c.id for c in message.tool_calls]
    if recording.native_ids:
        assert ids == recording.native_ids
    else:
        assert all(i.startswith("call_") and len(i) == 29 for i in ids)
    assert len(set(ids)) == len(ids)
    assert folded.deltas > len(recording.calls) * 2, "arguments should arrive in fragments"
    whole = gp.parse(
        recording.tool_format,
        "".join(recording.pieces),
        tools=[
            {
                "type": "function",
                "function": {"name": t.name, "parameters": json.loads(t.parameters)},
            }
            for t in (WEATHER, TIME)
        ],
        thinking_forced_open=recording.forced_open,
    )
    assert message.content == whole["content"]
    assert message.reasoning_content == whole["reasoning_content"]
    assert [(c.name, c.arguments) for c in message.tool_calls] == [
        (c["name"], c["arguments"]) for c in whole["tool_calls"]
    ]


# Answers of models that cannot be thinking stream as they come: a lone close is text, and
# nothing is held back until the end of output.
NOT_THINKING = {"no_reasoning_markers": None, "prompt_closed_the_block": CLOSED_TEMPLATE}


@pytest.mark.parametrize("name", list(NOT_THINKING))
def test_answers_that_cannot_be_reasoning_stream_as_content(
    start_server: StartServer, name: str
) -> None:
    pieces = ("The answer", " is", " a</think>", " b.")
    template = ChatTemplate(NOT_THINKING[name], tool_format="hermes")
    # Paced, so that the engine's channel does not join pieces the consumer has not read yet.
    client = start_server(ReplayEngine(pieces, piece_delay_s=0.05), template=template)
    request = pb.ChatStreamRequest(request=chat_request())
    folded = fold(list(client.chat.ChatStream(request, timeout=30)))
    assert_folds_to_final(folded)
    assert folded.done.message.content == "".join(pieces)
    assert folded.done.message.reasoning_content == ""
    assert folded.deltas >= len(pieces) - 1, "content must not be held until the end"


def test_malformed_tool_syntax_comes_back_as_content(start_server: StartServer) -> None:
    pieces = ("Sure: <tool_call>\n", '{"name": get_weather, oops}\n', "</tool_call> done")
    client = start_server(ReplayEngine(pieces))
    request = pb.ChatStreamRequest(request=chat_request(tools=[WEATHER]))
    folded = fold(list(client.chat.ChatStream(request, timeout=30)))
    assert_folds_to_final(folded)
    assert folded.done.finish_reason == pb.FINISH_REASON_STOP
    assert not folded.done.message.tool_calls
    assert "oops" in folded.done.message.content


def test_tool_choice_none_keeps_tools_out_of_the_prompt(start_server: StartServer) -> None:
    client = start_server(ReplayEngine(("ok",)))
    none = pb.ToolChoice(mode=pb.ToolChoice.MODE_NONE)
    rendered = client.models.RenderChat(
        pb.RenderChatRequest(request=chat_request(tools=[WEATHER], tool_choice=none)), timeout=10
    )
    offered = client.models.RenderChat(
        pb.RenderChatRequest(request=chat_request(tools=[WEATHER])), timeout=10
    )
    assert "get_weather" not in rendered.prompt
    assert "get_weather" in offered.prompt


def test_named_tool_choice_is_enforced_with_a_grammar(start_server: StartServer) -> None:
    client = start_server(ReplayEngine(("ok",)))
    named = pb.ToolChoice(function_name="get_weather")
    rendered = client.models.RenderChat(
        pb.RenderChatRequest(request=chat_request(tools=[WEATHER, TIME], tool_choice=named)),
        timeout=10,
    )
    # One call, in Hermes' own markup.
    assert rendered.grammar.startswith("root ::= call\n")
    assert 'call-0 ::= "<tool_call>" "\\n" "{\\"name\\": "' in rendered.grammar
    assert '"\\"get_weather\\""' in rendered.grammar
    assert "get_time" not in rendered.grammar
    required = pb.ToolChoice(mode=pb.ToolChoice.MODE_REQUIRED)
    rendered = client.models.RenderChat(
        pb.RenderChatRequest(request=chat_request(tools=[WEATHER, TIME], tool_choice=required)),
        timeout=10,
    )
    assert "get_time" in rendered.grammar
    assert rendered.grammar.startswith('root ::= call ( "\\n" call )*\n')


BROKEN_CALLS = {
    # Output ends inside the arguments: the call is truncated.
    "truncated": (
        ("Checking. <tool_call>\n", '{"name": "get_weather", "argu', 'ments": {"city": "Par'),
        pb.TOOL_CALL_STATUS_TRUNCATED,
    ),
    # The arguments are not JSON: the call is invalid.
    "invalid": (
        (
            "Checking. <tool_call>\n",
            '{"name": "get_weather", "arguments": {"city": Paris}}\n',
            "</tool_call>",
        ),
        pb.TOOL_CALL_STATUS_INVALID,
    ),
}


@pytest.mark.parametrize("kind", list(BROKEN_CALLS))
def test_a_broken_call_ends_with_its_status_and_is_not_in_the_message(
    start_server: StartServer, kind: str
) -> None:
    pieces, status = BROKEN_CALLS[kind]
    client = start_server(ReplayEngine(pieces))
    request = chat_request(tools=[WEATHER])
    responses = list(client.chat.ChatStream(pb.ChatStreamRequest(request=request), timeout=30))
    folded = fold(responses)
    assert_folds_to_final(folded)
    assert folded.statuses == {0: status}, "the stream must say the call was discarded"
    done = folded.done
    assert done.finish_reason == pb.FINISH_REASON_STOP
    assert not done.message.tool_calls
    # Nothing lost: the call's raw text is content, after the call's end.
    assert done.message.content.startswith("Checking. ")
    assert "get_weather" in done.message.content
    ends = [i for i, r in enumerate(responses) if r.delta.HasField("tool_call_end")]
    after = "".join(r.delta.content for r in responses[ends[0] :])
    assert "get_weather" in after
    unary = client.chat.Chat(request, timeout=30)
    assert unary.message == done.message
    assert unary.finish_reason == done.finish_reason


def test_a_complete_call_ends_complete(start_server: StartServer) -> None:
    recording = RECORDINGS["qwen3_hermes"]
    folded = _stream(start_server, recording)
    assert folded.statuses == {0: pb.TOOL_CALL_STATUS_COMPLETE, 1: pb.TOOL_CALL_STATUS_COMPLETE}
