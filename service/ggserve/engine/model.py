"""A GGUF model and its llama.cpp context, loaded with a clear error instead of a traceback.

Thin ownership wrapper over llama-cpp-python's low-level bindings: load, read metadata, tokenize,
decode one batch of token spans (several sequences sharing one unified KV cache), remove or copy a
sequence's cells, make per-generation samplers and piece renderers, free. Not thread-safe except
for the read-only vocabulary calls (`tokenize`, `metadata`, `vocab_in_use`), which llama.cpp
allows from any thread and which a lock keeps from racing `close`; everything else belongs to
the engine thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import llama_cpp

from ggserve.domain import Sampling
from ggserve.engine import llama_log
from ggserve.engine.base import EngineClosed, EngineFailure, ModelLoadError
from ggserve.engine.detokenizer import TokenPieces
from ggserve.engine.kv_cache import (
    KvCacheInfo,
    KvCacheOptionError,
    KvCacheOptions,
    kv_cache_info,
)
from ggserve.engine.sampler import RowSampler, SamplerChain, SamplingDefaults

logger = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"

# llama_decode's return values (llama.h): 1 means no KV cells were free for the batch, and the
# cache is left as it was, so a smaller batch can be tried.
DECODE_OK = 0
DECODE_NO_KV_SPACE = 1


@dataclass(frozen=True, slots=True)
class ModelOptions:
    """How to load a model. `n_ctx=0` means the context length the model was trained with."""

    n_ctx: int = 4096
    n_threads: int = 1
    n_gpu_layers: int = 0
    n_batch: int = 512
    n_seq_max: int = 1  # sequences sharing the context (slots)
    kv_cache: KvCacheOptions = KvCacheOptions()  # noqa: RUF009 (frozen: one shared default)


@dataclass(frozen=True, slots=True)
class Span:
    """Consecutive tokens of one llama.cpp sequence in a batch, at positions `start…`.

    `logits`: offsets into `tokens` whose logits are wanted (those batch rows can be sampled):
    the last one for a prompt's final chunk or a sampled token, none for an inner chunk, and
    every offset where several tokens are to be checked in one step.
    """

    seq_id: int
    start: int
    tokens: Sequence[int]
    logits: tuple[int, ...] = ()


def check_gguf_file(path: Path) -> None:
    """Raise `ModelLoadError` unless `path` is a readable file that starts with the GGUF magic."""
    if not path.exists():
        raise ModelLoadError(f"model file not found: {path}")
    if not path.is_file():
        raise ModelLoadError(f"model path is not a file: {path}")
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(GGUF_MAGIC))
    except OSError as exc:
        raise ModelLoadError(f"cannot read model file {path}: {exc.strerror}") from exc
    if magic != GGUF_MAGIC:
        raise ModelLoadError(
            f"{path} is not a GGUF model (it starts with {magic!r}, expected {GGUF_MAGIC!r})"
        )


def _llama_errors(errors: list[str], fallback: str) -> str:
    # The first lines name the cause ("bad GGUF version"); later ones only repeat "failed".
    return "; ".join(errors[:2]) if errors else fallback


class LoadedModel:
    """Model + context + one reusable batch. Create with `LoadedModel.load`."""

    def __init__(
        self,
        model: llama_cpp.llama_model_p,
        ctx: llama_cpp.llama_context_p,
        options: ModelOptions,
        path: Path,
    ) -> None:
        self.path = path
        self.options = options
        self.model: llama_cpp.llama_model_p | None = model
        self.ctx: llama_cpp.llama_context_p | None = ctx
        self.vocab = llama_cpp.llama_model_get_vocab(model)
        self.n_ctx = int(llama_cpp.llama_n_ctx(ctx))
        self.n_batch = min(options.n_batch, self.n_ctx)
        self._memory = llama_cpp.llama_get_memory(ctx)
        self.n_seq_max = int(llama_cpp.llama_n_seq_max(ctx))
        self._batch = llama_cpp.llama_batch_init(self.n_batch, 0, 1)  # allocated once, reused
        self._batch_live = True
        self._vocab_lock = threading.Lock()  # other threads read the vocab; `close` frees it

    @classmethod
    def load(cls, path: str | os.PathLike[str], options: ModelOptions) -> LoadedModel:
        """Load a GGUF file; `ModelLoadError` with llama.cpp's own reason on failure."""
        model_path = Path(path).expanduser()
        check_gguf_file(model_path)
        try:
            options.kv_cache.check()  # before the weights load: llama.cpp would refuse late
        except KvCacheOptionError as exc:
            raise ModelLoadError(str(exc)) from exc
        llama_cpp.llama_backend_init()
        started = time.monotonic()
        logger.info("loading model %s (n_gpu_layers=%d)", model_path, options.n_gpu_layers)
        model_params = llama_cpp.llama_model_default_params()
        model_params.n_gpu_layers = options.n_gpu_layers
        with llama_log.capture_errors() as errors:
            model = llama_cpp.llama_model_load_from_file(str(model_path).encode(), model_params)
        if not model:
            raise ModelLoadError(
                f"llama.cpp could not load {model_path}: "
                + _llama_errors(errors, "unsupported or corrupt GGUF")
            )
        ctx = cls._new_context(model, options, model_path)
        loaded = cls(model, ctx, options, model_path)
        kv = options.kv_cache
        logger.info(
            "loaded %s in %.2fs: n_ctx=%d n_threads=%d kv cache k=%s v=%s flash_attn=%s",
            model_path.name,
            time.monotonic() - started,
            loaded.n_ctx,
            options.n_threads,
            kv.type_k,
            kv.type_v,
            kv.flash_attention,
        )
        return loaded

    @staticmethod
    def _new_context(
        model: llama_cpp.llama_model_p, options: ModelOptions, path: Path
    ) -> llama_cpp.llama_context_p:
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = options.n_ctx
        params.n_batch = options.n_batch
        params.n_ubatch = options.n_batch
        params.n_seq_max = options.n_seq_max
        # One pool of cells for every sequence: a single long sequence may use the whole
        # context, and copying a shared prefix between sequences costs no cells.
        params.kv_unified = True
        params.n_threads = options.n_threads
        params.n_threads_batch = options.n_threads
        options.kv_cache.apply(params)
        with llama_log.capture_errors() as errors:
            ctx: llama_cpp.llama_context_p | None = llama_cpp.llama_init_from_model(model, params)
        if not ctx:
            llama_cpp.llama_model_free(model)
            raise ModelLoadError(
                f"llama.cpp could not create a context for {path} (n_ctx={options.n_ctx}): "
                + _llama_errors(errors, "out of memory?")
            )
        return ctx

    @property
    def context(self) -> llama_cpp.llama_context_p:
        """The llama.cpp context; `EngineFailure` once the model is closed."""
        if self.ctx is None:
            raise EngineFailure("the model has been closed")
        return self.ctx

    @contextlib.contextmanager
    def vocab_in_use(self) -> Iterator[llama_cpp.llama_vocab_p]:
        """The vocabulary, kept alive for the block; `EngineClosed` once the model is freed."""
        with self._vocab_lock:
            if self.model is None:
                raise EngineClosed("the model has been unloaded")
            yield self.vocab

    def metadata(self, key: str) -> str | None:
        """A GGUF metadata value as text, or None when the key is absent."""
        size = 256
        with self.vocab_in_use():
            while True:
                buffer = ctypes.create_string_buffer(size)
                length = llama_cpp.llama_model_meta_val_str(self.model, key.encode(), buffer, size)
                if length < 0:
                    return None
                if length < size:
                    return buffer.value.decode("utf-8", errors="replace")
                size = length + 1  # the full length was returned; retry with room for it

    def kv_cache_info(self) -> KvCacheInfo:
        """The KV cache this context allocated: types, cells and bytes (`kv_cache.py`)."""
        model = self.model
        if model is None:
            raise EngineClosed("the model has been unloaded")
        return kv_cache_info(model, self.n_ctx, self.options.kv_cache, self.metadata)

    def n_ctx_train(self) -> int:
        """The context length the model was trained with."""
        return int(llama_cpp.llama_model_n_ctx_train(self.model))

    def tokenize(self, text: str, *, add_bos: bool, special: bool) -> list[int]:
        """Token ids of `text`; `special=True` parses control-token markers in the text."""
        data = text.encode("utf-8")
        capacity = len(data) + 2
        with self.vocab_in_use() as vocab:
            while True:
                tokens = (llama_cpp.llama_token * capacity)()
                count = llama_cpp.llama_tokenize(
                    vocab, data, len(data), tokens, capacity, add_bos, special
                )
                if count >= 0:
                    return list(tokens[:count])
                capacity = -count  # negative: the number of tokens needed

    def pieces(self) -> TokenPieces:
        """A renderer of token pieces (control tokens included) for the engine thread."""
        return TokenPieces(self.vocab)

    def new_sampler(
        self, sampling: Sampling, *, grammar: str | None, defaults: SamplingDefaults
    ) -> RowSampler:
        """A sampler chain for one generation, reading this context's logits by batch row."""
        return _ContextSampler(
            SamplerChain(self.vocab, sampling, grammar=grammar, defaults=defaults), self
        )

    def is_eog(self, token: int) -> bool:
        """Whether `token` ends generation (EOS, EOT, <|im_end|>, …)."""
        return bool(llama_cpp.llama_vocab_is_eog(self.vocab, token))

    def decode(self, spans: Sequence[Span]) -> int:
        """Decode `spans` (≤ n_batch tokens in all) as one batch.

        Returns `DECODE_OK`, or `DECODE_NO_KV_SPACE` when the cache has no room for the batch
        (nothing was changed; retry with fewer tokens). Other failures raise `EngineFailure`.
        The logits of a span's token at offset `i` are at row `sum(len(tokens) of the spans
        before) + i`.
        """
        batch = self._batch
        row = 0
        for span in spans:
            seq_id = span.seq_id
            pos = span.start
            first = row
            for token in span.tokens:
                batch.token[row] = token
                batch.pos[row] = pos
                batch.n_seq_id[row] = 1
                batch.seq_id[row][0] = seq_id
                batch.logits[row] = False
                row += 1
                pos += 1
            for offset in span.logits:
                batch.logits[first + offset] = True
        if row > self.n_batch:
            raise EngineFailure(f"a batch of {row} tokens exceeds n_batch={self.n_batch}")
        batch.n_tokens = row
        status = int(llama_cpp.llama_decode(self.context, batch))
        if status in (DECODE_OK, DECODE_NO_KV_SPACE):
            return status
        raise EngineFailure(f"llama_decode returned {status} for a batch of {row} tokens")

    def seq_rm(self, seq_id: int, start: int = 0, end: int = -1) -> bool:
        """Free the cells of `seq_id` at positions [start, end) (end < 0: to the end).

        False if the memory cannot drop part of a sequence (recurrent models); removing a whole
        sequence always succeeds.
        """
        return bool(llama_cpp.llama_memory_seq_rm(self._memory, seq_id, start, end))

    def seq_cp(self, src: int, dst: int, start: int, end: int) -> None:
        """Make `dst` share `src`'s cells at positions [start, end) (metadata only: unified)."""
        llama_cpp.llama_memory_seq_cp(self._memory, src, dst, start, end)

    def seq_pos_max(self, seq_id: int) -> int:
        """The largest position `seq_id` holds in the cache; -1 when it holds none."""
        return int(llama_cpp.llama_memory_seq_pos_max(self._memory, seq_id))

    def clear(self) -> None:
        """Forget every cached position."""
        llama_cpp.llama_memory_clear(self._memory, True)

    def close(self) -> None:
        """Free batch, context and model, in that order (idempotent)."""
        if self._batch_live:
            llama_cpp.llama_batch_free(self._batch)
            self._batch_live = False
        if self.ctx is not None:
            llama_cpp.llama_free(self.ctx)
            self.ctx = None
        with self._vocab_lock:
            if self.model is not None:
                llama_cpp.llama_model_free(self.model)
                self.model = None


class _ContextSampler:
    """A `SamplerChain` bound to the context whose logits it reads."""

    __slots__ = ("_chain", "_model")

    def __init__(self, chain: SamplerChain, model: LoadedModel) -> None:
        self._chain = chain
        self._model = model

    def sample(self, row: int) -> int | None:
        return self._chain.sample(self._model.context, row)

    def close(self) -> None:
        self._chain.close()
