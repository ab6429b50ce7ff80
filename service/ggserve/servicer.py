"""The gRPC servicers: convert the request, call the pipeline, convert the result. Nothing else.

Errors are raised as `ServiceError`s and turned into status codes by the interceptor; a client
cancel or deadline cancels the handler task, and closing the pipeline's iterator frees the
engine sequence.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc

from ggserve import convert, convert_embeddings, embeddings
from ggserve.errors import FailedPreconditionError, InvalidArgumentError
from ggserve.generation import complete_chat, prepare_chat_off_loop, stream_chat
from ggserve.limits import DEFAULT_LIMITS, Limits
from ggserve.registry import ModelRegistry, ServedModel
from ggserve.request_context import bind_request_id, current_request_id
from ggserve_client.v1 import api_pb2 as pb
from ggserve_client.v1 import api_pb2_grpc as pb_grpc

_Context = grpc.aio.ServicerContext[Any, Any]


def _chat_model(served: ServedModel) -> ServedModel:
    """`served`, unless it is an embedding model (FAILED_PRECONDITION)."""
    if served.embedder is not None:
        raise FailedPreconditionError(
            f"model {served.alias!r} is an embedding model; it does not chat (use Embed)",
            reason="NOT_A_CHAT_MODEL",
            metadata={"model": served.alias},
        )
    return served


class ChatServicer(pb_grpc.ChatServiceServicer):
    """`ggserve.v1.ChatService`: chat completions, whole or streamed."""

    def __init__(self, models: ModelRegistry, limits: Limits = DEFAULT_LIMITS) -> None:
        self._models = models
        self._limits = limits

    async def Chat(  # noqa: N802 (the generated base names the methods)
        self, request: pb.ChatRequest, context: _Context
    ) -> pb.ChatResponse:
        """Generate a whole assistant turn."""
        chat = convert.chat_request(
            request, default_request_id=current_request_id(), limits=self._limits
        )
        bind_request_id(chat.request_id)
        async with self._models.use(chat.model) as served:
            result = await complete_chat(_chat_model(served), chat)
        return convert.chat_response(result)

    async def ChatStream(  # noqa: N802
        self, request: pb.ChatStreamRequest, context: _Context
    ) -> AsyncIterator[pb.ChatStreamResponse]:
        """Stream an assistant turn: deltas, then the final response."""
        chat = convert.wrapped_chat_request(
            request, default_request_id=current_request_id(), limits=self._limits
        )
        bind_request_id(chat.request_id)
        async with self._models.use(chat.model) as served:
            async for event in stream_chat(_chat_model(served), chat):
                yield convert.stream_response(event)


class ModelServicer(pb_grpc.ModelServiceServicer):
    """`ggserve.v1.ModelService`: what is served, its tokenizer and chat template."""

    def __init__(self, models: ModelRegistry, limits: Limits = DEFAULT_LIMITS) -> None:
        self._models = models
        self._limits = limits

    async def ListModels(  # noqa: N802
        self, request: pb.ListModelsRequest, context: _Context
    ) -> pb.ListModelsResponse:
        """Every served model, the default first."""
        return convert.list_models_response(self._models)

    async def GetModel(  # noqa: N802
        self, request: pb.GetModelRequest, context: _Context
    ) -> pb.GetModelResponse:
        """One model by alias (not loaded by asking)."""
        return convert.get_model_response(self._models.entry(request.model), self._models)

    async def Tokenize(  # noqa: N802
        self, request: pb.TokenizeRequest, context: _Context
    ) -> pb.TokenizeResponse:
        """Token ids of a text."""
        if len(request.text) > self._limits.max_tokenize_chars:
            raise InvalidArgumentError.field(
                "text",
                f"{len(request.text)} characters is over the limit of "
                f"{self._limits.max_tokenize_chars}",
            )
        special = request.parse_special if request.HasField("parse_special") else True
        async with self._models.use(request.model) as served:
            tokens = await asyncio.to_thread(  # a long text would pause every stream on the loop
                served.engine.tokenize, request.text, add_bos=request.add_bos, special=special
            )
        return convert.tokenize_response(tokens)

    async def RenderChat(  # noqa: N802
        self, request: pb.RenderChatRequest, context: _Context
    ) -> pb.RenderChatResponse:
        """The prompt a chat request produces, without generating."""
        chat = convert.wrapped_chat_request(
            request, default_request_id=current_request_id(), limits=self._limits
        )
        async with self._models.use(chat.model) as served:
            prepared = await prepare_chat_off_loop(_chat_model(served), chat, check_budget=False)
        return convert.render_chat_response(prepared)

    async def LoadModel(  # noqa: N802
        self, request: pb.LoadModelRequest, context: _Context
    ) -> pb.LoadModelResponse:
        """Load a model now and wait for it (admin)."""
        entry = await self._models.load(request.model)
        return pb.LoadModelResponse(model=convert.model(entry, self._models))

    async def UnloadModel(  # noqa: N802
        self, request: pb.UnloadModelRequest, context: _Context
    ) -> pb.UnloadModelResponse:
        """Unload a model once its running requests are done (admin)."""
        entry = await self._models.unload(request.model)
        return pb.UnloadModelResponse(model=convert.model(entry, self._models))


class EmbeddingServicer(pb_grpc.EmbeddingServiceServicer):
    """`ggserve.v1.EmbeddingService`: vectors of texts from an embedding model."""

    def __init__(self, models: ModelRegistry) -> None:
        self._models = models

    async def Embed(  # noqa: N802
        self, request: pb.EmbedRequest, context: _Context
    ) -> pb.EmbedResponse:
        """One vector per input."""
        embed = convert_embeddings.embed_request(request, default_request_id=current_request_id())
        bind_request_id(embed.request_id)
        async with self._models.use(embed.model) as served:
            result = await embeddings.embed(served, embed)
        return convert_embeddings.embed_response(result)
