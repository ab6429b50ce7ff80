"""Responses tools ↔ the core's functions, both ways.

The core (and every chat template) knows only functions, so each tool the caller runs becomes
one: a `function` as it is; a `custom` tool (free-form text input) a function with one string
parameter `input`; each tool of a `namespace` a function named `<namespace>__<name>`; the
client-executed `local_shell` a function taking the command. Hosted tools (web search, file
search, image generation, computer use, code interpreter, remote MCP, …) need a server that runs
them; this one cannot, so they are dropped with a warning naming them. A call the model makes
comes back as the item its tool expects (`function_call`, `custom_tool_call` with the original
name and namespace, `local_shell_call`), and earlier such items in the input go back to the
model under the function name it was offered: the mapping is reversible.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ggserve_client.types import Tool, ToolCall
from ggserve_gateway.errors import HttpError
from ggserve_gateway.ids import new_id
from ggserve_gateway.responses_schema import ShellAction, ToolChoiceSpec, ToolSpec

logger = logging.getLogger("ggserve.gateway")

LOCAL_SHELL = "local_shell"
# The tool types offered to the model (the rest are hosted tools, dropped).
CLIENT_TOOLS = frozenset({"function", "custom", "namespace", LOCAL_SHELL})
_NAMESPACE_SEP = "__"
_CUSTOM_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"input": {"type": "string", "description": "The tool's whole input text."}},
    "required": ["input"],
    "additionalProperties": False,
}
_SHELL_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "command": {
            "type": "array",
            "items": {"type": "string"},
            "description": 'The command and its arguments, e.g. ["ls", "-la"].',
        },
        "workdir": {"type": "string", "description": "The working directory."},
        "timeout_ms": {"type": "integer", "description": "Time limit in milliseconds."},
    },
    "required": ["command"],
    "additionalProperties": False,
}
_SHELL_DESCRIPTION = "Run a shell command on the user's machine and return its output."


@dataclass(frozen=True, slots=True)
class Origin:
    """Where the function `function` came from: the tool's kind, name and namespace."""

    kind: str  # "function", "custom" or "local_shell"
    name: str
    namespace: str | None = None


def function_name(name: str, namespace: str | None) -> str:
    """The function name a (namespaced) tool is offered to the model under."""
    return f"{namespace}{_NAMESPACE_SEP}{name}" if namespace else name


def custom_arguments(text: str) -> str:
    """The arguments JSON of a custom tool's function, for its free-form input."""
    return json.dumps({"input": text}, ensure_ascii=False)


def shell_arguments(action: ShellAction) -> str:
    """The arguments JSON of the `local_shell` function, for a shell action."""
    arguments: dict[str, Any] = {"command": action.command}
    if action.working_directory:
        arguments["workdir"] = action.working_directory
    if action.timeout_ms is not None:
        arguments["timeout_ms"] = action.timeout_ms
    return json.dumps(arguments, ensure_ascii=False)


class ToolMap:
    """The functions offered for a request's tools, and the way back to each tool."""

    def __init__(self, specs: Iterable[ToolSpec]) -> None:
        self.tools: list[Tool] = []
        self._origins: dict[str, Origin] = {}
        dropped: list[str] = []
        for i, spec in enumerate(specs):
            self._add(spec, f"tools[{i}]", None, dropped)
        if dropped:
            logger.warning(
                "responses: dropped tools this server cannot run (hosted by OpenAI): %s",
                ", ".join(dropped),
            )

    def _add(self, spec: ToolSpec, where: str, namespace: str | None, dropped: list[str]) -> None:
        if spec.type == "namespace" and namespace is None:
            if not spec.name:
                raise HttpError.bad_request(f"{where}.name: required", param=f"{where}.name")
            for j, inner in enumerate(spec.tools or ()):
                if inner.type not in ("function", "custom"):
                    raise HttpError.bad_request(
                        f"{where}.tools[{j}]: a namespace holds function and custom tools, "
                        f"got {inner.type!r}",
                        param=f"{where}.tools",
                    )
                self._add(inner, f"{where}.tools[{j}]", spec.name, dropped)
        elif spec.type in ("function", "custom"):
            if not spec.name:
                raise HttpError.bad_request(f"{where}.name: required", param=f"{where}.name")
            parameters = (spec.parameters or {}) if spec.type == "function" else _CUSTOM_PARAMETERS
            self._offer(
                Tool(function_name(spec.name, namespace), spec.description or "", parameters),
                Origin(spec.type, spec.name, namespace),
            )
        elif spec.type == LOCAL_SHELL and namespace is None:
            self._offer(
                Tool(LOCAL_SHELL, _SHELL_DESCRIPTION, _SHELL_PARAMETERS), Origin(LOCAL_SHELL, "")
            )
        else:
            dropped.append(spec.type if not spec.name else f"{spec.type} ({spec.name})")

    def _offer(self, tool: Tool, origin: Origin) -> None:
        if tool.name in self._origins:
            raise HttpError.bad_request(
                f"tools: two tools are offered as the function {tool.name!r}", param="tools"
            )
        self.tools.append(tool)
        self._origins[tool.name] = origin

    def origin(self, function: str) -> Origin:
        """The tool behind `function` (a plain function if it was not offered)."""
        return self._origins.get(function) or Origin("function", function)

    def choice(self, choice: str | ToolChoiceSpec) -> str:
        """The core's `tool_choice` (a mode or a function name) for a Responses `tool_choice`."""
        if isinstance(choice, str):
            return choice
        if choice.type == "allowed_tools":
            return self._allowed(choice)
        if choice.type in ("function", "custom"):
            if not choice.name:
                raise HttpError.bad_request("tool_choice.name: required", param="tool_choice")
            return self._offered(choice.name)
        if choice.type == LOCAL_SHELL:
            return self._offered(LOCAL_SHELL)
        raise HttpError.bad_request(
            f"tool_choice: {choice.type!r} is a hosted tool this server cannot run",
            param="tool_choice",
        )

    def _offered(self, name: str) -> str:
        if name not in self._origins:
            raise HttpError.bad_request(
                f"tool_choice: no tool named {name!r} in tools", param="tool_choice"
            )
        return name

    def _allowed(self, choice: ToolChoiceSpec) -> str:
        # Only the listed tools stay offered; the mode then applies to them.
        names = {
            function_name(str(t.get("name") or LOCAL_SHELL), t.get("namespace"))
            for t in choice.tools or ()
        }
        self.tools = [t for t in self.tools if t.name in names]
        return choice.mode or "auto"

    def call_item(self, call: ToolCall, item_id: str | None = None) -> dict[str, Any]:
        """The output item of a complete call (its arguments are valid JSON)."""
        origin = self.origin(call.name)
        item_id = item_id or new_id("fc_")
        if origin.kind == "custom":
            return {
                "type": "custom_tool_call",
                "id": item_id,
                "call_id": call.id,
                "name": origin.name,
                "input": _custom_input(call.arguments),
                **({"namespace": origin.namespace} if origin.namespace else {}),
                "status": "completed",
            }
        if origin.kind == LOCAL_SHELL:
            return _shell_item(call, item_id)
        return {
            "type": "function_call",
            "id": item_id,
            "call_id": call.id,
            "name": origin.name,
            "arguments": call.arguments,
            **({"namespace": origin.namespace} if origin.namespace else {}),
            "status": "completed",
        }


def _custom_input(arguments: str) -> str:
    try:
        value = json.loads(arguments) if arguments.strip() else {}
    except json.JSONDecodeError:
        return arguments
    text = value.get("input") if isinstance(value, dict) else None
    if isinstance(text, str):
        return text
    # The model wrote other JSON: hand it over as the text it is.
    return arguments


def _shell_item(call: ToolCall, item_id: str) -> dict[str, Any]:
    try:
        arguments = json.loads(call.arguments) if call.arguments.strip() else {}
    except json.JSONDecodeError:
        arguments = {}
    command = arguments.get("command") if isinstance(arguments, dict) else None
    if isinstance(command, str):
        command = ["bash", "-lc", command]
    workdir = arguments.get("workdir") if isinstance(arguments, dict) else None
    timeout = arguments.get("timeout_ms") if isinstance(arguments, dict) else None
    return {
        "type": "local_shell_call",
        "id": item_id,
        "call_id": call.id,
        "action": {
            "type": "exec",
            "command": [str(part) for part in command or ()],
            "env": {},
            "timeout_ms": timeout if isinstance(timeout, int) else None,
            "user": None,
            "working_directory": workdir if isinstance(workdir, str) else None,
        },
        "status": "completed",
    }
