"""The engine Protocol: one owner thread per model, events delivered once per step.

The service renders and tokenizes the prompt, then calls `Engine.generate`; the engine streams
decoded text (special tokens rendered, stop strings held back, never half a UTF-8 sequence) and
ends with exactly one `GenerationDone`. Up to `ModelInfo.slots` sequences are decoded together
(continuous batching); the rest wait in a bounded queue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

from ggserve.domain import FinishReason, LengthLimit, Sampling, Timings, Usage
from ggserve.engine.kv_cache import KvCacheInfo


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What the service reports about a loaded model."""

    alias: str
    path: str
    architecture: str
    context_length: int
    train_context_length: int
    chat_template: str | None
    bos_token: str
    eos_token: str
    backend: str  # "cpu" or "cuda"
    gpu_layers: int
    slots: int = 1  # sequences decoded together (--parallel)
    kv_cache: KvCacheInfo = KvCacheInfo()  # noqa: RUF009 (frozen: one shared default is safe)


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """One sequence to generate.

    `max_tokens` is a ceiling, not a reservation: generation ends at it or when the context is
    full, whichever comes first (None: at the end of the context). `progress`: stream
    `PromptProgress` events while the prompt is evaluated.
    """

    request_id: str
    prompt_tokens: tuple[int, ...]
    max_tokens: int | None
    stop: tuple[str, ...] = ()
    sampling: Sampling = Sampling()  # noqa: RUF009 (frozen: sharing one default is safe)
    grammar: str | None = None  # GBNF text, already validated
    progress: bool = False


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """One generated token, travelling with the text it produced: its id (-1 where the engine
    has no vocabulary, as in replay). The place for per-token data such as log probabilities."""

    token: int


@dataclass(frozen=True, slots=True)
class TextDelta:
    """Text released by the engine (one step's, or several unread ones joined) and the records
    of the tokens that produced it (text held back by a stop string waits with its tokens)."""

    text: str
    records: tuple[TokenRecord, ...] = ()

    @property
    def tokens(self) -> int:
        """How many generated tokens this text stands for."""
        return len(self.records)


@dataclass(frozen=True, slots=True)
class PromptProgress:
    """Prompt evaluation so far (only for requests that ask for it): `processed` of `total`
    prompt tokens are in the KV cache, `cached` of them were found in the prefix cache."""

    total: int
    cached: int
    processed: int
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class GenerationDone:
    """The last event of a generation; `length_limit` is set when `finish_reason` is LENGTH."""

    finish_reason: FinishReason  # STOP, LENGTH or CANCELLED (TOOL_CALLS is decided by the service)
    usage: Usage
    timings: Timings
    matched_stop: str | None = None
    length_limit: LengthLimit | None = None


EngineEvent = PromptProgress | TextDelta | GenerationDone


@dataclass(frozen=True, slots=True)
class EngineStats:
    """A snapshot for metrics: sequences holding a slot or queued for one, and the KV cache.

    `kv_used` counts cells (tokens) held by every slot, running or not; `kv_cached` the part of
    it held by free slots (the prefix cache, evicted on demand); `kv_size` the cells in all.
    """

    running: int
    waiting: int
    slots: int = 1
    kv_used: int = 0
    kv_cached: int = 0
    kv_size: int = 0
    preemptions: int = 0
    drafted_tokens: int = 0  # speculation: tokens proposed and checked
    accepted_tokens: int = 0  # of those, the ones the model agreed with


class EventStream(Protocol):
    """The events of one generation: `TextDelta`s, then exactly one `GenerationDone`.

    `aclose()` before the end cancels the sequence (it stops at the next engine step) and returns
    once the engine has freed its slot; being cancelled while awaiting the next event does the
    same without waiting. Use it as `async with contextlib.aclosing(engine.generate(req)) as s`.
    """

    def __aiter__(self) -> AsyncIterator[EngineEvent]: ...

    async def __anext__(self) -> EngineEvent: ...

    async def aclose(self) -> None: ...


class EngineError(Exception):
    """Base of engine failures the service maps to gRPC status codes."""


class QueueFull(EngineError):  # noqa: N818 (names are API)
    """The admission queue is full (RESOURCE_EXHAUSTED)."""


class EngineClosed(EngineError):  # noqa: N818 (names are API)
    """The engine is draining or closed (UNAVAILABLE)."""


class EngineDied(EngineClosed):
    """The engine thread died; the process is going down to be restarted (UNAVAILABLE)."""


class EngineFailure(EngineError):  # noqa: N818 (names are API)
    """The engine thread failed (llama_decode error, unexpected exception): INTERNAL."""


class ModelLoadError(EngineError):
    """The model file is missing, not a GGUF, or llama.cpp could not load it (startup failure)."""


class GrammarError(EngineError):
    """A GBNF grammar or JSON Schema that cannot constrain generation (INVALID_ARGUMENT)."""


class KvCacheFull(EngineError):  # noqa: N818 (names are API)
    """A sequence could not continue although every other one had been preempted
    (RESOURCE_EXHAUSTED)."""

    def __init__(self, kv_size: int, held: int) -> None:
        super().__init__(
            f"the KV cache ({kv_size} cells) has no room to continue this sequence, which holds "
            f"{held} of them; retry, or start the server with a larger --n-ctx"
        )
        self.kv_size = kv_size
        self.held = held


class ContextOverflow(EngineError):  # noqa: N818 (names are API)
    """The prompt alone leaves no room in the context for a generated token (INVALID_ARGUMENT)."""

    def __init__(self, prompt_tokens: int, context_length: int) -> None:
        super().__init__(
            f"prompt is too long: {prompt_tokens} tokens, but the context holds {context_length} "
            "and must keep room for at least one generated token"
        )
        self.prompt_tokens = prompt_tokens
        self.context_length = context_length


class Engine(Protocol):
    """What the service needs from an inference engine."""

    @property
    def info(self) -> ModelInfo: ...

    def tokenize(self, text: str, *, add_bos: bool = False, special: bool = True) -> list[int]: ...

    def detokenize(self, tokens: list[int]) -> str: ...

    def validate_grammar(self, gbnf: str) -> None:
        """Raise `GrammarError` unless `gbnf` can constrain generation (any thread)."""
        ...

    def stats(self) -> EngineStats:
        """Sequences running and waiting, and KV-cache use (any thread)."""
        ...

    def generate(self, request: GenerationRequest) -> EventStream:
        """Stream one generation. Closing the iterator early (client cancel, deadline) cancels it:
        the sequence stops at the next engine step and its slot is freed.

        Raises at call time, before anything is queued: `ContextOverflow`, `GrammarError`,
        `QueueFull`, `EngineClosed`."""
        ...

    def drain(self) -> None:
        """Stop admitting: queued sequences end at once with `EngineClosed`; running ones go on."""
        ...

    def on_failure(self, callback: Callable[[BaseException], None]) -> None:
        """Call `callback` once, from the engine thread, if that thread dies (running and queued
        sequences have then already ended with `EngineDied`); at once if it is already dead."""
        ...

    async def close(self) -> None:
        """Stop admitting, end running sequences, free the model."""
        ...
