"""The body of a streamed answer: the writer's events for each upstream event, and keep-alives.

One loop serves every API: it opens with `StreamWriter.start` (at admission, when the first
upstream item is `ChatStarted`: before the prompt is evaluated), writes each upstream event's
encoding in one write, and turns a failure after the response began into the API's in-stream
error event. With `keep_alive_s`, a `StreamWriter.keep_alive` is written each time the core stays
silent that long (while a long prompt is evaluated, or a preempted sequence waits for room); the
wait is on the next event itself, with no polling. Closing the body closes the upstream stream,
which cancels the gRPC call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar

from ggserve_client.errors import GgserveError
from ggserve_client.types import ChatDone, ChatStarted
from ggserve_gateway.calls import StreamItem
from ggserve_gateway.chat_api import StreamWriter
from ggserve_gateway.errors import HttpError

T = TypeVar("T")
logger = logging.getLogger("ggserve.gateway")


async def with_keep_alives(events: AsyncIterator[T], interval_s: float) -> AsyncGenerator[T | None]:
    """`events`, with a `None` after every `interval_s` seconds spent waiting for the next one.

    The pending `anext` is never cancelled by the timer (cancelling it would close `events`);
    only closing this generator cancels it, and waits for it so that `events` can be closed.
    """

    async def next_event() -> T:
        return await anext(events)

    while True:
        pending = asyncio.ensure_future(next_event())
        try:
            while not (await asyncio.wait((pending,), timeout=interval_s))[0]:
                yield None
        finally:
            pending.cancel()  # a no-op once it is done
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending  # its outcome is read below, or dropped as the reader left
        try:
            event = pending.result()
        except StopAsyncIteration:
            return
        yield event


async def event_stream(
    writer: StreamWriter,
    first: StreamItem,
    events: AsyncGenerator[StreamItem],
    *,
    keep_alive_s: float | None = None,
) -> AsyncGenerator[bytes]:
    """The SSE body: `writer.start()` and `first`'s events, then each later event's (one write
    per upstream event); keep-alives every `keep_alive_s` of silence if given."""

    def encode(item: StreamItem) -> bytes:
        return b"" if isinstance(item, ChatStarted) else b"".join(writer.event(item))

    try:
        yield writer.start() + encode(first)
        if isinstance(first, ChatDone):
            return
        if keep_alive_s is None:
            # The per-token path without a timer: no task per event.
            async for event in events:
                yield encode(event)
            return
        async with contextlib.aclosing(with_keep_alives(events, keep_alive_s)) as paced:
            async for item in paced:
                yield writer.keep_alive() if item is None else encode(item)
    except GgserveError as exc:
        yield writer.error(HttpError.from_upstream(exc))
    except Exception as exc:  # a bug: the client gets the API's error event, not a cut stream
        logger.exception("the stream failed")
        yield writer.error(HttpError.internal(f"the gateway failed: {type(exc).__name__}"))
    finally:
        await events.aclose()
