"""A scripted core for the agent tests: the replay engine answering like a tool-calling model.

The agent's request reaches the replay engine as the rendered prompt (the ChatML fallback
template: the tool definitions, one JSON object a line, in the system turn, and earlier calls and
results as Hermes text). `AgentScript` reads that prompt and answers in the Qwen3/Hermes wire
format (`<tool_call>{json}</tool_call>`), split into small pieces so that markers straddle them:

- the task turn (the user message carrying `TASK`) → a call to the agent's own shell tool (found
  among the request's tools, its arguments built from the tool's schema) running `COMMAND`;
- the turn after that call (its tool result sent back) → `FINAL_ANSWER`;
- anything else (titles, summaries, memory passes, quota checks…) → `SIDE_ANSWER`, no call.

Every request is recorded (`requests`) so a failing test can say what the agent asked.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ggserve.engine.base import GenerationRequest

TEST_FILE = "ggserve-agent-test.txt"
MARKER = "written by the scripted model"
TASK = f"Create the file {TEST_FILE} with a shell command, then tell me it is done."
COMMAND = f"echo '{MARKER}' > {TEST_FILE} && cat {TEST_FILE}"
FINAL_ANSWER = f"Done: {TEST_FILE} is written (scripted answer)."
SIDE_ANSWER = "Noted."
# Shell tools of the agents under test, by the names they give them (Claude Code, qwen-code,
# Codex's function tools in their several generations).
SHELL_TOOLS = ("Bash", "run_shell_command", "shell", "shell_command", "exec_command")
PIECE_CHARS = 7

_TURN = re.compile(r"<\|im_start\|>(\w+)\n(.*?)(?:<\|im_end\|>|\Z)", re.DOTALL)
_TOOL_CALL = re.compile(r"<tool_call>\s*(\{.*?\})\s*</tool_call>", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Turn:
    """One rendered message: its role and text."""

    role: str
    content: str


@dataclass(frozen=True, slots=True)
class Answer:
    """What the script answered one request, and why."""

    kind: str  # "call", "final", "side" or "failed" (no shell tool offered)
    text: str
    prompt: str


def turns(prompt: str) -> list[Turn]:
    """The messages of a ChatML prompt (the open assistant turn at the end is left out)."""
    found = [Turn(m.group(1), m.group(2)) for m in _TURN.finditer(prompt)]
    if found and found[-1].role == "assistant" and not found[-1].content:
        found.pop()
    return found


def conversation(history: Sequence[Turn]) -> list[Turn]:
    """The turns without the system ones (Claude Code sends its reminders as `system` turns
    inside the conversation, after the user's message)."""
    return [turn for turn in history if turn.role != "system"]


def tool_definitions(system: str) -> list[dict[str, Any]]:
    """The function definitions the fallback template wrote into the system turn."""
    tools = []
    for line in system.splitlines():
        if line.startswith('{"type": "function"'):
            tools.append(json.loads(line)["function"])
    return tools


def shell_arguments(tool: dict[str, Any], command: str) -> dict[str, Any]:
    """Arguments for a shell tool from its schema: the command as a string or an argv list."""
    properties: dict[str, Any] = tool.get("parameters", {}).get("properties", {})
    command_type = properties.get("command", {}).get("type", "string")
    arguments: dict[str, Any] = {
        "command": ["bash", "-lc", command] if command_type == "array" else command
    }
    if "cmd" in properties and "command" not in properties:  # exec_command names it `cmd`
        arguments = {"cmd": command}
    if "description" in properties:
        arguments["description"] = f"Create {TEST_FILE}"
    return arguments


def wire_pieces(text: str) -> list[str]:
    """`text` in small pieces, so that markers and JSON straddle the pieces."""
    return [text[i : i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)]


def hermes_call(name: str, arguments: dict[str, Any]) -> str:
    """A Qwen3/Hermes tool call as the model writes it."""
    body = json.dumps({"name": name, "arguments": arguments}, ensure_ascii=False)
    return f"I will create the file.\n<tool_call>\n{body}\n</tool_call>"


def _our_call_answered(history: Sequence[Turn]) -> bool:
    """Whether the conversation ends with our shell call and then its tool result."""
    if len(history) < 2 or history[-2].role != "assistant":
        return False
    # The fallback template writes the arguments with `ensure_ascii=False`: COMMAND (no double
    # quotes or backslashes) appears verbatim.
    called = any(COMMAND in call for call in _TOOL_CALL.findall(history[-2].content))
    return called and history[-1].content.lstrip().startswith("<tool_response>")


@dataclass
class AgentScript:
    """The script: a function of the request, answering as described in the module docstring."""

    answers: list[Answer] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: GenerationRequest) -> Sequence[str]:
        prompt = bytes(request.prompt_tokens).decode("utf-8", errors="replace")
        answer = self.answer(prompt)
        with self._lock:
            self.answers.append(answer)
        return wire_pieces(answer.text)

    def answer(self, prompt: str) -> Answer:
        """The scripted answer to one rendered prompt."""
        everything = turns(prompt)
        system = everything[0].content if everything and everything[0].role == "system" else ""
        history = conversation(everything)
        if _our_call_answered(history):
            # The file is the test's evidence that the command ran, not the result's text: an
            # agent's output capture can miss a fast command's stdout under load (qwen-code
            # answered "Output: (empty)" with exit code 0).
            return Answer("final", FINAL_ANSWER, prompt)
        last = history[-1] if history else Turn("", "")
        if last.role == "user" and TASK in last.content:
            tools = {t["name"]: t for t in tool_definitions(system)}
            shell = next((tools[name] for name in SHELL_TOOLS if name in tools), None)
            if shell is None:
                return Answer("failed", f"No shell tool among {sorted(tools)}.", prompt)
            text = hermes_call(shell["name"], shell_arguments(shell, COMMAND))
            return Answer("call", text, prompt)
        return Answer("side", SIDE_ANSWER, prompt)

    def kinds(self) -> list[str]:
        """The kinds of the answers so far, in order."""
        with self._lock:
            return [a.kind for a in self.answers]

    def summary(self) -> str:
        """What each request looked like, for a failure message."""
        with self._lock:
            rows = []
            for i, a in enumerate(self.answers):
                last = conversation(turns(a.prompt))[-1:] or [Turn("", "")]
                rows.append(f"{i}: {a.kind}; last {last[0].role} turn: {last[0].content[-300:]!r}")
            return "\n".join(rows)
