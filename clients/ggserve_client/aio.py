"""`AsyncClient`: the asyncio client of a ggserve server (grpc.aio)."""

# `timeout` is the gRPC deadline, sent to the server (which stops generating when it passes);
# asyncio.timeout() would only cancel locally, so ASYNC109 does not apply.
# ruff: noqa: ASYNC109

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from types import TracebackType
from typing import Unpack

import grpc

from ggserve_client import convert
from ggserve_client.channel import DEFAULT_TARGET, ChannelConfig, aio_channel
from ggserve_client.errors import from_rpc_error
from ggserve_client.request import ChatOptions, Prompt, Req, Resp, build_request, embed_request
from ggserve_client.types import (
    ChatResult,
    Embeddings,
    Metadata,
    Model,
    RenderedChat,
    StreamEvent,
)
from ggserve_client.v1 import api_pb2 as pb
from ggserve_client.v1 import api_pb2_grpc as pb_grpc


class AsyncClient:
    """Calls a ggserve server from asyncio; use as `async with AsyncClient(target) as client:`.

    Every call takes `timeout` (seconds, the call's deadline; None: the client default, which
    is no deadline unless given here) and `metadata` (extra gRPC headers for that call, e.g.
    `[("authorization", "Bearer TOKEN")]`). Failures raise `ggserve_client.errors.GgserveError`
    subclasses.
    """

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        config: ChannelConfig | None = None,
        timeout: float | None = None,
    ) -> None:
        self.target = target
        self.timeout = timeout
        self._channel = aio_channel(target, config or ChannelConfig())
        self._chat = pb_grpc.ChatServiceStub(self._channel)
        self._models = pb_grpc.ModelServiceStub(self._channel)
        self._embeddings = pb_grpc.EmbeddingServiceStub(self._channel)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the channel (cancels calls still running)."""
        await self._channel.close()

    def _deadline(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    async def _unary(
        self,
        method: grpc.aio.UnaryUnaryMultiCallable[Req, Resp],
        request: Req,
        timeout: float | None,
        metadata: Metadata | None,
    ) -> Resp:
        """One unary call under this client's deadline; a gRPC error raises `GgserveError`."""
        try:
            return await method(request, timeout=self._deadline(timeout), metadata=metadata)
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from None

    async def chat(
        self,
        prompt: Prompt,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
        **options: Unpack[ChatOptions],
    ) -> ChatResult:
        """Generate a whole assistant turn (unary `Chat`)."""
        request = build_request(prompt, options)
        return convert.chat_result(await self._unary(self._chat.Chat, request, timeout, metadata))

    async def chat_stream(
        self,
        prompt: Prompt,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
        **options: Unpack[ChatOptions],
    ) -> AsyncGenerator[StreamEvent]:
        """Stream an assistant turn: `ChatStarted` once the server admits the request,
        `PromptProgress` while it evaluates the prompt, deltas, then one `ChatDone` with the
        whole result. Errors found before admission raise before any event.

        Leaving the loop early (break, exception, task cancellation) cancels the call, which
        stops generation on the server at its next step.
        """
        request = pb.ChatStreamRequest(request=build_request(prompt, options))
        call = self._chat.ChatStream(request, timeout=self._deadline(timeout), metadata=metadata)
        try:
            async for response in call:
                for event in convert.stream_events(response):
                    yield event
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from None
        finally:
            call.cancel()

    async def render_chat(
        self,
        prompt: Prompt,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
        **options: Unpack[ChatOptions],
    ) -> RenderedChat:
        """The exact prompt (and its token count) a chat request would be given; no generation."""
        request = pb.RenderChatRequest(request=build_request(prompt, options))
        response = await self._unary(self._models.RenderChat, request, timeout, metadata)
        return convert.rendered_chat(response)

    async def list_models(
        self, *, timeout: float | None = None, metadata: Metadata | None = None
    ) -> list[Model]:
        """Every served model, the default first."""
        request = pb.ListModelsRequest()
        response = await self._unary(self._models.ListModels, request, timeout, metadata)
        return [convert.model(m) for m in response.models]

    async def get_model(
        self, model: str = "", *, timeout: float | None = None, metadata: Metadata | None = None
    ) -> Model:
        """One model by alias (empty: the default model)."""
        request = pb.GetModelRequest(model=model)
        response = await self._unary(self._models.GetModel, request, timeout, metadata)
        return convert.model(response.model)

    async def tokenize(
        self,
        text: str,
        *,
        model: str = "",
        add_bos: bool = False,
        parse_special: bool = True,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> list[int]:
        """The model's token ids for `text`."""
        request = pb.TokenizeRequest(
            model=model, text=text, add_bos=add_bos, parse_special=parse_special
        )
        response = await self._unary(self._models.Tokenize, request, timeout, metadata)
        return list(response.token_ids)

    async def embed(
        self,
        inputs: str | Sequence[str | Sequence[int]],
        *,
        model: str = "",
        normalize: bool = False,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> Embeddings:
        """The vectors of `inputs` (a text, or texts and token-id lists), one per input in
        order, from an embedding model; `normalize` scales each to unit length."""
        request = embed_request(inputs, model=model, normalize=normalize)
        response = await self._unary(self._embeddings.Embed, request, timeout, metadata)
        return convert.embeddings(response)

    async def load_model(
        self, model: str = "", *, timeout: float | None = None, metadata: Metadata | None = None
    ) -> Model:
        """Load a model now and wait until it is loaded (an admin call)."""
        request = pb.LoadModelRequest(model=model)
        response = await self._unary(self._models.LoadModel, request, timeout, metadata)
        return convert.model(response.model)

    async def unload_model(
        self, model: str = "", *, timeout: float | None = None, metadata: Metadata | None = None
    ) -> Model:
        """Unload a model once its running requests are done (an admin call); the next
        request for it loads it again."""
        request = pb.UnloadModelRequest(model=model)
        response = await self._unary(self._models.UnloadModel, request, timeout, metadata)
        return convert.model(response.model)
