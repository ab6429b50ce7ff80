"""The gRPC server: options, services (ours, health, reflection) and the one lifecycle.

Lifecycle: `start()` binds the port with health NOT_SERVING for our services (liveness `""` is
SERVING at once); `set_serving()` once the default model is loaded; `stop(grace)` flips every
service to NOT_SERVING, refuses queued requests at once (UNAVAILABLE, retryable elsewhere),
stops accepting calls (new ones get UNAVAILABLE), lets running calls finish within `grace`
seconds, then closes the engines. The CLI drives it from SIGTERM/SIGINT through an
`asyncio.Event` (no polling).

Each model's alias is a health service name too: SERVING while the model is loaded,
NOT_SERVING while it is known but not (unloaded, loading, unloading, failed), so an orchestrator
can tell loaded from known; the registry's state changes keep it current.

If an engine thread dies, every service turns NOT_SERVING at once, its calls have already ended
UNAVAILABLE, and `engine_failed` is set: the CLI then stops and exits non-zero so that an
orchestrator restarts the process.

Security (all optional): TLS or mutual TLS credentials for the port, a bearer-token interceptor
(`auth.py`), and an explicit file mode for a Unix socket (`unix_socket.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import weakref
from collections.abc import Sequence
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from ggserve import unix_socket
from ggserve.auth import BearerTokenInterceptor
from ggserve.engine.base import Engine
from ggserve.interceptors import ServiceInterceptor
from ggserve.limits import DEFAULT_LIMITS, Limits
from ggserve.reflection_pool import MethodAwarePool
from ggserve.registry import ModelEntry, ModelRegistry, ModelState
from ggserve.servicer import ChatServicer, EmbeddingServicer, ModelServicer
from ggserve_client.v1 import api_pb2, api_pb2_grpc

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
CHAT_SERVICE = api_pb2.DESCRIPTOR.services_by_name["ChatService"].full_name
MODEL_SERVICE = api_pb2.DESCRIPTOR.services_by_name["ModelService"].full_name
EMBEDDING_SERVICE = api_pb2.DESCRIPTOR.services_by_name["EmbeddingService"].full_name
SERVICES = (CHAT_SERVICE, MODEL_SERVICE, EMBEDDING_SERVICE)

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
    """A ggserve gRPC server over a model registry; `auth` requires bearer tokens."""

    def __init__(
        self,
        models: ModelRegistry,
        limits: Limits = DEFAULT_LIMITS,
        *,
        auth: BearerTokenInterceptor | None = None,
    ) -> None:
        self.models = models
        self.health = health.aio.HealthServicer()
        # The service interceptor wraps auth's refusals too, so they get an access-log line.
        interceptors: list[grpc.aio.ServerInterceptor] = [ServiceInterceptor()]
        if auth is not None:
            interceptors.append(auth)
        self._server = grpc.aio.server(interceptors=interceptors, options=server_options(limits))
        api_pb2_grpc.add_ChatServiceServicer_to_server(ChatServicer(models, limits), self._server)
        api_pb2_grpc.add_ModelServiceServicer_to_server(ModelServicer(models, limits), self._server)
        api_pb2_grpc.add_EmbeddingServiceServicer_to_server(EmbeddingServicer(models), self._server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        reflection.enable_server_reflection(
            (*SERVICES, health.SERVICE_NAME, reflection.SERVICE_NAME),
            self._server,
            pool=MethodAwarePool(),
        )
        self._stopped = asyncio.Event()
        self.engine_failed = asyncio.Event()
        self._watched: weakref.WeakSet[Engine] = weakref.WeakSet()
        self._background: set[asyncio.Task[None]] = set()
        self._serving = False
        models.on_change(self._model_changed)

    async def start(
        self,
        address: str,
        *,
        credentials: grpc.ServerCredentials | None = None,
        socket_mode: int | None = None,
    ) -> int:
        """Bind `address` (`host:port`, port 0 picks one, or `unix:path`) and start serving.

        With `credentials` the port speaks TLS. A Unix socket gets `socket_mode` (default 0600)
        right after bind. Returns the bound port (0 for a Unix socket). Our services report
        NOT_SERVING until `set_serving()`.
        """
        if address.startswith("unix:"):
            port = self._bind_unix(Path(address.removeprefix("unix:")), credentials, socket_mode)
        else:
            port = self._bind(address, credentials)
        await self.health.set("", health_pb2.HealthCheckResponse.SERVING)
        for name in SERVICES:
            await self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        for entry in self.models.entries():
            await self.health.set(entry.alias, _model_health(entry))
        await self._server.start()
        return port

    def _bind(self, address: str, credentials: grpc.ServerCredentials | None) -> int:
        if credentials is None:
            return self._server.add_insecure_port(address)
        return self._server.add_secure_port(address, credentials)

    def _bind_unix(
        self, path: Path, credentials: grpc.ServerCredentials | None, mode: int | None
    ) -> int:
        try:
            unix_socket.remove_stale(path)
        except unix_socket.SocketPathError as exc:
            raise RuntimeError(str(exc)) from exc
        with unix_socket.owner_only_umask():
            self._bind(f"unix:{path}", credentials)
        unix_socket.set_mode(path, 0o600 if mode is None else mode)
        return 0

    async def set_serving(self) -> None:
        """Report our services ready (the default model is loaded) and watch the engines'
        threads (models loaded later are watched as they load)."""
        self._serving = True
        for model in self.models:
            self._watch(model.engine)
        for name in SERVICES:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        for entry in self.models.entries():
            await self.health.set(entry.alias, _model_health(entry))

    def _model_changed(self, entry: ModelEntry) -> None:
        """A model changed state: its health, and a newly loaded engine's watch."""
        if entry.served is not None and entry.state is ModelState.LOADED and self._serving:
            self._watch(entry.served.engine)
        if self._stopped.is_set():
            return
        task = asyncio.ensure_future(self.health.set(entry.alias, _model_health(entry)))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _watch(self, engine: Engine) -> None:
        # Weakly held: an unloaded engine is forgotten (it closes normally, so only a real death
        # fires its callback).
        if engine in self._watched:
            return
        self._watched.add(engine)
        loop = asyncio.get_running_loop()

        def failed(exc: BaseException) -> None:  # on the engine thread
            with contextlib.suppress(RuntimeError):  # a closed loop: the server is gone already
                loop.call_soon_threadsafe(self._engine_died)

        engine.on_failure(failed)

    def _engine_died(self) -> None:
        if self.engine_failed.is_set():
            return
        logger.critical("an engine thread died: every service is NOT_SERVING; stopping")
        self.engine_failed.set()
        task = asyncio.ensure_future(self.health.enter_graceful_shutdown())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def stop(self, grace: float) -> None:
        """Drain: NOT_SERVING, refuse new calls and queued ones not yet told they were admitted,
        finish the others within `grace`, close."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        await self.health.enter_graceful_shutdown()
        self.models.drain()
        await self._server.stop(grace)
        await self.models.close()

    async def wait_stopped(self) -> None:
        """Return once `stop` has begun."""
        await self._stopped.wait()

    def log_state(self) -> None:
        """One log line of what the process holds: per model the sequences running and
        waiting, then threads and resident memory (SIGUSR1; the chaos test reads it to prove
        that nothing leaked)."""
        load = " ".join(
            f"{m.alias}:running={m.engine.stats().running},waiting={m.engine.stats().waiting}"
            for m in self.models
        )
        threads, rss_kib = process_status()
        logger.info("state: %s threads=%d rss_kib=%d", load or "-", threads, rss_kib)


def _model_health(entry: ModelEntry) -> health_pb2.HealthCheckResponse.ServingStatus.ValueType:
    if entry.state is ModelState.LOADED:
        return health_pb2.HealthCheckResponse.SERVING
    return health_pb2.HealthCheckResponse.NOT_SERVING


def process_status() -> tuple[int, int]:
    """This process's thread count and resident set size in KiB (0, 0 where /proc is absent)."""
    threads = rss_kib = 0
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key == "Threads":
                    threads = int(value)
                elif key == "VmRSS":
                    rss_kib = int(value.split()[0])
    except OSError:
        pass
    return threads, rss_kib


def install_signal_handlers(stop: asyncio.Event, server: Server | None = None) -> None:
    """SIGTERM and SIGINT set `stop`, SIGUSR1 logs `server`'s state (handled on the event loop,
    not in a signal frame)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if server is not None:
        loop.add_signal_handler(signal.SIGUSR1, server.log_state)
