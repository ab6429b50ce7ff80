"""OpenAI `POST /v1/embeddings` over the core's Embed call.

`input` is a string, a list of strings, a token array or a list of token arrays (up to 2048
inputs, none empty). Vectors are unit length, as OpenAI's are (cosine similarity is then a dot
product). `encoding_format` "float" gives lists of numbers, "base64" the little-endian float32
bytes that the official SDKs decode (the Python SDK asks for base64 by default). `dimensions`
shortens vectors only for models trained for it (Matryoshka), which ggserve cannot tell from a
GGUF: it is accepted when it equals the model's own size and refused otherwise, naming it.
"""

from __future__ import annotations

import base64
import struct
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ggserve_client.errors import GgserveError
from ggserve_client.types import Embeddings
from ggserve_gateway.auth import auth_metadata
from ggserve_gateway.errors import HttpError
from ggserve_gateway.upstream import Upstream

MAX_INPUTS = 2048

Input = str | list[str] | list[int] | list[list[int]]


class EmbeddingRequest(BaseModel):
    """The body of `POST /v1/embeddings` (unknown fields, such as `user`, are ignored)."""

    model_config = ConfigDict(extra="ignore")

    input: Input
    model: str = ""
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(default=None, ge=1)


def inputs_of(value: Input) -> list[str | list[int]]:
    """The request's inputs, one per vector; 400 naming `input` for an empty one."""
    items: list[str | list[int]]
    if isinstance(value, str):
        items = [value]
    elif value and all(isinstance(v, int) for v in value):
        items = [[int(v) for v in value]]  # type: ignore[arg-type]  # one token array
    else:
        items = list(value)  # type: ignore[arg-type]
    if not items:
        raise HttpError.bad_request("input: give at least one input", param="input")
    if len(items) > MAX_INPUTS:
        raise HttpError.bad_request(
            f"input: {len(items)} inputs is over the limit of {MAX_INPUTS}", param="input"
        )
    for i, item in enumerate(items):
        if not item:
            raise HttpError.bad_request(f"input[{i}]: must not be empty", param="input")
    return items


def encode(vector: list[float], encoding_format: str) -> list[float] | str:
    """A vector as OpenAI sends it: numbers, or base64 of little-endian float32."""
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return vector


def response_body(result: Embeddings, encoding_format: str) -> dict[str, Any]:
    """OpenAI's embeddings response."""
    data = [
        {"object": "embedding", "index": i, "embedding": encode(vector, encoding_format)}
        for i, vector in enumerate(result.vectors)
    ]
    usage = {"prompt_tokens": result.prompt_tokens, "total_tokens": result.prompt_tokens}
    return {"object": "list", "data": data, "model": result.model, "usage": usage}


async def _check_dimensions(upstream: Upstream, body: EmbeddingRequest, metadata: Any) -> None:
    if body.dimensions is None:
        return
    model = await upstream.client.get_model(body.model, metadata=metadata)
    native = model.embedding_dimensions
    if native and body.dimensions == native:
        return
    what = f"its vectors have {native} dimensions" if native else "it is not loaded"
    raise HttpError.bad_request(
        f"dimensions: model {model.alias!r} cannot give {body.dimensions}-dimensional vectors "
        f"({what}, and shortening is only sound for models trained for it); leave dimensions "
        "out",
        param="dimensions",
    )


async def create_embeddings(request: Request) -> Response:
    """OpenAI `POST /v1/embeddings`."""
    try:
        body = EmbeddingRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise HttpError.from_validation(exc) from None
    items = inputs_of(body.input)
    upstream: Upstream = request.app.state.upstream
    metadata = auth_metadata(request.headers)
    try:
        await _check_dimensions(upstream, body, metadata)
        result = await upstream.client.embed(
            items, model=body.model, normalize=True, metadata=metadata
        )
    except GgserveError as exc:
        raise HttpError.from_upstream(exc) from None
    return JSONResponse(response_body(result, body.encoding_format))
