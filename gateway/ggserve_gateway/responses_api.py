"""OpenAI Responses (`POST /v1/responses`) on the shared serving loop, and its stored state.

`Responses` owns one application's `ResponseStore`: its `exchange` opens a request (continuing
a stored conversation for `previous_response_id`, 404 if it is unknown or evicted) and stores
the answer when the request says `store` (the default); `retrieve`, `delete` and `input_items`
serve `GET`/`DELETE /v1/responses/{id}` and `GET /v1/responses/{id}/input_items`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ggserve_client.types import ChatResult, Message, Role
from ggserve_gateway import responses_request, responses_response
from ggserve_gateway.chat_api import ChatApi, ChatCall, Exchange
from ggserve_gateway.errors import ErrorKind, HttpError
from ggserve_gateway.ids import new_id
from ggserve_gateway.responses_response import Envelope, ResponsesWriter
from ggserve_gateway.responses_schema import InputItem, ResponsesRequest
from ggserve_gateway.responses_store import ResponseStore, StoredResponse
from ggserve_gateway.responses_tools import ToolMap

_ITEM_PREFIXES = {
    "message": "msg_",
    "reasoning": "rs_",
    "function_call": "fc_",
    "custom_tool_call": "ctc_",
    "local_shell_call": "lsh_",
}
_MAX_PAGE = 100
_DEFAULT_PAGE = 20


def _stored_item(item: InputItem) -> dict[str, Any]:
    """An input item as `input_items` lists it: with an id, a status and content parts."""
    data = item.model_dump(exclude_none=True)
    data.setdefault("id", new_id(_ITEM_PREFIXES.get(item.type, "item_")))
    if item.type == "message":
        data.setdefault("status", "completed")
        if isinstance(item.content, str):
            part = "output_text" if item.role == "assistant" else "input_text"
            data["content"] = [{"type": part, "text": item.content}]
    return data


class _Response(Exchange):
    """One response: its id, creation time and echoed settings are the request's."""

    def __init__(self, body: ResponsesRequest, store: ResponseStore) -> None:
        history: list[Message] = []
        if body.previous_response_id:
            previous = store.get(body.previous_response_id)
            if previous is None:
                raise HttpError(
                    ErrorKind.NOT_FOUND,
                    f"Previous response with id {body.previous_response_id!r} not found "
                    "(unknown, deleted, or evicted from this server's store).",
                    param="previous_response_id",
                )
            history = list(previous.conversation)
        items = responses_request.input_items(body)
        if not items and not history:
            raise HttpError.bad_request(
                "input: required (a string or a list of items)", param="input"
            )
        self._tools = ToolMap(body.tools or ())
        options = responses_request.options(body, self._tools)
        self._conversation = responses_request.conversation(history, items)
        messages = self._conversation
        if body.instructions:
            messages = [Message(Role.SYSTEM, body.instructions), *messages]
        self._call = ChatCall(messages, options, body.stream)
        self._store = store if body.store else None
        self._items = [_stored_item(item) for item in items] if body.store else []
        self._envelope = Envelope.of(body)

    @property
    def call(self) -> ChatCall:
        return self._call

    def unary(self, result: ChatResult) -> dict[str, Any]:
        response, output = responses_response.response(self._envelope, result, self._tools)
        self._save(response, output, result)
        return response

    def writer(self, model: str) -> ResponsesWriter:
        return ResponsesWriter(self._envelope, model, self._tools, self._save)

    def _save(
        self, response: dict[str, Any], output: list[dict[str, Any]], result: ChatResult
    ) -> None:
        if self._store is None:
            return
        conversation = (*self._conversation, result.message)
        entry = StoredResponse.of(response, self._items, conversation)
        self._store.put(self._envelope.response_id, entry)


class Responses:
    """The Responses API of one application, over its store."""

    def __init__(self, store: ResponseStore) -> None:
        self.store = store
        self.api = ChatApi(ResponsesRequest, self.exchange, responses_response.error_body)

    def exchange(self, body: ResponsesRequest) -> Exchange:
        """Open one request (see `_Response`)."""
        return _Response(body, self.store)

    def _stored(self, request: Request) -> tuple[str, StoredResponse]:
        response_id = request.path_params["response_id"]
        entry = self.store.get(response_id)
        if entry is None:
            raise HttpError.not_found(f"No response with id {response_id!r} is stored here.")
        return response_id, entry

    async def retrieve(self, request: Request) -> Response:
        """`GET /v1/responses/{id}`."""
        return JSONResponse(self._stored(request)[1].response)

    async def delete(self, request: Request) -> Response:
        """`DELETE /v1/responses/{id}`."""
        response_id, _ = self._stored(request)
        self.store.delete(response_id)
        return JSONResponse({"id": response_id, "object": "response.deleted", "deleted": True})

    async def input_items(self, request: Request) -> Response:
        """`GET /v1/responses/{id}/input_items`: a page of the request's input items
        (`order` desc by default, `limit` 1-100, `after` an item id)."""
        _, entry = self._stored(request)
        query = request.query_params
        order = query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise HttpError.bad_request("order: must be 'asc' or 'desc'", param="order")
        try:
            limit = int(query.get("limit", _DEFAULT_PAGE))
        except ValueError:
            limit = 0
        if not 1 <= limit <= _MAX_PAGE:
            raise HttpError.bad_request(f"limit: must be 1-{_MAX_PAGE}", param="limit")
        items = entry.input_items if order == "asc" else entry.input_items[::-1]
        after = query.get("after")
        if after is not None:
            ids = [item["id"] for item in items]
            if after not in ids:
                raise HttpError.bad_request(f"after: no input item {after!r}", param="after")
            items = items[ids.index(after) + 1 :]
        page = items[:limit]
        return JSONResponse(
            {
                "object": "list",
                "data": page,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": len(items) > limit,
            }
        )
