"""The documented fallbacks: a ChatML template, and tool calling for templates without tools.

No template in the GGUF → `CHATML_TEMPLATE` (`<|im_start|>role\n…<|im_end|>`), the most common
chat layout among small instruct models. A template that cannot express tools (it ignores the
`tools` variable) → the tool definitions and the Hermes call syntax are written into the system
prompt, earlier calls and results are rewritten as Hermes text
(`<tool_call>{"name": …, "arguments": …}</tool_call>`, `<tool_response>…</tool_response>` in a
user turn) so the template needs no tool support, and the model's output is parsed as `hermes`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any

from ggserve.templates.conversation import TemplateMessage

FALLBACK_TOOL_FORMAT = "hermes"

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

_INSTRUCTIONS = """# Tools

You may call one or more functions to assist with the user query.

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{tools}
</tools>

For each function call, return a json object with function name and arguments within \
<tool_call></tool_call> XML tags:
<tool_call>
{{"name": <function-name>, "arguments": <args-json-object>}}
</tool_call>"""


def tool_instructions(tools: Sequence[dict[str, Any]]) -> str:
    """The Hermes-style tool prompt: one JSON tool definition per line inside <tools>."""
    lines = "\n".join(json.dumps(tool, ensure_ascii=False) for tool in tools)
    return _INSTRUCTIONS.format(tools=lines)


def _call_text(call: TemplateMessage) -> str:
    function = call.get("function") or {}
    arguments = function.get("arguments", "{}")
    if isinstance(arguments, str):
        # Text that is not JSON stays text: the model wrote it that way.
        with contextlib.suppress(json.JSONDecodeError):
            arguments = json.loads(arguments)
    body = json.dumps(
        {"name": function.get("name", ""), "arguments": arguments}, ensure_ascii=False
    )
    return f"<tool_call>\n{body}\n</tool_call>"


def _assistant_text(message: TemplateMessage) -> TemplateMessage:
    parts = [message.get("content") or ""]
    parts += [_call_text(call) for call in message.get("tool_calls") or []]
    return {"role": "assistant", "content": "\n".join(p for p in parts if p)}


def _tool_response(message: TemplateMessage) -> str:
    return f"<tool_response>\n{message.get('content') or ''}\n</tool_response>"


def hermes_history(messages: Sequence[TemplateMessage]) -> list[TemplateMessage]:
    """Tool calls and tool results rewritten as Hermes text; consecutive results share a turn."""
    out: list[TemplateMessage] = []
    previous_was_tool = False
    for message in messages:
        role = message.get("role")
        if role == "tool" and previous_was_tool:
            out[-1]["content"] += "\n" + _tool_response(message)
        elif role == "tool":
            out.append({"role": "user", "content": _tool_response(message)})
        elif role == "assistant" and message.get("tool_calls"):
            out.append(_assistant_text(message))
        else:
            out.append(message)
        previous_was_tool = role == "tool"
    return out


def with_tool_instructions(
    messages: Sequence[TemplateMessage], tools: Sequence[dict[str, Any]]
) -> list[TemplateMessage]:
    """Tool instructions appended to the first system message, or a new system message."""
    instructions = tool_instructions(tools)
    out = list(messages)
    if out and out[0].get("role") == "system":
        system = dict(out[0])
        system["content"] = f"{system.get('content') or ''}\n\n{instructions}".lstrip()
        out[0] = system
    else:
        out.insert(0, {"role": "system", "content": instructions})
    return out
