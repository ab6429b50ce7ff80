"""`GatewayServer`: uvicorn serving the gateway inside an event loop someone else runs.

Both `ggserve gateway` and `ggserve serve --http-port` run it as a task of their own loop, so
signals stay with the caller (uvicorn's signal capture is turned off) and shutdown is theirs to
order: the gateway stops taking requests before the gRPC core drains.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn

from ggserve_client import ChannelConfig
from ggserve_gateway.app import create_app
from ggserve_gateway.http_protocol import protocol_class
from ggserve_gateway.limits import DEFAULT_HTTP_LIMITS, HttpLimits
from ggserve_gateway.responses_store import ResponseStore
from ggserve_gateway.upstream import Upstream

logger = logging.getLogger("ggserve.gateway")


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The owner of the event loop handles SIGTERM/SIGINT and calls `stop()`.
        yield


class GatewayServer:
    """The HTTP gateway to `upstream` (`HOST:PORT` or `unix:PATH`) on `host:port`, refusing
    requests beyond `limits` (whose body limit should be the core's `--max-request-bytes`);
    `store` bounds the Responses API's stored responses (defaults if None)."""

    def __init__(
        self,
        upstream: str,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        grace: float = 10.0,  # whole seconds for uvicorn (at least 1)
        channel: ChannelConfig | None = None,
        limits: HttpLimits = DEFAULT_HTTP_LIMITS,
        store: ResponseStore | None = None,
    ) -> None:
        self.upstream = Upstream(upstream, channel)
        config = uvicorn.Config(
            create_app(self.upstream, limits, store),
            host=host,
            port=port,
            loop="none",
            http=protocol_class(limits),
            lifespan="on",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=max(1, round(grace)),
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> int:
        """Start serving; returns the bound port (useful with port 0).

        Raises:
            RuntimeError: the server could not start (e.g. the port is in use).
        """
        self._task = asyncio.create_task(self._server.serve(), name="ggserve-gateway")
        while not self._server.started:
            if self._task.done():
                raise RuntimeError("the HTTP gateway could not start (is the port in use?)")
            await asyncio.sleep(0.01)
        return self.port

    @property
    def port(self) -> int:
        """The port the server listens on."""
        sockets = self._server.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop accepting, let open requests finish (up to the grace period), close."""
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, SystemExit):
            await self._task
        self._task = None
