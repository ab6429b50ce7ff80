"""`EmbeddingEngine`: a GGUF loaded for embeddings, on its own thread, with a bounded queue.

A llama.cpp context made with `embeddings = true` and a pooling type pools each sequence's
hidden states into one vector (`llama_get_embeddings_seq`). The engine thread owns the model and
its context; requests wait in a FIFO bounded like the chat engines' (`QueueFull` beyond
`slots + queue_size` requests in flight), and each request's inputs are packed into as few
`llama_decode` calls as the batch allows (up to `EMBED_SEQS` sequences and `n_batch` tokens per
call), the cache cleared between calls. Results reach asyncio through `call_soon_threadsafe`.

Pooling: the model's own (`<arch>.pooling_type` in the GGUF, as sentence-transformers
converters write it), else mean; a spec may override it. Encoder models (BERT) attend in both
directions and need each input whole in one micro-batch, so the batch is as large as the context.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import logging
import math
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import llama_cpp

from ggserve.engine import llama_log
from ggserve.engine.base import (
    EngineClosed,
    EngineDied,
    EngineError,
    EngineFailure,
    EngineStats,
    EventStream,
    GenerationRequest,
    GrammarError,
    ModelInfo,
    ModelLoadError,
    QueueFull,
)
from ggserve.engine.detokenizer import TokenPieces
from ggserve.engine.model import LoadedModel, ModelOptions, check_gguf_file

logger = logging.getLogger(__name__)

POOLING = {
    "mean": llama_cpp.LLAMA_POOLING_TYPE_MEAN,
    "cls": llama_cpp.LLAMA_POOLING_TYPE_CLS,
    "last": llama_cpp.LLAMA_POOLING_TYPE_LAST,
}
_POOLING_NAMES = {value: name for name, value in POOLING.items()}
EMBED_SEQS = 64  # sequences pooled by one llama_decode
MIN_BATCH = 2048  # tokens per llama_decode, at least (short inputs are packed together)


@dataclass(frozen=True, slots=True)
class GgufTraits:
    """What a GGUF says about embeddings, read without loading its weights."""

    architecture: str
    pooling: str | None  # the pooling type its converter recorded, if any
    causal: bool  # False for encoders (BERT-like), which are embedding models

    @property
    def embedding_model(self) -> bool:
        """Whether the file is meant for embeddings rather than chat."""
        return self.pooling is not None or not self.causal


def _load_model(path: Path, *, vocab_only: bool = False, n_gpu_layers: int = 0) -> Any:
    """A llama.cpp model of `path` (the caller frees it); `ModelLoadError` with the reason."""
    check_gguf_file(path)
    llama_cpp.llama_backend_init()
    params = llama_cpp.llama_model_default_params()
    params.vocab_only = vocab_only
    params.n_gpu_layers = n_gpu_layers
    with llama_log.capture_errors() as errors:
        model = llama_cpp.llama_model_load_from_file(str(path).encode(), params)
    if not model:
        reason = "; ".join(errors[:2]) or "unsupported or corrupt GGUF"
        raise ModelLoadError(f"llama.cpp could not load {path}: {reason}")
    return model


def read_traits(path: Path) -> GgufTraits:
    """Read the architecture, pooling type and causality of a GGUF (vocabulary-only load)."""
    model = _load_model(path, vocab_only=True)
    try:
        arch = _meta(model, "general.architecture") or "unknown"
        pooling_type = _meta(model, f"{arch}.pooling_type")
        causal = _meta(model, f"{arch}.attention.causal")
    finally:
        llama_cpp.llama_model_free(model)
    pooling = _POOLING_NAMES.get(int(pooling_type)) if pooling_type is not None else None
    return GgufTraits(arch, pooling, causal != "false")


def _meta(model: llama_cpp.llama_model_p, key: str) -> str | None:
    buffer = ctypes.create_string_buffer(256)
    length = llama_cpp.llama_model_meta_val_str(model, key.encode(), buffer, len(buffer))
    return None if length < 0 else buffer.value.decode("utf-8", errors="replace")


@dataclass(slots=True)
class _Job:
    inputs: Sequence[Sequence[int]]
    normalize: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[list[list[float]]]


def _normalized(vector: list[float]) -> list[float]:
    norm = math.sqrt(math.fsum(x * x for x in vector))
    return [x / norm for x in vector] if norm > 0 else vector


class EmbeddingEngine:
    """A GGUF model that turns token sequences into vectors, on its own engine thread.

    The constructor blocks while the model loads (run it in a thread) and raises
    `ModelLoadError` with llama.cpp's reason. `n_ctx` is the longest input in tokens (capped at
    the trained context); `parallel` counts as the slots of the admission bound.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        alias: str,
        n_ctx: int = 4096,
        n_threads: int = 1,
        n_gpu_layers: int = 0,
        parallel: int = 1,
        queue_size: int = 16,
        pooling: str | None = None,
    ) -> None:
        llama_log.install()
        path = Path(model_path)
        traits = read_traits(path)
        self.pooling = pooling or traits.pooling or "mean"
        self._slots = max(parallel, 1)
        self._queue_size = queue_size
        self._cond = threading.Condition()
        self._jobs: collections.deque[_Job] = collections.deque()
        self._running = 0
        self._closing = False
        self._failure: BaseException | None = None
        self._failure_callbacks: list[Callable[[BaseException], None]] = []
        self._model = self._load(path, n_ctx, n_threads, n_gpu_layers)
        self._pieces = TokenPieces(self._model.vocab)
        self.dimensions = int(llama_cpp.llama_model_n_embd(self._model.model))
        self.vocab_size = int(llama_cpp.llama_vocab_n_tokens(self._model.vocab))
        self._batch = llama_cpp.llama_batch_init(self._model.n_batch, 0, 1)
        self._info = ModelInfo(
            alias=alias,
            path=str(path),
            architecture=traits.architecture,
            context_length=self._model.n_ctx,
            train_context_length=self._model.n_ctx_train(),
            chat_template=None,
            bos_token="",
            eos_token="",
            backend="cuda" if n_gpu_layers and llama_cpp.llama_supports_gpu_offload() else "cpu",
            gpu_layers=n_gpu_layers if llama_cpp.llama_supports_gpu_offload() else 0,
            slots=self._slots,
        )
        self._thread = threading.Thread(target=self._run, name=f"embed-{alias}", daemon=True)
        self._thread.start()

    def _load(self, path: Path, n_ctx: int, n_threads: int, n_gpu_layers: int) -> LoadedModel:
        model = _load_model(path, n_gpu_layers=n_gpu_layers)
        context = min(n_ctx, int(llama_cpp.llama_model_n_ctx_train(model)) or n_ctx)
        cells = max(context, MIN_BATCH)
        ctx_params = llama_cpp.llama_context_default_params()
        ctx_params.n_ctx = cells
        ctx_params.n_batch = cells
        ctx_params.n_ubatch = cells  # an encoder needs each input whole in one micro-batch
        ctx_params.n_seq_max = EMBED_SEQS
        ctx_params.kv_unified = True
        ctx_params.embeddings = True
        ctx_params.pooling_type = POOLING[self.pooling]
        ctx_params.n_threads = n_threads
        ctx_params.n_threads_batch = n_threads
        with llama_log.capture_errors() as errors:
            ctx = llama_cpp.llama_init_from_model(model, ctx_params)
        if not ctx:
            llama_cpp.llama_model_free(model)
            reason = "; ".join(errors[:2]) or "out of memory?"
            raise ModelLoadError(f"llama.cpp could not create an embedding context: {reason}")
        options = ModelOptions(cells, n_threads, n_gpu_layers, cells, EMBED_SEQS)
        loaded = LoadedModel(model, ctx, options, path)
        loaded.n_ctx = context  # the longest input; the cells beyond it pack several inputs
        return loaded

    # ---- the Engine surface the service uses ---------------------------------------------

    @property
    def info(self) -> ModelInfo:
        """The loaded model (context_length: the longest input in tokens)."""
        return self._info

    def tokenize(self, text: str, *, add_bos: bool = True, special: bool = True) -> list[int]:
        """Token ids of `text`; with `add_bos` the model's own framing ([CLS] … [SEP])."""
        return self._model.tokenize(text, add_bos=add_bos, special=special)

    def detokenize(self, tokens: list[int]) -> str:
        """Text of `tokens`."""
        with self._model.vocab_in_use():
            return self._pieces.text(tokens)

    def validate_grammar(self, gbnf: str) -> None:
        """An embedding model does not generate: every grammar is refused."""
        raise GrammarError("this is an embedding model; it does not generate text")

    def generate(self, request: GenerationRequest) -> EventStream:
        """An embedding model does not generate (the service refuses chat before this)."""
        raise EngineFailure("this is an embedding model; it does not generate text")

    def stats(self) -> EngineStats:
        """Requests embedding now and waiting."""
        with self._cond:
            return EngineStats(running=self._running, waiting=len(self._jobs), slots=self._slots)

    async def embed(self, inputs: Sequence[Sequence[int]], *, normalize: bool) -> list[list[float]]:
        """One vector per input (each a non-empty token list within `info.context_length`);
        `QueueFull` or `EngineClosed` at call time."""
        loop = asyncio.get_running_loop()
        job = _Job(inputs, normalize, loop, loop.create_future())
        with self._cond:
            if self._closing:
                raise EngineClosed("the engine is shutting down")
            if self._running + len(self._jobs) >= self._slots + self._queue_size:
                raise QueueFull(f"{self._running + len(self._jobs)} requests in flight")
            self._jobs.append(job)
            self._cond.notify()
        return await job.future

    def drain(self) -> None:
        """Stop admitting; queued requests end with `EngineClosed`, the running one finishes."""
        with self._cond:
            self._closing = True
            queued = list(self._jobs)
            self._jobs.clear()
            self._cond.notify()
        for job in queued:
            _settle(job, None, EngineClosed("the server is draining; retry on another instance"))

    def on_failure(self, callback: Callable[[BaseException], None]) -> None:
        """Call `callback` once, from the engine thread, if that thread dies."""
        with self._cond:
            if self._failure is None:
                self._failure_callbacks.append(callback)
                return
        callback(self._failure)

    async def close(self) -> None:
        """Refuse what waits, finish what runs, free the model."""
        self.drain()
        await asyncio.to_thread(self._thread.join)
        logger.info("embedding engine %s closed", self._info.alias)

    # ---- engine thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while (job := self._next_job()) is not None:
                self._serve(job)
        except BaseException as exc:
            logger.critical("embedding engine thread failed", exc_info=exc)
            self._die(exc)
        finally:
            llama_cpp.llama_batch_free(self._batch)
            self._model.close()

    def _next_job(self) -> _Job | None:
        with self._cond:
            while not self._jobs and not self._closing:
                self._cond.wait()
            if not self._jobs:
                return None
            self._running += 1
            return self._jobs.popleft()

    def _serve(self, job: _Job) -> None:
        try:
            if job.future.cancelled():
                return
            vectors = self._embed_all(job.inputs)
            if job.normalize:
                vectors = [_normalized(v) for v in vectors]
            _settle(job, vectors, None)
        except EngineError as exc:
            _settle(job, None, exc)
        finally:
            with self._cond:
                self._running -= 1

    def _embed_all(self, inputs: Sequence[Sequence[int]]) -> list[list[float]]:
        vectors: list[list[float]] = []
        group: list[Sequence[int]] = []
        tokens = 0
        for seq in inputs:
            if group and (tokens + len(seq) > self._model.n_batch or len(group) >= EMBED_SEQS):
                vectors += self._decode(group)
                group, tokens = [], 0
            group.append(seq)
            tokens += len(seq)
        if group:
            vectors += self._decode(group)
        return vectors

    def _decode(self, group: list[Sequence[int]]) -> list[list[float]]:
        """Pool each sequence of `group` (≤ n_batch tokens, ≤ EMBED_SEQS sequences) at once."""
        batch = self._batch
        row = 0
        for seq_id, tokens in enumerate(group):
            for pos, token in enumerate(tokens):
                batch.token[row] = token
                batch.pos[row] = pos
                batch.n_seq_id[row] = 1
                batch.seq_id[row][0] = seq_id
                batch.logits[row] = True  # pooling reads every token's output
                row += 1
        batch.n_tokens = row
        memory = llama_cpp.llama_get_memory(self._model.context)
        if memory:  # decoder models keep a KV cache; encoders have none
            llama_cpp.llama_memory_clear(memory, True)
        status = int(llama_cpp.llama_decode(self._model.context, batch))
        if status != 0:
            raise EngineFailure(f"llama_decode returned {status} for {len(group)} inputs")
        vectors = []
        for seq_id in range(len(group)):
            pointer = llama_cpp.llama_get_embeddings_seq(self._model.context, seq_id)
            if not pointer:
                raise EngineFailure(f"llama.cpp pooled no embedding for input {seq_id}")
            vectors.append(pointer[: self.dimensions])
        return vectors

    def _die(self, exc: BaseException) -> None:
        with self._cond:
            self._closing = True
            self._failure = exc
            jobs = list(self._jobs)
            self._jobs.clear()
            callbacks, self._failure_callbacks = self._failure_callbacks, []
        for job in jobs:
            _settle(job, None, EngineDied("the engine thread stopped unexpectedly"))
        for callback in callbacks:
            callback(exc)


def _settle(job: _Job, vectors: list[list[float]] | None, error: EngineError | None) -> None:
    """Resolve `job` on its event loop (from any thread); a cancelled waiter is left alone."""

    def resolve() -> None:
        if job.future.done():
            return
        if error is not None:
            job.future.set_exception(error)
        else:
            job.future.set_result(vectors or [])

    with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
        job.loop.call_soon_threadsafe(resolve)
