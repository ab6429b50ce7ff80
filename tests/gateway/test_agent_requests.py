"""Requests as coding agents send them, through the official SDKs, are served as they are.

Claude Code's requests (the SDK's beta client: `?beta=true`, `anthropic-beta` headers) carry
server tools, Anthropic-defined tools, `cache_control`, `strict`, `defer_loading`,
`eager_input_streaming`, `metadata`, `context_management`, `output_config.effort`, adaptive
thinking and `system` turns inside `messages`; Codex and others send `developer` messages in the
middle of a history. The replay engine records the rendered prompt, so each test can check what
reached the model: what can be served is, what a local model cannot use is dropped with a warning
naming it, and image or document blocks are refused naming the block and the model.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import anthropic
import openai
import pytest

from ggserve.engine.base import GenerationRequest
from ggserve.engine.replay import ReplayEngine
from ggserve.templates import ChatTemplate

from .conftest import Gateway, StartGateway

# Qwen3's rule (a system message anywhere but first is refused), and the thinking switch shown.
STRICT_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m.role == 'system' and not loop.first %}"
    "{{ raise_exception('System message must be at the beginning.') }}{% endif %}"
    "<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n"
    "{% if enable_thinking is defined %}[thinking={{ enable_thinking }}]{% endif %}{% endif %}"
)
MODEL = "replay"
ANSWER = ("All", " done.")
EDIT_TOOL: Any = {
    "name": "Edit",
    "description": "Edit a file",
    "input_schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"path": {"type": "string"}, "text": {"type": "string"}},
        "required": ["path", "text"],
        "additionalProperties": False,
    },
    "strict": True,
    "eager_input_streaming": True,
    "cache_control": {"type": "ephemeral"},
}
DEFERRED_TOOL: Any = {
    "name": "NotebookEdit",
    "input_schema": {"type": "object", "properties": {"cell": {"type": "integer"}}},
    "defer_loading": True,
}
SERVER_TOOLS: Any = [
    {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
    {"type": "web_fetch_20250910", "name": "web_fetch"},
    {"type": "code_execution_20250825", "name": "code_execution"},
    {"type": "bash_20250124", "name": "bash"},
    {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
]
BETAS: Any = [
    "claude-code-20250219",
    "interleaved-thinking-2025-05-14",
    "context-management-2025-06-27",
    "effort-2025-11-24",
]


class Recorder:
    """A replay script that answers `ANSWER` and keeps every rendered prompt."""

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def __call__(self, request: GenerationRequest) -> Sequence[str]:
        self.prompts.append(bytes(request.prompt_tokens).decode("utf-8"))
        return ANSWER


@pytest.fixture
def recorded(replay_gateway: StartGateway) -> tuple[Gateway, Recorder]:
    recorder = Recorder()
    engine = ReplayEngine(recorder, alias=MODEL, n_ctx=1 << 16)
    return replay_gateway(engine, ChatTemplate(STRICT_TEMPLATE)), recorder


def _claude_code_request(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "model": MODEL,
        "max_tokens": 32000,
        "betas": BETAS,
        "system": [
            {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.328;"},
            {
                "type": "text",
                "text": "You are Claude Code.",
                "cache_control": {"type": "ephemeral", "ttl": "1h"},
            },
        ],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Fix the bug."}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Which file?"}]},
            {"role": "system", "content": "Reminder: the user's files changed."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "main.py", "cache_control": {"type": "ephemeral"}}
                ],
            },
        ],
        "tools": [EDIT_TOOL, DEFERRED_TOOL, *SERVER_TOOLS],
        "thinking": {"type": "adaptive"},
        "metadata": {"user_id": '{"device_id": "d", "session_id": "s"}'},
        "extra_body": {
            "context_management": {"edits": [{"type": "clear_thinking_20251015"}]},
            "output_config": {"effort": "medium"},
        },
    }
    request.update(overrides)
    return request


def test_claude_code_request_is_served(
    recorded: tuple[Gateway, Recorder], caplog: pytest.LogCaptureFixture
) -> None:
    gateway, recorder = recorded
    with (
        caplog.at_level(logging.WARNING, logger="ggserve_gateway"),
        gateway.anthropic.beta.messages.stream(**_claude_code_request()) as stream,
    ):
        message = stream.get_final_message()
    assert [block.type for block in message.content] == ["text"]
    assert message.content[0].text == "All done."  # type: ignore[union-attr]
    (prompt,) = recorder.prompts
    # Client tools reach the model; server tools and Anthropic-defined tools do not.
    assert '"name": "Edit"' in prompt
    assert '"name": "NotebookEdit"' in prompt
    for tool in SERVER_TOOLS:
        assert f'"name": "{tool["name"]}"' not in prompt
    (warning,) = [r.getMessage() for r in caplog.records if "dropped tools" in r.getMessage()]
    for tool in SERVER_TOOLS:
        assert f"{tool['name']} ({tool['type']})" in warning
    # The late system turn, which this template refuses, is folded into the next user turn.
    assert (
        "<|im_start|>user\n<system-reminder>\nReminder: the user's files changed.\n"
        "</system-reminder>\n\nmain.py<|im_end|>" in prompt
    )
    # Adaptive thinking turns reasoning on.
    assert prompt.endswith("<|im_start|>assistant\n[thinking=True]")


def test_claude_code_request_unary_and_enabled_thinking(recorded: tuple[Gateway, Recorder]) -> None:
    gateway, recorder = recorded
    request = _claude_code_request(thinking={"type": "enabled", "budget_tokens": 2048})
    message = gateway.anthropic.beta.messages.create(**request)
    assert message.content[0].text == "All done."
    assert recorder.prompts[-1].endswith("[thinking=True]")
    request = _claude_code_request(thinking={"type": "disabled"})
    gateway.anthropic.beta.messages.create(**request)
    assert recorder.prompts[-1].endswith("[thinking=False]")


def test_count_tokens_takes_the_same_request(recorded: tuple[Gateway, Recorder]) -> None:
    gateway, _ = recorded
    request = _claude_code_request()
    for field in ("max_tokens", "metadata"):
        del request[field]
    counted = gateway.anthropic.beta.messages.count_tokens(**request)
    assert counted.input_tokens > 0


def test_tool_choice_of_a_server_tool_is_refused(recorded: tuple[Gateway, Recorder]) -> None:
    gateway, _ = recorded
    request = _claude_code_request(tool_choice={"type": "tool", "name": "web_search"})
    with pytest.raises(anthropic.BadRequestError) as refused:
        gateway.anthropic.beta.messages.create(**request)
    assert "'web_search'" in refused.value.message
    assert "server tool" in refused.value.message


@pytest.mark.parametrize(
    ("content", "where", "block"),
    [
        (
            [
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": ""},
                }
            ],
            "messages[0].content[0]",
            "image",
        ),
        (
            [
                {"type": "text", "text": "Summarise:"},
                {"type": "document", "source": {"type": "text", "data": "…"}},
            ],
            "messages[0].content[1]",
            "document",
        ),
        (
            [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_1",
                    "content": [{"type": "image", "source": {"type": "url", "url": "x"}}],
                }
            ],
            "messages[0].content[0].content",
            "image",
        ),
    ],
)
def test_media_blocks_name_the_block_and_the_model(
    recorded: tuple[Gateway, Recorder], content: Any, where: str, block: str
) -> None:
    gateway, recorder = recorded
    with pytest.raises(anthropic.BadRequestError) as refused:
        gateway.anthropic.messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": content}]
        )
    message = refused.value.body["error"]["message"]  # type: ignore[index]
    assert message.startswith(f"{where}: {block} blocks cannot be read by 'replay'")
    assert "text only" in message
    assert not recorder.prompts


def test_openai_developer_message_mid_history_is_folded(
    recorded: tuple[Gateway, Recorder],
) -> None:
    gateway, recorder = recorded
    answer = gateway.openai.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello."},
            {"role": "developer", "content": "Approval policy: never."},
            {"role": "user", "content": "Go on."},
        ],
    )
    assert answer.choices[0].message.content == "All done."
    assert recorder.prompts[-1].startswith("<|im_start|>system\nBe brief.<|im_end|>\n")
    assert (
        "<|im_start|>user\n<system-reminder>\nApproval policy: never.\n</system-reminder>\n\n"
        "Go on.<|im_end|>" in recorder.prompts[-1]
    )


def test_openai_image_part_names_the_part_and_the_model(
    recorded: tuple[Gateway, Recorder],
) -> None:
    gateway, _ = recorded
    with pytest.raises(openai.BadRequestError) as refused:
        gateway.openai.chat.completions.create(
            model=MODEL,
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64,"}},
                    ],
                }
            ],
        )
    assert "messages[0].content[1]: image_url parts cannot be read by 'replay'" in str(
        refused.value
    )
