"""What one chat API provides to the shared serving loop (`serving.chat_endpoint`).

An API is a `ChatApi` (one per application): the pydantic `schema` that validates a body, and
a callable that opens an `Exchange` per request (a bound method of an object that holds the
API's state, such as stored responses, where it has any). The exchange says which core call to
make and renders the answer: a JSON object for a unary call, or a `StreamWriter` for a streamed
one. Errors are written by `ChatApi.error_body`
(HTTP responses) and `StreamWriter.error` (after a stream began), each in the API's own shape.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from ggserve_client.request import ChatOptions
from ggserve_client.types import ChatResult, Message
from ggserve_gateway.calls import GatedEvent
from ggserve_gateway.errors import HttpError

B = TypeVar("B", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ChatCall:
    """One `ggserve_client` chat call: the conversation, its options, and whether to stream."""

    messages: list[Message]
    options: ChatOptions
    stream: bool


class StreamWriter(Protocol):
    """Encodes one streamed answer as SSE bytes, in the order the serving loop calls it:
    `start` once, then `event` per upstream event (the last is `ChatDone`), with `keep_alive`
    between events while the core is silent and `error` if the stream fails after it began."""

    def start(self) -> bytes:
        """What the response opens with (OpenAI's role chunk, Anthropic's `message_start`)."""
        ...

    def event(self, event: GatedEvent) -> list[bytes]:
        """The events one upstream event becomes (the serving loop writes them at once)."""
        ...

    def keep_alive(self) -> bytes:
        """An event that keeps an idle connection open and changes nothing for the reader."""
        ...

    def error(self, error: HttpError) -> bytes:
        """The in-stream error event (the HTTP status is already sent)."""
        ...


class Exchange(ABC):
    """One request through one API: the call it makes and how its answer is written."""

    @property
    @abstractmethod
    def call(self) -> ChatCall:
        """The core call."""

    @abstractmethod
    def unary(self, result: ChatResult) -> dict[str, Any]:
        """The JSON body answering a call with `stream` false."""

    @abstractmethod
    def writer(self, model: str) -> StreamWriter:
        """The writer of a streamed answer; `model` is the alias that serves it."""


@dataclass(frozen=True, slots=True)
class ChatApi(Generic[B]):
    """One chat API: its request schema, how a validated body opens an exchange (`HttpError`
    for what it cannot serve; a bound method where the API keeps state), and its error shape."""

    schema: type[B]
    exchange: Callable[[B], Exchange]
    error_body: Callable[[HttpError], dict[str, Any]]
