"""One-time probes of what a chat template can express, by rendering small conversations.

Tools: render one user turn with a tool whose name appears nowhere else; if the name is in the
prompt, the template renders tools. Arguments: render an assistant tool call with arguments as a
dict; if the prompt shows them as JSON (or as key/value markup) rather than a Python dict repr,
and rendering does not fail, dicts are used; otherwise text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ggserve.templates.conversation import ArgumentsMode, TemplateMessage, template_messages
from ggserve.templates.environment import TemplateError

Render = Callable[[list[TemplateMessage], list[dict[str, Any]] | None, bool, bool | None], str]

PROBE_TOOL = "ggserve_probe_tool"
_PROBE_KEY = "ggserve_probe_key"
_PROBE_VALUE = "ggserve_probe_value"
_PROBE_CALL_ID = "abcDEF123"  # 9 alphanumerics: Mistral templates reject any other shape
_PROBE_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": PROBE_TOOL,
            "description": "Probe.",
            "parameters": {
                "type": "object",
                "properties": {_PROBE_KEY: {"type": "string"}},
                "required": [_PROBE_KEY],
            },
        },
    }
]


def expresses_tools(render: Render) -> bool:
    """Whether the template puts the `tools` it is given into the prompt."""
    user = [{"role": "user", "content": "Hello"}]
    try:
        return PROBE_TOOL in render(user, _PROBE_TOOLS, True, None)
    except TemplateError:
        return False


def _call_conversation(mode: ArgumentsMode) -> list[TemplateMessage]:
    call = {
        "id": _PROBE_CALL_ID,
        "type": "function",
        "function": {"name": PROBE_TOOL, "arguments": f'{{"{_PROBE_KEY}": "{_PROBE_VALUE}"}}'},
    }
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": _PROBE_CALL_ID, "name": PROBE_TOOL, "content": "ok"},
    ]
    return template_messages(messages, mode)


def arguments_mode(render: Render) -> ArgumentsMode:
    """Dict arguments unless the template prints them as a Python repr or fails on a dict."""
    try:
        text = render(_call_conversation(ArgumentsMode.DICT), _PROBE_TOOLS, False, None)
    except TemplateError:
        return ArgumentsMode.STRING
    if f"'{_PROBE_KEY}'" in text:  # `{'key': 'value'}`: the dict went through str()
        return ArgumentsMode.STRING
    return ArgumentsMode.DICT
