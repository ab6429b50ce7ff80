"""A stand-in for `LoadedModel` under `LlamaBackend`, for planning and KV-cache tests.

A fake, not the real model, because these tests need what the real one cannot give on a CPU in
milliseconds: exact control of the KV cache's size and of the next token. It keeps llama.cpp's
contracts that the backend relies on: a batch is at most `n_batch` tokens; each sequence's
positions follow on from what it holds; `decode` answers `DECODE_NO_KV_SPACE` (changing
nothing) when the cells are all taken; logits exist only at the rows a span asked for. Its
"model" counts: the token after `t` is `t + 1`, and `EOG` ends generation once the count
reaches it. Token `t` renders as one letter, so text and tokens can be compared one to one.
"""

from __future__ import annotations

import string
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ggserve.domain import Sampling
from ggserve.engine.base import ModelInfo
from ggserve.engine.llama_backend import LlamaBackend
from ggserve.engine.model import DECODE_NO_KV_SPACE, DECODE_OK, Span
from ggserve.engine.ngram import DraftOptions
from ggserve.engine.sampler import SamplingDefaults
from ggserve.engine.scheduler import Scheduler
from ggserve.engine.threaded import ThreadedEngine

EOG = 1000


def piece(token: int) -> str:
    """The text of `token`: one letter."""
    return string.ascii_letters[token % len(string.ascii_letters)]


class _Pieces:
    def piece(self, token: int) -> bytes:
        return piece(token).encode()


@dataclass
class FakeModel:
    """The KV cache (`cells`: tokens per sequence id, positions 0…) and a counting model.

    `capacity`: cells llama.cpp really has (default `n_ctx`; smaller makes a lone sequence
    run out). `batches`: every decoded batch, for assertions on the plans.
    """

    n_ctx: int = 64
    n_batch: int = 16
    n_seq_max: int = 2
    capacity: int | None = None
    delay_s: float = 0.0  # per decode: lets a test act while a prompt is being read
    cells: dict[int, list[int]] = field(default_factory=dict)
    batches: list[list[Span]] = field(default_factory=list)
    _rows: dict[int, list[int]] = field(default_factory=dict)  # logits row → history so far

    def __post_init__(self) -> None:
        self.cells = {seq_id: [] for seq_id in range(self.n_seq_max)}

    def decode(self, spans: Sequence[Span]) -> int:
        tokens = sum(len(span.tokens) for span in spans)
        assert 0 < tokens <= self.n_batch, f"a batch of {tokens} tokens (n_batch {self.n_batch})"
        used = sum(len(held) for held in self.cells.values())
        if used + tokens > (self.capacity or self.n_ctx):
            return DECODE_NO_KV_SPACE
        self._rows = {}
        row = 0
        for span in spans:
            held = self.cells[span.seq_id]
            assert span.start == len(held), (
                f"seq {span.seq_id}: position {span.start} after {len(held)}"
            )
            held += span.tokens
            for offset in span.logits:
                self._rows[row + offset] = held[: span.start + offset + 1]
            row += len(span.tokens)
        self.batches.append(list(spans))
        time.sleep(self.delay_s)
        return DECODE_OK

    def next_token(self, row: int) -> int:
        """The counting model's choice at a batch row that has logits."""
        assert row in self._rows, f"row {row} has no logits"
        return self._rows[row][-1] + 1

    def seq_rm(self, seq_id: int, start: int = 0, end: int = -1) -> bool:
        assert end == -1
        del self.cells[seq_id][start:]
        return True

    def seq_cp(self, src: int, dst: int, start: int, end: int) -> None:
        self.cells[dst] = self.cells[src][start:end]

    def seq_pos_max(self, seq_id: int) -> int:
        return len(self.cells[seq_id]) - 1

    def is_eog(self, token: int) -> bool:
        return token >= EOG

    def pieces(self) -> _Pieces:
        return _Pieces()

    def new_sampler(
        self, sampling: Sampling, *, grammar: str | None, defaults: SamplingDefaults
    ) -> FakeSampler:
        return FakeSampler(self)

    def clear(self) -> None:
        for held in self.cells.values():
            held.clear()

    def close(self) -> None:
        pass


class FakeSampler:
    """Greedy over the counting model."""

    def __init__(self, model: FakeModel) -> None:
        self._model = model
        self.closed = False

    def sample(self, row: int) -> int | None:
        return self._model.next_token(row)

    def close(self) -> None:
        self.closed = True


def backend(model: FakeModel, drafting: DraftOptions | None = None) -> LlamaBackend:
    """`LlamaBackend` over `model`."""
    return LlamaBackend(model, SamplingDefaults(), drafting)


class FakeEngine(ThreadedEngine):
    """The real scheduler and `LlamaBackend` over a `FakeModel`."""

    def __init__(
        self, model: FakeModel, *, queue_size: int = 4, drafting: DraftOptions | None = None
    ) -> None:
        self.model = model
        self._info = ModelInfo(
            alias="fake", path="fake://", architecture="fake", context_length=model.n_ctx,
            train_context_length=model.n_ctx, chat_template=None, bos_token="", eos_token="",
            backend="cpu", gpu_layers=0, slots=model.n_seq_max,
        )  # fmt: skip
        self._scheduler = Scheduler(
            lambda: backend(model, drafting), queue_size=queue_size, name="fake"
        )
        started = self._scheduler.start()
        assert isinstance(started, LlamaBackend)
        self.backend = started

    def validate_grammar(self, gbnf: str) -> None:
        """Grammars are not modelled."""
