"""The Jinja environment chat templates run in, matching Hugging Face transformers' setup.

Sandboxed and immutable (a template is untrusted input from a model file), `trim_blocks` and
`lstrip_blocks`, the `loopcontrols` extension, a pass-through `{% generation %}` tag (SmolLM3-style
templates mark assistant spans with it), `raise_exception` and `strftime_now` globals, and a
`tojson` filter that does not HTML-escape and writes non-ASCII as is (`ensure_ascii=False`), with
transformers' `indent`/`separators`/`sort_keys` options.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NoReturn

import jinja2
import jinja2.ext
import jinja2.nodes
import jinja2.parser
from jinja2.sandbox import ImmutableSandboxedEnvironment


class TemplateError(ValueError):
    """A chat template failed: it raised (`raise_exception`) or cannot render this conversation.

    Raised at render time it means the request does not fit the template (INVALID_ARGUMENT);
    raised by `ChatTemplate(...)` it means the template itself does not compile.
    """


def raise_exception(message: str) -> NoReturn:
    """The `raise_exception` global templates use to reject a conversation."""
    raise TemplateError(f"the chat template rejected the conversation: {message}")


def strftime_now(format_string: str) -> str:
    """The `strftime_now` global (local time, as transformers does)."""
    return datetime.now().strftime(format_string)


def tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    """transformers' `tojson`: plain `json.dumps`, no HTML escaping, UTF-8 kept."""
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


class GenerationTag(jinja2.ext.Extension):
    """`{% generation %}…{% endgeneration %}` renders its body unchanged."""

    tags = {"generation"}  # noqa: RUF012 (jinja2 reads this class attribute)

    def parse(self, parser: jinja2.parser.Parser) -> jinja2.nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.Scope(body, lineno=lineno)


def make_environment() -> jinja2.Environment:
    """A fresh sandboxed environment with the globals and filters chat templates expect."""
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[jinja2.ext.loopcontrols, GenerationTag],
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def compile_template(source: str) -> jinja2.Template:
    """Compile a chat template; `TemplateError` naming the line for a syntax error."""
    try:
        return make_environment().from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"the chat template does not compile (line {exc.lineno}): {exc.message}"
        ) from exc
