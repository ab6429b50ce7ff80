"""The gRPC server: options, services (ours, health, reflection) and the one lifecycle.

Lifecycle: `start()` binds the port with health NOT_SERVING for our services (liveness `""` is
SERVING at once); `set_serving()` once the model is loaded; `stop(grace)` flips every service to
NOT_SERVING, stops accepting calls (new ones get UNAVAILABLE), lets in-flight calls finish
within `grace` seconds, then closes the engines. `run_until_signal` drives it from SIGTERM/SIGINT
through an `asyncio.Event` (no polling).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from ggserve.interceptors import ServiceInterceptor
from ggserve.limits import DEFAULT_LIMITS, Limits
from ggserve.reflection_pool import MethodAwarePool
from ggserve.registry import ModelRegistry
from ggserve.servicer import ChatServicer, ModelServicer
from ggserve_client.v1 import api_pb2, api_pb2_grpc

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
CHAT_SERVICE = api_pb2.DESCRIPTOR.services_by_name["ChatService"].full_name
MODEL_SERVICE = api_pb2.DESCRIPTOR.services_by_name["ModelService"].full_name
SERVICES = (CHAT_SERVICE, MODEL_SERVICE)

SERVER_OPTIONS: Sequence[tuple[str, int]] = (
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    # Unary calls can sit silent for minutes while a long answer generates: let clients ping.
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_recv_ping_interval_without_data_ms", 10_000),
    ("grpc.http2.max_ping_strikes", 0),
    # Two servers must not silently share a port.
    ("grpc.so_reuseport", 0),
)


def server_options(limits: Limits) -> list[tuple[str, int]]:
    """`SERVER_OPTIONS` with the request size limit of `limits` (RESOURCE_EXHAUSTED beyond it)."""
    options = dict(SERVER_OPTIONS)
    options["grpc.max_receive_message_length"] = limits.max_request_bytes
    return list(options.items())


class Server:
    """A ggserve gRPC server over a model registry."""

    def __init__(self, models: ModelRegistry, limits: Limits = DEFAULT_LIMITS) -> None:
        self.models = models
        self.health = health.aio.HealthServicer()
        self._server = grpc.aio.server(
            interceptors=[ServiceInterceptor()], options=server_options(limits)
        )
        api_pb2_grpc.add_ChatServiceServicer_to_server(ChatServicer(models, limits), self._server)
        api_pb2_grpc.add_ModelServiceServicer_to_server(ModelServicer(models, limits), self._server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        reflection.enable_server_reflection(
            (*SERVICES, health.SERVICE_NAME, reflection.SERVICE_NAME),
            self._server,
            pool=MethodAwarePool(),
        )
        self._stopped = asyncio.Event()

    async def start(self, address: str) -> int:
        """Bind `address` (`host:port`, port 0 picks one, or `unix:path`) and start serving.

        Returns the bound port (0 for a Unix socket). Our services report NOT_SERVING until
        `set_serving()`.
        """
        port = self._server.add_insecure_port(address)
        await self.health.set("", health_pb2.HealthCheckResponse.SERVING)
        for name in SERVICES:
            await self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self._server.start()
        return 0 if address.startswith("unix:") else port

    async def set_serving(self) -> None:
        """Report our services ready (the model is loaded)."""
        for name in SERVICES:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float) -> None:
        """Drain: NOT_SERVING, refuse new calls, finish in-flight ones within `grace`, close."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        await self.health.enter_graceful_shutdown()
        await self._server.stop(grace)
        await self.models.close()

    async def wait_stopped(self) -> None:
        """Return once `stop` has begun."""
        await self._stopped.wait()


def install_signal_handlers(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT set `stop` (handled on the event loop, not in a signal frame)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
