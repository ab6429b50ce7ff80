"""`ChatTemplate`: a model's Jinja chat template, with what it can express detected up front.

At construction the template is compiled and probed once: can it express tools (a probe tool's
name appears in the prompt), does it want tool-call arguments as a dict or as text, which tool-call
format does the model speak (`ggserve_parser.detect_format`, or an explicit override). Rendering
then passes messages, tools, `add_generation_prompt`, `bos_token`/`eos_token` and the thinking
flags (`enable_thinking`, `thinking`) over the caller's own variables, and reads off whether
the prompt ends inside reasoning.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2

from ggserve.templates.conversation import (
    MessageLike,
    TemplateMessage,
    template_messages,
)
from ggserve.templates.environment import (
    DEFAULT_RENDER_SECONDS,
    TemplateError,
    compile_template,
    render_bounded,
)
from ggserve.templates.fallback import (
    CHATML_TEMPLATE,
    FALLBACK_TOOL_FORMAT,
    hermes_history,
    with_tool_instructions,
)
from ggserve.templates.late_system import fold_late_system, has_late_system
from ggserve.templates.probe import arguments_mode, expresses_tools
from ggserve.templates.reasoning import (
    ends_after_reasoning,
    ends_inside_reasoning,
    template_may_reason,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RenderedPrompt:
    """A rendered conversation and how to parse the model's answer to it."""

    text: str
    thinking_forced_open: bool
    tool_format: str
    tools_in_template: bool
    # False when the model cannot be thinking in its answer: the template has no reasoning
    # markers, or the prompt already closed the block (`reasoning.py`).
    may_reason: bool = True


def detect_tool_format(chat_template: str | None, model_name: str | None) -> str | None:
    """The parser's format for this template/model, or None (also when the parser is absent)."""
    try:
        import ggserve_parser
    except ImportError:
        return None
    return ggserve_parser.detect_format(chat_template=chat_template, model_name=model_name)


class ChatTemplate:
    """Renders conversations with one model's chat template (thread-safe once built).

    `source=None` (the GGUF has no template) uses the ChatML fallback. A template that cannot
    express tools gets the Hermes fallback (`fallback.py`) and the format `hermes`; otherwise the
    format is detected from the template and model name (`hermes` when unrecognised) unless
    `tool_format` overrides it.
    """

    def __init__(
        self,
        source: str | None,
        *,
        bos_token: str = "",
        eos_token: str = "",
        model_name: str | None = None,
        tool_format: str | None = None,
        render_seconds: float = DEFAULT_RENDER_SECONDS,
    ) -> None:
        self._render_seconds = render_seconds
        self.has_chat_template = bool(source and source.strip())
        self.source = source if source and self.has_chat_template else CHATML_TEMPLATE
        self._template = compile_template(self.source)
        self._bos = bos_token
        self._eos = eos_token
        self.tools_in_template = expresses_tools(self._render_raw)
        self.arguments_mode = arguments_mode(self._render_raw)
        self.tool_format = self._pick_format(model_name, tool_format)
        self.may_reason = template_may_reason(self.source)

    def _pick_format(self, model_name: str | None, override: str | None) -> str:
        if override:
            return override
        if not self.tools_in_template:
            return FALLBACK_TOOL_FORMAT
        detected = detect_tool_format(self.source, model_name)
        if detected is None:
            logger.warning(
                "tool-call format of %s not recognised; parsing tool calls as %s",
                model_name or "the model",
                FALLBACK_TOOL_FORMAT,
            )
            return FALLBACK_TOOL_FORMAT
        return detected

    def render(
        self,
        messages: Sequence[MessageLike],
        tools: Sequence[dict[str, Any]] | None = None,
        *,
        add_generation_prompt: bool = True,
        thinking: bool | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> RenderedPrompt:
        """Render `messages` (domain messages or OpenAI dicts) with OpenAI-shaped `tools`.

        `thinking=None` leaves the template's default; True/False sets `enable_thinking` and
        `thinking`. `variables` are the caller's extra template variables (checked by the
        service: `template_kwargs.py`); the server's own variables win over them. Raises
        `TemplateError` when the template rejects the conversation (after a second try with late
        system messages folded into user turns, `late_system.py`).
        """
        converted = template_messages(messages, self.arguments_mode)
        tool_list = list(tools) if tools else None
        if not self.tools_in_template:
            converted = hermes_history(converted)
            if tool_list:
                converted = with_tool_instructions(converted, tool_list)
                tool_list = None
        try:
            text = self._render_raw(
                converted, tool_list, add_generation_prompt, thinking, variables
            )
        except TemplateError:
            if not has_late_system(converted):
                raise
            folded = fold_late_system(converted)
            text = self._render_raw(folded, tool_list, add_generation_prompt, thinking, variables)
        closed = add_generation_prompt and ends_after_reasoning(text)
        return RenderedPrompt(
            text=text,
            thinking_forced_open=add_generation_prompt and ends_inside_reasoning(text),
            tool_format=self.tool_format,
            tools_in_template=self.tools_in_template,
            may_reason=self.may_reason and not closed,
        )

    def _render_raw(
        self,
        messages: list[TemplateMessage],
        tools: list[dict[str, Any]] | None,
        add_generation_prompt: bool,
        thinking: bool | None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        variables: dict[str, Any] = {
            **(extra or {}),
            "messages": messages,
            "tools": tools,
            "add_generation_prompt": add_generation_prompt,
            "bos_token": self._bos,
            "eos_token": self._eos,
        }
        if thinking is not None:
            variables["enable_thinking"] = thinking
            variables["thinking"] = thinking
        try:
            return render_bounded(self._template, variables, seconds=self._render_seconds)
        except TemplateError:
            raise
        except (jinja2.TemplateError, TypeError, ValueError, KeyError, IndexError) as exc:
            # Template bugs and conversations the template cannot handle surface the same way:
            # the request cannot be rendered with this model's template.
            raise TemplateError(f"the chat template failed: {type(exc).__name__}: {exc}") from exc
