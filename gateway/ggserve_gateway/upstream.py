"""The gateway's connection to the gRPC core: one `AsyncClient`, opened in the serving loop."""

from __future__ import annotations

from ggserve_client import AsyncClient, ChannelConfig
from ggserve_client.types import Metadata


class Upstream:
    """Holds the client of `target` (`HOST:PORT` or `unix:PATH`) and the default model's alias.

    The grpc.aio channel must be created inside the event loop that uses it, so it is opened on
    first use rather than at construction.
    """

    def __init__(self, target: str, config: ChannelConfig | None = None) -> None:
        self.target = target
        self._config = config
        self._client: AsyncClient | None = None
        self._default_model = ""

    @property
    def client(self) -> AsyncClient:
        """The client (opened on first use)."""
        if self._client is None:
            self._client = AsyncClient(self.target, config=self._config)
        return self._client

    async def default_model(self, metadata: Metadata) -> str:
        """Alias of the core's default model (asked once, then remembered)."""
        if not self._default_model:
            models = await self.client.list_models(metadata=metadata)
            default = next((m for m in models if m.is_default), models[0] if models else None)
            self._default_model = default.alias if default else "default"
        return self._default_model

    async def close(self) -> None:
        """Close the channel (cancels calls still running)."""
        if self._client is not None:
            await self._client.close()
            self._client = None
