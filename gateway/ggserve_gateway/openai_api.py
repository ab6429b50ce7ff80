"""OpenAI Chat Completions (`POST /v1/chat/completions`) on the shared serving loop."""

from __future__ import annotations

import time
from typing import Any

from ggserve_client.types import ChatResult
from ggserve_gateway import openai_request, openai_response
from ggserve_gateway.chat_api import ChatApi, ChatCall, Exchange
from ggserve_gateway.ids import new_id
from ggserve_gateway.openai_errors import error_body
from ggserve_gateway.openai_schema import ChatCompletionRequest


class _Completion(Exchange):
    """One chat completion: its id and creation time are the request's."""

    def __init__(self, body: ChatCompletionRequest) -> None:
        messages, options = openai_request.chat_call(body)
        self._call = ChatCall(messages, options, body.stream)
        self._include_usage = body.stream_options is not None and body.stream_options.include_usage
        self._id, self._created = new_id("chatcmpl-"), int(time.time())

    @property
    def call(self) -> ChatCall:
        return self._call

    def unary(self, result: ChatResult) -> dict[str, Any]:
        return openai_response.completion(result, completion_id=self._id, created=self._created)

    def writer(self, model: str) -> openai_response.ChunkWriter:
        return openai_response.ChunkWriter(self._id, self._created, model, self._include_usage)


CHAT_COMPLETIONS = ChatApi(ChatCompletionRequest, _Completion, error_body)
"""OpenAI's Chat Completions API."""
