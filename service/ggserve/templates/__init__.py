"""Chat templates: render a model's own Jinja template safely, with tools and reasoning flags."""

from ggserve.templates.chat_template import ChatTemplate, RenderedPrompt, detect_tool_format
from ggserve.templates.conversation import ArgumentsMode
from ggserve.templates.environment import TemplateError
from ggserve.templates.fallback import CHATML_TEMPLATE, FALLBACK_TOOL_FORMAT

__all__ = [
    "CHATML_TEMPLATE",
    "FALLBACK_TOOL_FORMAT",
    "ArgumentsMode",
    "ChatTemplate",
    "RenderedPrompt",
    "TemplateError",
    "detect_tool_format",
]
