"""Startup: check the model file, load it, pair it with its chat template — or fail clearly.

Every failure here is a `StartupError` with one readable line (the CLI prints it and exits 2).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TypedDict

import ggserve_parser
from ggserve.config import Settings
from ggserve.engine.base import ModelLoadError
from ggserve.engine.embedding import EmbeddingEngine, read_traits
from ggserve.engine.kv_cache import KvCacheOptionError, KvCacheOptions
from ggserve.engine.llama import LlamaEngine
from ggserve.engine.model import check_gguf_file
from ggserve.model_specs import ModelSpec, default_alias
from ggserve.registry import RenderedChat, ServedModel
from ggserve.templates import ChatTemplate, TemplateError
from ggserve.templates.builtin import choose_template, read_option
from ggserve.threads import model_threads


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


def check_spec(spec: ModelSpec) -> None:
    """Fail fast, before binding a port, for a model whose file or options cannot work."""
    check_model_file(spec.path)
    check_tool_format(spec.tool_format)
    check_chat_template(spec.chat_template)


def check_kv_cache(options: KvCacheOptions) -> None:
    """KV cache types and flash attention that llama.cpp accepts together."""
    try:
        options.check()
    except KvCacheOptionError as exc:
        raise StartupError(str(exc)) from exc


class EngineSizing(TypedDict):
    """What both engines take from a model's spec (models.toml) over the server's settings."""

    alias: str
    n_ctx: int
    n_threads: int
    n_gpu_layers: int
    parallel: int
    queue_size: int


def _engine_sizing(spec: ModelSpec, settings: Settings, threads: int) -> EngineSizing:
    return EngineSizing(
        alias=spec.alias,
        n_ctx=spec.n_ctx or settings.n_ctx,
        n_threads=threads,
        n_gpu_layers=settings.n_gpu_layers if spec.n_gpu_layers is None else spec.n_gpu_layers,
        parallel=spec.parallel or settings.parallel,
        queue_size=settings.queue_size,
    )


async def load_model(path: Path, settings: Settings) -> ServedModel:
    """Load `path` as the server's only model (alias: `settings.alias` or the file's)."""
    spec = ModelSpec(settings.alias or default_alias(path), path)
    return await load_spec(spec, settings, threads=settings.threads)


async def load_spec(
    spec: ModelSpec, settings: Settings, *, threads: int | None = None
) -> ServedModel:
    """Load `spec` on an engine thread (the event loop stays free) and build its template;
    `spec`'s own options win over the server's. `threads`: the model's share of the budget."""
    tool_format = spec.tool_format or settings.tool_format
    check_tool_format(tool_format)
    check_kv_cache(settings.kv_cache)
    if threads is None:
        threads = model_threads(settings.threads, settings.resident_models, spec.threads)
    try:
        traits = await asyncio.to_thread(read_traits, spec.path)
        if spec.embeddings or (spec.embeddings is None and traits.embedding_model):
            return await _load_embedder(spec, settings, threads)
        engine = await asyncio.to_thread(
            LlamaEngine,
            spec.path,
            **_engine_sizing(spec, settings, threads),
            kv_cache=settings.kv_cache,
            drafting=settings.drafting,
        )
    except ModelLoadError as exc:
        raise StartupError(str(exc)) from exc
    path = spec.path
    info = engine.info
    try:
        choice = choose_template(
            spec.chat_template or settings.chat_template,
            info.chat_template,
            info.architecture,
            path.name,
        )
        template = ChatTemplate(
            choice.source,
            bos_token=info.bos_token,
            eos_token=info.eos_token,
            model_name=path.stem,
            tool_format=tool_format,
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


async def _load_embedder(spec: ModelSpec, settings: Settings, threads: int) -> ServedModel:
    engine = await asyncio.to_thread(
        EmbeddingEngine, spec.path, **_engine_sizing(spec, settings, threads), pooling=spec.pooling
    )
    return ServedModel(
        alias=spec.alias,
        engine=engine,
        renderer=_NO_TEMPLATE,
        tool_format="",
        tools_in_template=False,
        has_chat_template=False,
        chat_template_source="",
        embedder=engine,
    )


class _NoChatTemplate:
    """The renderer of an embedding model: it has no conversation format."""

    def render(self, *args: object, **kwargs: object) -> RenderedChat:
        raise TemplateError("this is an embedding model; it does not chat")


_NO_TEMPLATE = _NoChatTemplate()
