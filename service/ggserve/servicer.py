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

from ggserve import convert
from ggserve.errors import InvalidArgumentError
from ggserve.generation import complete_chat, prepare_chat_off_loop, stream_chat
from ggserve.limits import DEFAULT_LIMITS, Limits
from ggserve.registry import ModelRegistry
from ggserve.request_context import bind_request_id, current_request_id
from ggserve_client.v1 import api_pb2 as pb
from ggserve_client.v1 import api_pb2_grpc as pb_grpc

_Context = grpc.aio.ServicerContext[Any, Any]


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
        result = await complete_chat(self._models.get(chat.model), chat)
        return convert.chat_response(result)

    async def ChatStream(  # noqa: N802
        self, request: pb.ChatStreamRequest, context: _Context
    ) -> AsyncIterator[pb.ChatStreamResponse]:
        """Stream an assistant turn: deltas, then the final response."""
        chat = convert.wrapped_chat_request(
            request, default_request_id=current_request_id(), limits=self._limits
        )
        bind_request_id(chat.request_id)
        async for event in stream_chat(self._models.get(chat.model), chat):
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
        """One model by alias."""
        return convert.get_model_response(self._models.get(request.model), self._models)

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
        served = self._models.get(request.model)
        special = request.parse_special if request.HasField("parse_special") else True
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
        prepared = await prepare_chat_off_loop(
            self._models.get(chat.model), chat, check_budget=False
        )
        return convert.render_chat_response(prepared)
