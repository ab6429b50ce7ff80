"""Startup: check the model file, load it, pair it with its chat template — or fail clearly.

Every failure here is a `StartupError` with one readable line (the CLI prints it and exits 2).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import ggserve_parser
from ggserve import bundled_model
from ggserve.config import Settings
from ggserve.engine.base import ModelLoadError
from ggserve.engine.kv_cache import KvCacheOptionError, KvCacheOptions
from ggserve.engine.llama import LlamaEngine
from ggserve.engine.model import check_gguf_file
from ggserve.registry import ServedModel
from ggserve.templates import ChatTemplate, TemplateError
from ggserve.templates.builtin import choose_template, read_option


class StartupError(Exception):
    """The server cannot start; the message says why and what to do."""


def check_model_file(path: Path) -> None:
    """Fail fast, before binding a port, for a missing or non-GGUF file."""
    try:
        check_gguf_file(path)
    except ModelLoadError as exc:
        raise StartupError(str(exc)) from exc


def check_tool_format(tool_format: str | None) -> None:
    """A `--tool-format` override must name a parser format."""
    if tool_format is not None and tool_format not in ggserve_parser.FORMATS:
        known = ", ".join(ggserve_parser.FORMATS)
        raise StartupError(f"unknown --tool-format {tool_format!r}; choose one of: {known}")


def check_chat_template(option: str | None) -> None:
    """A `--chat-template` must name a built-in or a readable Jinja file that compiles."""
    if option is None:
        return
    try:
        ChatTemplate(read_option(option).source)
    except TemplateError as exc:
        raise StartupError(str(exc)) from exc


def default_alias(path: Path) -> str:
    """The alias of a model file when none is given."""
    if path.name == bundled_model.FILE_NAME:
        return bundled_model.ALIAS
    return path.stem.lower()


def check_kv_cache(options: KvCacheOptions) -> None:
    """KV cache types and flash attention that llama.cpp accepts together."""
    try:
        options.check()
    except KvCacheOptionError as exc:
        raise StartupError(str(exc)) from exc


async def load_model(path: Path, settings: Settings) -> ServedModel:
    """Load `path` on an engine thread (the event loop stays free) and build its template."""
    check_tool_format(settings.tool_format)
    check_kv_cache(settings.kv_cache)
    try:
        engine = await asyncio.to_thread(
            LlamaEngine,
            path,
            alias=settings.alias or default_alias(path),
            n_ctx=settings.n_ctx,
            n_threads=settings.threads,
            n_gpu_layers=settings.n_gpu_layers,
            queue_size=settings.queue_size,
            parallel=settings.parallel,
            kv_cache=settings.kv_cache,
            drafting=settings.drafting,
        )
    except ModelLoadError as exc:
        raise StartupError(str(exc)) from exc
    info = engine.info
    try:
        choice = choose_template(
            settings.chat_template, info.chat_template, info.architecture, path.name
        )
        template = ChatTemplate(
            choice.source,
            bos_token=info.bos_token,
            eos_token=info.eos_token,
            model_name=path.stem,
            tool_format=settings.tool_format,
        )
    except TemplateError as exc:
        await engine.close()
        raise StartupError(f"the chat template of {path.name} cannot be used: {exc}") from exc
    has_own = bool(info.chat_template and info.chat_template.strip())
    return ServedModel(
        alias=info.alias,
        engine=engine,
        renderer=template,
        tool_format=template.tool_format,
        tools_in_template=template.tools_in_template,
        has_chat_template=has_own,
        chat_template_source=choice.origin,
    )
