"""Protobuf ⇄ domain conversion of the Embed call (the chat and model messages are in convert)."""

from __future__ import annotations

from ggserve.embeddings import MAX_INPUTS, EmbedRequest, EmbedResult
from ggserve.errors import InvalidArgumentError
from ggserve_client.v1 import api_pb2 as pb


def _input(index: int, item: pb.EmbedInput) -> str | tuple[int, ...]:
    kind = item.WhichOneof("input")
    if kind == "text":
        return item.text
    if kind == "tokens":
        if not item.tokens.ids:
            raise InvalidArgumentError.field(f"inputs[{index}].tokens", "has no token ids")
        return tuple(item.tokens.ids)
    raise InvalidArgumentError.field(f"inputs[{index}]", "set text or tokens")


def embed_request(request: pb.EmbedRequest, *, default_request_id: str) -> EmbedRequest:
    """A validated `EmbedRequest`; INVALID_ARGUMENT naming the field otherwise."""
    if not request.inputs:
        raise InvalidArgumentError.field("inputs", "give at least one input")
    if len(request.inputs) > MAX_INPUTS:
        raise InvalidArgumentError.field(
            "inputs", f"{len(request.inputs)} inputs is over the limit of {MAX_INPUTS}"
        )
    return EmbedRequest(
        model=request.model,
        inputs=tuple(_input(i, item) for i, item in enumerate(request.inputs)),
        normalize=request.normalize,
        request_id=request.request_id or default_request_id,
    )


def embed_response(result: EmbedResult) -> pb.EmbedResponse:
    """The vectors, in input order, with token counts."""
    return pb.EmbedResponse(
        model=result.model,
        prompt_tokens=result.prompt_tokens,
        embeddings=[
            pb.Embedding(values=vector, tokens=tokens)
            for vector, tokens in zip(result.vectors, result.tokens, strict=True)
        ],
    )
