"""Anthropic Messages (`POST /v1/messages`) on the shared serving loop, and token counting."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ggserve_client.types import ChatResult
from ggserve_gateway import anthropic_request, anthropic_response
from ggserve_gateway.anthropic_errors import error_body
from ggserve_gateway.anthropic_schema import CountTokensRequest, MessagesRequest
from ggserve_gateway.auth import auth_metadata
from ggserve_gateway.chat_api import ChatApi, ChatCall, Exchange
from ggserve_gateway.ids import new_id
from ggserve_gateway.serving import read_body, upstream_call, upstream_of


class _Message(Exchange):
    """One message; its id is the request's."""

    def __init__(self, body: MessagesRequest) -> None:
        messages, options = anthropic_request.chat_call(body)
        self._call = ChatCall(messages, options, body.stream)
        self._id = new_id("msg_")

    @property
    def call(self) -> ChatCall:
        return self._call

    def unary(self, result: ChatResult) -> dict[str, Any]:
        return anthropic_response.message(result, message_id=self._id)

    def writer(self, model: str) -> anthropic_response.EventWriter:
        return anthropic_response.EventWriter(self._id, model)


MESSAGES = ChatApi(MessagesRequest, _Message, error_body)
"""Anthropic's Messages API."""


async def count_tokens(request: Request) -> Response:
    """Anthropic `POST /v1/messages/count_tokens`: the rendered prompt's length."""
    body = await read_body(request, CountTokensRequest)
    chat, options = anthropic_request.count_call(body)
    client = upstream_of(request).client
    rendered = await upstream_call(
        client.render_chat(chat, metadata=auth_metadata(request.headers), **options)
    )
    return JSONResponse({"input_tokens": rendered.prompt_tokens})
