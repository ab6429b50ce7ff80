"""`LlamaEngine`: the Engine Protocol over llama.cpp (llama-cpp-python's low-level API).

The model is loaded on the engine thread, which then owns it until `close`. `generate` checks the
request (context fit, grammar) on the caller's thread and raises before anything is queued; the
tokens are produced by `LlamaBackend` (continuous batching over `parallel` slots) under the shared
`Scheduler`, around which `ThreadedEngine` provides submission, draining and shutdown.

Determinism: with `parallel=1`, a request's tokens depend only on the request (its prompt,
sampling parameters and seed). With several slots, a token's logits are computed in batches whose
composition depends on the other requests in flight (and on how much of the prompt came from the
prefix cache); llama.cpp's CPU kernels are not guaranteed to give bit-identical logits across
batch shapes. A seed therefore fixes the random draws, not the logits: greedy and seeded output is
reproducible for the same load, and for the bundled model on the test prompts greedy output under
batching equals the serial output (tests/e2e/test_engine_batching.py), which is what we promise.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections import OrderedDict
from pathlib import Path

import llama_cpp

from ggserve.engine import llama_log
from ggserve.engine.base import ModelInfo
from ggserve.engine.detokenizer import TokenPieces
from ggserve.engine.grammar import validate_grammar
from ggserve.engine.kv_cache import KvCacheOptions
from ggserve.engine.llama_backend import LlamaBackend, SlotReport
from ggserve.engine.model import LoadedModel, ModelOptions
from ggserve.engine.ngram import DraftOptions
from ggserve.engine.sampler import SamplingDefaults
from ggserve.engine.scheduler import Scheduler
from ggserve.engine.threaded import ThreadedEngine

DEFAULT_QUEUE_SIZE = 16
_VALIDATED_GRAMMARS = 64  # grammars remembered as valid (the service validates off the loop)


def default_threads() -> int:
    """One core fewer than the machine has (at least 1): ggml's spinning thread pool collapses
    when it competes with the event loop for every core."""
    return max((os.cpu_count() or 1) - 1, 1)


def _token_text(pieces: TokenPieces, token: int) -> str:
    if token < 0:  # LLAMA_TOKEN_NULL: the vocabulary has no such token
        return ""
    return pieces.piece(token).decode("utf-8", errors="replace")


def _describe(model: LoadedModel, pieces: TokenPieces, alias: str) -> ModelInfo:
    gpu_layers = model.options.n_gpu_layers
    offloads = llama_cpp.llama_supports_gpu_offload() and gpu_layers != 0
    return ModelInfo(
        alias=alias,
        path=str(model.path),
        architecture=model.metadata("general.architecture") or "unknown",
        context_length=model.n_ctx,
        train_context_length=model.n_ctx_train(),
        chat_template=model.metadata("tokenizer.chat_template"),
        bos_token=_token_text(pieces, llama_cpp.llama_vocab_bos(model.vocab)),
        eos_token=_token_text(pieces, llama_cpp.llama_vocab_eos(model.vocab)),
        backend="cuda" if offloads else "cpu",
        gpu_layers=gpu_layers if offloads else 0,
        slots=model.n_seq_max,
        kv_cache=model.kv_cache_info(),
    )


class LlamaEngine(ThreadedEngine):
    """A GGUF model serving up to `parallel` sequences together, the rest in a bounded FIFO.

    The constructor blocks while the model loads (run it in a thread to keep a loop responsive)
    and raises `ModelLoadError` with a readable reason for a missing, non-GGUF or broken file.
    `n_ctx=0` uses the trained context length (shared by all slots: one unified KV cache);
    `n_threads=None` uses cores - 1; `queue_size` is how many requests may wait beyond the
    `parallel` running ones before `QueueFull`. `kv_cache` sets the cache's data types and
    flash attention (`KvCacheOptions`; f16 and auto by default). `drafting` turns on speculative
    decoding by prompt lookup: drafted tokens are checked in the same `llama_decode` as the other
    generations' tokens, and only those the sampler picks too are kept (output is unchanged, bar
    llama.cpp's batch-shape arithmetic; see below).
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        alias: str | None = None,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        n_gpu_layers: int = 0,
        n_batch: int = 512,
        parallel: int = 1,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        seed: int | None = None,
        sampling_defaults: SamplingDefaults | None = None,
        kv_cache: KvCacheOptions | None = None,
        drafting: DraftOptions | None = None,
    ) -> None:
        llama_log.install()
        path = Path(model_path)
        options = ModelOptions(
            n_ctx=n_ctx,
            n_threads=default_threads() if n_threads is None else max(n_threads, 1),
            n_gpu_layers=n_gpu_layers,
            n_batch=n_batch,
            n_seq_max=max(parallel, 1),
            kv_cache=kv_cache or KvCacheOptions(),
        )
        name = alias or path.stem
        defaults = sampling_defaults or SamplingDefaults()
        if seed is not None:  # the seed of requests that set none (None: random per request)
            defaults = dataclasses.replace(defaults, seed=seed)

        def load() -> LlamaBackend:
            return LlamaBackend(LoadedModel.load(path, options), defaults, drafting)

        self._scheduler = Scheduler(load, queue_size=queue_size, name=f"engine-{name}")
        backend = self._scheduler.start()
        assert isinstance(backend, LlamaBackend)
        assert isinstance(backend.model, LoadedModel)
        self._backend = backend
        self._model = backend.model
        # The backend's piece renderer belongs to the engine thread; callers get their own.
        self._pieces = TokenPieces(self._model.vocab)
        self._info = _describe(self._model, self._pieces, name)
        self._valid_grammars: OrderedDict[str, None] = OrderedDict()
        self._grammar_lock = threading.Lock()

    def tokenize(self, text: str, *, add_bos: bool = False, special: bool = True) -> list[int]:
        """Token ids of `text`; with `special=True` control-token markers become their ids."""
        return self._model.tokenize(text, add_bos=add_bos, special=special)

    def detokenize(self, tokens: list[int]) -> str:
        """Text of `tokens`, control tokens rendered, nothing lost for long pieces."""
        with self._model.vocab_in_use():
            return self._pieces.text(tokens)

    def slot_report(self) -> list[SlotReport]:
        """Every slot, tracked and actual cache contents; only while idle (tests, diagnostics)."""
        return self._backend.slot_report()

    def validate_grammar(self, gbnf: str) -> None:
        """Raise `GrammarError` unless llama.cpp accepts `gbnf` (root rule `root`).

        Any thread. Valid grammars are remembered, so the check `generate` repeats on the event
        loop is free after the service has validated off the loop."""
        with self._grammar_lock:
            if gbnf in self._valid_grammars:
                self._valid_grammars.move_to_end(gbnf)
                return
        with self._model.vocab_in_use() as vocab:
            validate_grammar(vocab, gbnf)
        with self._grammar_lock:
            self._valid_grammars[gbnf] = None
            while len(self._valid_grammars) > _VALIDATED_GRAMMARS:
                self._valid_grammars.popitem(last=False)
