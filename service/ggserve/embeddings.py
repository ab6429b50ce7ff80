"""The Embed pipeline: tokenize the inputs, check them against the model, pool them into vectors.

Texts are tokenized with the model's own framing (BERT's [CLS] … [SEP]) on a worker thread, so
a large batch never pauses other streams on the event loop; token-id inputs are embedded as
given after a vocabulary check (an id outside it would crash llama.cpp). An input longer than the
model's context is refused with INVALID_ARGUMENT naming its index, before anything is queued.
The engine's admission queue (`QueueFull` → RESOURCE_EXHAUSTED) is the chat engines' bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from ggserve.engine.base import EngineError
from ggserve.errors import (
    FailedPreconditionError,
    InvalidArgumentError,
    check_prompt_chars,
    from_engine_error,
)
from ggserve.metrics import EMBEDDING_INPUTS, EMBEDDING_TOKENS
from ggserve.registry import Embedder, ServedModel

MAX_INPUTS = 2048  # inputs per request, as OpenAI's embeddings API allows


@dataclass(frozen=True, slots=True)
class EmbedRequest:
    """A validated Embed call: each input is a text or a tuple of token ids."""

    model: str
    inputs: tuple[str | tuple[int, ...], ...]
    normalize: bool
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class EmbedResult:
    """One vector per input, in order, and each input's token count."""

    model: str
    vectors: list[list[float]]
    tokens: list[int]

    @property
    def prompt_tokens(self) -> int:
        """Tokens of all inputs together."""
        return sum(self.tokens)


def embedder_of(model: ServedModel) -> Embedder:
    """The model's embedder; FAILED_PRECONDITION for a chat model."""
    if model.embedder is None:
        raise FailedPreconditionError(
            f"model {model.alias!r} is a chat model; Embed needs an embedding model (one whose "
            "GGUF pools, such as a BERT, or one set `embeddings = true` in models.toml)",
            reason="NOT_AN_EMBEDDING_MODEL",
            metadata={"model": model.alias},
        )
    return model.embedder


def _tokens(model: ServedModel, index: int, item: str | tuple[int, ...]) -> list[int]:
    engine = model.engine
    context = engine.info.context_length
    field = f"inputs[{index}]"
    if isinstance(item, str):
        try:
            check_prompt_chars(len(item), context)
        except InvalidArgumentError as exc:
            raise InvalidArgumentError.field(field, exc.message) from exc
        tokens = engine.tokenize(item, add_bos=True, special=False)
    else:
        tokens = list(item)
        vocab: int | None = getattr(model.embedder, "vocab_size", None)
        bad = [t for t in tokens if vocab is not None and t >= vocab]
        if bad and vocab is not None:
            raise InvalidArgumentError.field(
                f"{field}.tokens", f"token id {bad[0]} is not in the vocabulary (0-{vocab - 1})"
            )
    if len(tokens) > context:
        raise InvalidArgumentError(
            f"{field}: {len(tokens)} tokens, more than the {context} the model can embed at "
            "once; shorten or split this input",
            reason="CONTEXT_LENGTH_EXCEEDED",
            metadata={"input": str(index), "tokens": str(len(tokens)), "n_ctx": str(context)},
        )
    return tokens


def tokenize_inputs(model: ServedModel, inputs: Sequence[str | tuple[int, ...]]) -> list[list[int]]:
    """Every input's tokens; INVALID_ARGUMENT naming the first input that cannot be embedded."""
    return [_tokens(model, i, item) for i, item in enumerate(inputs)]


async def embed(model: ServedModel, request: EmbedRequest) -> EmbedResult:
    """The vectors of `request`'s inputs from `model`."""
    embedder = embedder_of(model)
    tokens = await asyncio.to_thread(tokenize_inputs, model, request.inputs)
    try:
        vectors = await embedder.embed(tokens, normalize=request.normalize)
    except EngineError as exc:
        raise from_engine_error(exc) from exc
    EMBEDDING_INPUTS.labels(model.alias).inc(len(tokens))
    EMBEDDING_TOKENS.labels(model.alias).inc(sum(len(t) for t in tokens))
    return EmbedResult(model.alias, vectors, [len(t) for t in tokens])
