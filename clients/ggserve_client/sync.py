"""`Client`: the blocking client of a ggserve server."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Unpack

import grpc

from ggserve_client import convert
from ggserve_client.channel import DEFAULT_TARGET, ChannelConfig, sync_channel
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


def _metadata(metadata: Metadata | None) -> tuple[tuple[str, str], ...] | None:
    return tuple(metadata) if metadata is not None else None


class Client:
    """Calls a ggserve server, blocking; use as `with Client(target) as client:`.

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
        self._channel = sync_channel(target, config or ChannelConfig())
        self._chat = pb_grpc.ChatServiceStub(self._channel)
        self._models = pb_grpc.ModelServiceStub(self._channel)
        self._embeddings = pb_grpc.EmbeddingServiceStub(self._channel)

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the channel (cancels calls still running)."""
        self._channel.close()

    def _deadline(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    def _unary(
        self,
        method: grpc.UnaryUnaryMultiCallable[Req, Resp],
        request: Req,
        timeout: float | None,
        metadata: Metadata | None,
    ) -> Resp:
        """One unary call under this client's deadline; a gRPC error raises `GgserveError`."""
        try:
            return method(request, timeout=self._deadline(timeout), metadata=_metadata(metadata))
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from None

    def chat(
        self,
        prompt: Prompt,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
        **options: Unpack[ChatOptions],
    ) -> ChatResult:
        """Generate a whole assistant turn (unary `Chat`)."""
        request = build_request(prompt, options)
        return convert.chat_result(self._unary(self._chat.Chat, request, timeout, metadata))

    def chat_stream(
        self,
        prompt: Prompt,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
        **options: Unpack[ChatOptions],
    ) -> Iterator[StreamEvent]:
        """Stream an assistant turn: `ChatStarted` once the server admits the request,
        `PromptProgress` while it evaluates the prompt, deltas, then one `ChatDone` with the
        whole result. Errors found before admission raise before any event.

        Closing the iterator early (break, exception) cancels the call, which stops generation
        on the server at its next step.
        """
        request = pb.ChatStreamRequest(request=build_request(prompt, options))
        call = self._chat.ChatStream(
            request, timeout=self._deadline(timeout), metadata=_metadata(metadata)
        )
        try:
            for response in call:
                yield from convert.stream_events(response)
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from None
        finally:
            call.cancel()

    def render_chat(
        self,
        prompt: Prompt,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
        **options: Unpack[ChatOptions],
    ) -> RenderedChat:
        """The exact prompt (and its token count) a chat request would be given; no generation."""
        request = pb.RenderChatRequest(request=build_request(prompt, options))
        response = self._unary(self._models.RenderChat, request, timeout, metadata)
        return convert.rendered_chat(response)

    def list_models(
        self, *, timeout: float | None = None, metadata: Metadata | None = None
    ) -> list[Model]:
        """Every served model, the default first."""
        request = pb.ListModelsRequest()
        response = self._unary(self._models.ListModels, request, timeout, metadata)
        return [convert.model(m) for m in response.models]

    def get_model(
        self, model: str = "", *, timeout: float | None = None, metadata: Metadata | None = None
    ) -> Model:
        """One model by alias (empty: the default model)."""
        request = pb.GetModelRequest(model=model)
        response = self._unary(self._models.GetModel, request, timeout, metadata)
        return convert.model(response.model)

    def tokenize(
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
        response = self._unary(self._models.Tokenize, request, timeout, metadata)
        return list(response.token_ids)

    def embed(
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
        response = self._unary(self._embeddings.Embed, request, timeout, metadata)
        return convert.embeddings(response)

    def load_model(
        self, model: str = "", *, timeout: float | None = None, metadata: Metadata | None = None
    ) -> Model:
        """Load a model now and wait until it is loaded (an admin call)."""
        request = pb.LoadModelRequest(model=model)
        response = self._unary(self._models.LoadModel, request, timeout, metadata)
        return convert.model(response.model)

    def unload_model(
        self, model: str = "", *, timeout: float | None = None, metadata: Metadata | None = None
    ) -> Model:
        """Unload a model once its running requests are done (an admin call); the next
        request for it loads it again."""
        request = pb.UnloadModelRequest(model=model)
        response = self._unary(self._models.UnloadModel, request, timeout, metadata)
        return convert.model(response.model)
