"""Which chat template a model gets: `--chat-template NAME|PATH`, the GGUF's own, or a built-in.

The built-ins (`builtin/*.jinja`) follow llama.cpp's `--chat-template` names for the common
families. Order: an explicit `--chat-template` (a built-in name, else a Jinja file); the GGUF's
`tokenizer.chat_template`; for a GGUF without one, the built-in of its architecture when that is
unambiguous (`gemma3` → gemma), else ChatML. Either fallback logs a WARNING naming the choice and
the flag that overrides it, so a model answering in the wrong markup is never a silent mystery.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ggserve.templates.environment import TemplateError

logger = logging.getLogger(__name__)

BUILTIN_NAMES = (
    "chatml",
    "deepseek",
    "deepseek2",
    "deepseek3",
    "gemma",
    "llama2",
    "llama3",
    "mistral",
    "mistral-v7",
    "phi3",
    "phi4",
    "qwen",
    "zephyr",
)
FALLBACK_NAME = "chatml"

# GGUF `general.architecture` → built-in, only where one family's chat layout is the only one
# (`llama` is shared by Llama 2, Llama 3, Mistral and many fine-tunes: no guess there).
ARCHITECTURE_TEMPLATES = {
    "gemma": "gemma",
    "gemma2": "gemma",
    "gemma3": "gemma",
    "gemma3n": "gemma",
    "phi3": "phi3",
    "qwen2": "qwen",
    "qwen2moe": "qwen",
}

MAX_TEMPLATE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class TemplateChoice:
    """The Jinja text to use and where it comes from: `gguf`, `builtin:NAME` or `file:PATH`."""

    source: str
    origin: str


def builtin_template(name: str) -> str:
    """The Jinja text of the built-in `name` (one of `BUILTIN_NAMES`)."""
    if name not in BUILTIN_NAMES:
        raise TemplateError(f"no built-in chat template {name!r}")
    return resources.files(__package__).joinpath("builtin", f"{name}.jinja").read_text("utf-8")


def read_option(option: str) -> TemplateChoice:
    """The template `--chat-template option` names: a built-in, else a Jinja file."""
    if option in BUILTIN_NAMES:
        return TemplateChoice(builtin_template(option), f"builtin:{option}")
    path = Path(option)
    if not path.is_file():
        names = ", ".join(BUILTIN_NAMES)
        raise TemplateError(
            f"--chat-template {option!r} is neither a built-in ({names}) nor a Jinja file"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"cannot read chat template {path}: {exc.strerror}") from exc
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"chat template {path} is over {MAX_TEMPLATE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"chat template {path} is not UTF-8 text") from exc
    return TemplateChoice(text, f"file:{path.resolve()}")


def choose_template(
    option: str | None, gguf_template: str | None, architecture: str, model_name: str
) -> TemplateChoice:
    """The template for a model; raises `TemplateError` for a bad `--chat-template`."""
    if option:
        return read_option(option)
    if gguf_template and gguf_template.strip():
        return TemplateChoice(gguf_template, "gguf")
    name = ARCHITECTURE_TEMPLATES.get(architecture)
    if name is not None:
        logger.warning(
            "%s has no chat template; using the built-in %r template of its architecture %s "
            "(override with --chat-template NAME|PATH)",
            model_name, name, architecture,
        )  # fmt: skip
    else:
        name = FALLBACK_NAME
        logger.warning(
            "%s has no chat template and its architecture %s has no known one; using the "
            "built-in %r template, which may not be what the model was trained on (choose with "
            "--chat-template NAME|PATH; built-ins: %s)",
            model_name, architecture, name, ", ".join(BUILTIN_NAMES),
        )  # fmt: skip
    return TemplateChoice(builtin_template(name), f"builtin:{name}")
