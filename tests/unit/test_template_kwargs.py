"""`chat_template_kwargs`: conversion and checks of the gRPC map, the thinking switch, rendering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ggserve.convert import chat_request
from ggserve.errors import InvalidArgumentError
from ggserve.limits import Limits
from ggserve.template_kwargs import RESERVED_KEYS, thinking_switch
from ggserve.templates import ChatTemplate
from ggserve_client.v1 import api_pb2 as pb

QWEN3_LIKE = (Path(__file__).parents[1] / "data" / "qwen3_like.jinja").read_text("utf-8")
HI = [{"role": "user", "content": "Hi"}]


def request(kwargs: dict[str, str], **fields: Any) -> pb.ChatRequest:
    message = pb.Message(role=pb.ROLE_USER, content="Hi")
    return pb.ChatRequest(messages=[message], chat_template_kwargs=kwargs, **fields)


def refusal(kwargs: dict[str, str], limits: Limits | None = None, **fields: Any) -> str:
    with pytest.raises(InvalidArgumentError) as caught:
        chat_request(request(kwargs, **fields), default_request_id="r", limits=limits or Limits())
    return caught.value.message


def test_values_are_parsed_from_json_text() -> None:
    kwargs = {"enable_thinking": "false", "effort": '"high"', "opts": '{"k": [1, 2.5, null]}'}
    chat = chat_request(request(kwargs), default_request_id="r")
    assert chat.chat_template_kwargs == {
        "enable_thinking": False,
        "effort": "high",
        "opts": {"k": [1, 2.5, None]},
    }


@pytest.mark.parametrize(
    "key", ["messages", "tools", "add_generation_prompt", "bos_token", "eos_token",
            "raise_exception", "strftime_now", "namespace", "range"],
)  # fmt: skip
def test_keys_the_server_sets_are_refused_by_name(key: str) -> None:
    message = refusal({key: "1"})
    assert message.startswith(f"chat_template_kwargs.{key}: '{key}' is set by the server")


def test_reserved_keys_cover_every_variable_the_server_renders_with() -> None:
    assert {"messages", "tools", "add_generation_prompt", "bos_token", "eos_token"} <= RESERVED_KEYS


def test_a_value_that_is_not_json_names_its_key() -> None:
    message = refusal({"effort": "high"})
    assert message.startswith("chat_template_kwargs.effort: the value of 'effort' must be JSON")


def test_a_key_that_is_no_variable_name_is_refused() -> None:
    assert "'enable-thinking' is not a template variable name" in refusal({"enable-thinking": "1"})


def test_count_and_size_are_bounded() -> None:
    limits = Limits(max_template_kwargs=2, max_template_kwargs_bytes=100)
    many = {f"k{i}": "1" for i in range(3)}
    assert "3 variables is over the limit of 2" in refusal(many, limits)
    big = {"text": json.dumps("x" * 200)}
    assert "over the limit of 100" in refusal(big, limits)


def test_a_json_nan_or_deep_value_is_refused() -> None:
    assert "chat_template_kwargs.x" in refusal({"x": "NaN"})
    assert "chat_template_kwargs.x" in refusal({"x": "[" * 100 + "]" * 100})


def test_contradicting_switches_are_refused() -> None:
    message = refusal({"enable_thinking": "false"}, thinking=True)
    assert message.startswith(
        "chat_template_kwargs.enable_thinking: false contradicts thinking=true"
    )
    assert "contradicts chat_template_kwargs.enable_thinking=true" in refusal(
        {"enable_thinking": "true", "thinking": "false"}
    )


def test_agreeing_switches_are_accepted() -> None:
    chat = chat_request(
        request({"enable_thinking": "false"}, thinking=False), default_request_id="r"
    )
    assert thinking_switch(chat.thinking, chat.chat_template_kwargs) is False


@pytest.mark.parametrize(
    ("thinking", "kwargs", "expected"),
    [
        (None, {}, None),
        (True, {}, True),
        (None, {"enable_thinking": False}, False),
        (None, {"thinking": True}, True),
        (None, {"enable_thinking": "no"}, None),  # not a boolean: the template reads it as is
        (False, {"enable_thinking": False}, False),
    ],
)
def test_thinking_switch(
    thinking: bool | None, kwargs: dict[str, Any], expected: bool | None
) -> None:
    assert thinking_switch(thinking, kwargs) is expected


def test_variables_reach_the_template() -> None:
    template = ChatTemplate("{{ greeting }} {{ opts.k[1] }}{% if flag %}!{% endif %}")
    text = template.render(HI, variables={"greeting": "hello", "opts": {"k": [1, 2]}, "flag": True})
    assert text.text == "hello 2!"


def test_the_servers_variables_win_over_the_callers() -> None:
    template = ChatTemplate("{{ messages | length }} {{ add_generation_prompt }}")
    text = template.render(HI, variables={"messages": [], "add_generation_prompt": False}).text
    assert text == "1 True"


def test_enable_thinking_false_closes_the_qwen3_block() -> None:
    template = ChatTemplate(QWEN3_LIKE)
    opened = template.render(HI)
    assert opened.thinking_forced_open
    assert opened.may_reason
    closed = template.render(HI, thinking=False, variables={"enable_thinking": False})
    assert closed.text.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert not closed.thinking_forced_open
    assert not closed.may_reason
