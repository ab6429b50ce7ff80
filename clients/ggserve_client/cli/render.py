"""Live terminal rendering of a chat stream: content, dimmed reasoning, tool calls as they form."""

from __future__ import annotations

import enum
from typing import TextIO

from ggserve_client.types import (
    ChatDone,
    ChatResult,
    ContentDelta,
    PromptProgress,
    ReasoningDelta,
    StreamEvent,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStatus,
)

DIM = "\x1b[2m"
RED = "\x1b[31m"
BOLD_CYAN = "\x1b[1;36m"
RESET = "\x1b[0m"


class _Section(enum.Enum):
    NONE = enum.auto()
    CONTENT = enum.auto()
    REASONING = enum.auto()
    TOOL_CALL = enum.auto()


class StreamPrinter:
    """Writes stream events to `out` as they arrive.

    Reasoning is dimmed (or, without color, introduced by a `thinking:` label); each tool call
    starts a line with its name, and its arguments grow on that line; a call that ends invalid
    or truncated is marked as discarded on that line (its raw text then follows as content).
    """

    def __init__(self, out: TextIO, *, color: bool) -> None:
        self._out = out
        self._color = color
        self._section = _Section.NONE
        self._at_line_start = True

    def event(self, event: StreamEvent) -> None:
        """Render one event (the final `ChatDone` only ends the last line)."""
        if isinstance(event, ContentDelta):
            self._enter(_Section.CONTENT)
            self._write(event.text)
        elif isinstance(event, ReasoningDelta):
            if self._section is not _Section.REASONING:
                self._enter(_Section.REASONING)
                if self._color:
                    self._style(DIM)
                else:
                    self._write("thinking: ")
            self._write(event.text)
        elif isinstance(event, ToolCallDelta):
            if event.name:
                self._enter(_Section.TOOL_CALL)
                name = f"{BOLD_CYAN}{event.name}{RESET}" if self._color else event.name
                self._write(f"-> {name} ")
            self._write(event.arguments)
        elif isinstance(event, ToolCallEnd):
            if not event.complete:
                note = f" [discarded: {event.status.value}]"
                self._write(f"{RED}{note}{RESET}" if self._color else note)
        elif isinstance(event, ChatDone):
            self.finish()
        self._out.flush()

    def result(self, result: ChatResult) -> None:
        """Render a whole (unary) result like the stream that would have produced it."""
        message = result.message
        if message.reasoning_content:
            self.event(ReasoningDelta(message.reasoning_content))
        if message.content:
            self.event(ContentDelta(message.content))
        for index, call in enumerate(message.tool_calls):
            self.event(ToolCallDelta(index, call.id, call.name, call.arguments))
            self.event(ToolCallEnd(index, ToolCallStatus.COMPLETE))
        self.event(ChatDone(result))

    def finish(self) -> None:
        """Close the open section and end the line."""
        self._enter(_Section.NONE)

    def _enter(self, section: _Section) -> None:
        if section is self._section and section is not _Section.TOOL_CALL:
            return
        if self._section is _Section.REASONING and self._color:
            self._style(RESET)
        if self._section is not _Section.NONE and not self._at_line_start:
            self._write("\n")
        self._section = section

    def _style(self, code: str) -> None:
        self._out.write(code)

    def _write(self, text: str) -> None:
        if text:
            self._out.write(text)
            self._at_line_start = text.endswith("\n")


def stats_line(result: ChatResult) -> str:
    """A one-line summary: finish reason, token counts, TTFT and decode speed."""
    usage, timings = result.usage, result.timings
    limit = f"({result.length_limit.value})" if result.length_limit else ""
    return (
        f"[{result.model}] finish={result.finish_reason.value}{limit} "
        f"prompt={usage.prompt_tokens} cached={usage.cached_tokens} "
        f"completion={usage.completion_tokens} "
        f"ttft={timings.time_to_first_token_ms:.1f}ms "
        f"decode={timings.tokens_per_second:.1f}tok/s queue={timings.queue_ms:.1f}ms"
    )


def progress_line(progress: PromptProgress) -> str:
    """Prompt evaluation so far, e.g. `prompt 512/2048 tokens (25%, 128 cached) 1.2s`."""
    return (
        f"prompt {progress.processed_tokens}/{progress.total_tokens} tokens "
        f"({progress.fraction:.0%}, {progress.cached_tokens} cached) "
        f"{progress.elapsed_ms / 1000:.1f}s"
    )
