"""The Jinja environment chat templates run in, matching Hugging Face transformers' setup.

Sandboxed and immutable (a template is untrusted input from a model file), `trim_blocks` and
`lstrip_blocks`, the `loopcontrols` extension, a pass-through `{% generation %}` tag (SmolLM3-style
templates mark assistant spans with it), `raise_exception` and `strftime_now` globals, and a
`tojson` filter that does not HTML-escape and writes non-ASCII as is (`ensure_ascii=False`), with
transformers' `indent`/`separators`/`sort_keys` options.

Bounded: a template from a hostile GGUF must not hold the server. The sandbox already keeps it
from files, imports and Python internals; on top of that every render has a deadline and an output
budget, checked at each call, attribute or item lookup, arithmetic operator and output chunk, and
`*`/`**`/`%` refuse results beyond the budget before building them. Running over raises
`TemplateError` (INVALID_ARGUMENT for the request; a startup error for the model's own probes).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable
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


DEFAULT_RENDER_SECONDS = 5.0
DEFAULT_MAX_OUTPUT_CHARS = 32 * 1024 * 1024
# A printf width or precision in a `%` format: `'%999999999d' % 1` allocates before any check.
_PRINTF_WIDTH = re.compile(r"%[-#0 +]*(\d+)?(?:\.(\d+))?")


class _Budget(threading.local):
    """The running render's deadline and output budget (per thread: renders may run in a pool)."""

    deadline: float = float("inf")
    max_chars: int = DEFAULT_MAX_OUTPUT_CHARS


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with a deadline and an output budget on every render."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.budget = _Budget()

    def check(self) -> None:
        """Raise `TemplateError` once the render's deadline has passed."""
        if time.monotonic() > self.budget.deadline:
            raise TemplateError("the chat template ran past its time limit")

    def _checked(self, value: Any) -> Any:
        if _size(value) > self.budget.max_chars:
            raise TemplateError("the chat template built a value past its size limit")
        return value

    def call(self, context: Any, obj: Any, *args: Any, **kwargs: Any) -> Any:
        self.check()
        return self._checked(super().call(context, obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.check()
        return self._checked(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.check()
        return self._checked(super().getitem(obj, argument))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.check()
        limit = self.budget.max_chars
        if operator == "*":
            count, item = (right, left) if isinstance(right, int) else (left, right)
            if isinstance(count, int) and count * max(_size(item), 1) > limit and _size(item):
                raise TemplateError("the chat template built a value past its size limit")
        elif operator == "**" and isinstance(right, int) and abs(right) > 1024:
            raise TemplateError(f"the chat template raised a number to the power {right}")
        elif operator == "%" and isinstance(left, str):
            for match in _PRINTF_WIDTH.finditer(left):
                widths = [int(w[:12]) for w in match.groups() if w]
                if widths and max(widths) > limit:
                    raise TemplateError("the chat template formatted past its size limit")
        return self._checked(super().call_binop(context, operator, left, right))


def render_bounded(
    template: jinja2.Template,
    variables: dict[str, Any],
    *,
    seconds: float = DEFAULT_RENDER_SECONDS,
    max_chars: int = DEFAULT_MAX_OUTPUT_CHARS,
) -> str:
    """Render `template` (from `make_environment`) within `seconds` and `max_chars` of output."""
    env = template.environment
    if not isinstance(env, BoundedSandbox):
        return template.render(**variables)
    budget = env.budget
    budget.deadline, budget.max_chars = time.monotonic() + seconds, max_chars
    try:
        return _collect(template.generate(**variables), env, max_chars)
    except RecursionError as exc:
        raise TemplateError("the chat template recursed too deeply") from exc
    except MemoryError as exc:
        raise TemplateError("the chat template ran out of memory") from exc
    finally:
        budget.deadline, budget.max_chars = float("inf"), DEFAULT_MAX_OUTPUT_CHARS


def _collect(chunks: Iterable[str], env: BoundedSandbox, max_chars: int) -> str:
    parts: list[str] = []
    total = 0
    for chunk in chunks:
        env.check()
        total += len(chunk)
        if total > max_chars:
            raise TemplateError(f"the chat template wrote more than {max_chars} characters")
        parts.append(chunk)
    return "".join(parts)


def make_environment() -> jinja2.Environment:
    """A fresh sandboxed environment with the globals and filters chat templates expect."""
    env = BoundedSandbox(
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
