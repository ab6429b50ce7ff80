"""`ReplayEngine`: the Engine Protocol without a model, replaying scripted text pieces.

Used by server tests and by benchmarks that measure the service's own overhead. It runs on the
same `Scheduler` and `ThreadedEngine` base as `LlamaEngine`, so admission (`QueueFull`),
cancellation, stop strings, `max_tokens`, `ContextOverflow` and shutdown behave identically; each
scripted piece counts as one token (its record's id is -1) and one engine step. Prompt tokens are
UTF-8 bytes, so `tokenize`/`detokenize` round-trip.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ggserve.engine.base import GenerationRequest, GrammarError, ModelInfo, TokenRecord
from ggserve.engine.generation import Generation, StepOutput
from ggserve.engine.scheduler import KvUsage, Scheduler
from ggserve.engine.threaded import ThreadedEngine

Script = Sequence[str] | Callable[[GenerationRequest], Sequence[str]]

_GBNF_ROOT = re.compile(r"^\s*root\s*::=", re.MULTILINE)
_PIECE = (TokenRecord(-1),)  # each scripted piece is one token of no vocabulary


@dataclass(slots=True)
class _Playback:
    gen: Generation
    pieces: Sequence[str]
    position: int = 0


class ReplayBackend:
    """`Backend` that emits one scripted piece per step, optionally after a delay."""

    n_slots = 1

    def __init__(self, script: Script, piece_delay_s: float) -> None:
        self._script = script
        self._delay = piece_delay_s
        self._playing: _Playback | None = None
        self._closed = threading.Event()  # lets a pending delay end early on close

    def can_admit(self, gen: Generation, admitting: int) -> bool:
        return True  # no KV cache: the one slot is the only limit

    def admission_cells(self, gen: Generation) -> int:
        return 0

    def kv_usage(self) -> KvUsage:
        return KvUsage()

    def start(self, gen: Generation) -> int:
        script = self._script
        pieces = script(gen.request) if callable(script) else script
        self._playing = _Playback(gen, pieces)
        return 0

    def step(self, gens: list[Generation]) -> list[StepOutput]:
        playing = self._playing
        if playing is None or [playing.gen] != gens:
            raise RuntimeError("the replay backend has one slot; the scheduler asked for another")
        if playing.position >= len(playing.pieces):
            return [StepOutput(end=True)]
        if self._delay > 0:
            self._closed.wait(self._delay)
        piece = playing.pieces[playing.position]
        playing.position += 1
        return [StepOutput(text=piece, records=_PIECE)]

    def release(self, gen: Generation) -> str:
        if self._playing is not None and self._playing.gen is gen:
            self._playing = None
        return ""

    def reset(self) -> None:
        self._playing = None

    def close(self) -> None:
        self._closed.set()
        self._playing = None


class ReplayEngine(ThreadedEngine):
    """Replays `script` (a list of pieces, or a function of the request) for every request."""

    def __init__(
        self,
        script: Script = ("Hello", ",", " world", "!"),
        *,
        alias: str = "replay",
        piece_delay_s: float = 0.0,
        n_ctx: int = 4096,
        queue_size: int = 16,
        chat_template: str | None = None,
    ) -> None:
        self._info = ModelInfo(
            alias=alias,
            path="replay://" + alias,
            architecture="replay",
            context_length=n_ctx,
            train_context_length=n_ctx,
            chat_template=chat_template,
            bos_token="",
            eos_token="",
            backend="cpu",
            gpu_layers=0,
        )
        self._scheduler = Scheduler(
            lambda: ReplayBackend(script, piece_delay_s),
            queue_size=queue_size,
            name=f"replay-{alias}",
        )
        self._scheduler.start()

    def tokenize(self, text: str, *, add_bos: bool = False, special: bool = True) -> list[int]:
        """One token per UTF-8 byte (`add_bos` and `special` have nothing to act on)."""
        return list(text.encode("utf-8"))

    def detokenize(self, tokens: list[int]) -> str:
        """Inverse of `tokenize`."""
        return bytes(tokens).decode("utf-8", errors="replace")

    def validate_grammar(self, gbnf: str) -> None:
        """Without a vocabulary only the shape is checked: a GBNF grammar defines `root`."""
        if not _GBNF_ROOT.search(gbnf):
            raise GrammarError("invalid GBNF grammar: no `root ::=` rule")
