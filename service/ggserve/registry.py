"""The models a server serves, by alias, and each one's lifecycle.

A model is unloaded → loading → loaded → unloading → unloaded, or failed with its reason. A
request takes a lease on its model (`use`): a loaded model is leased at once; an unloaded one
starts loading and the request waits (its deadline still applies: the gRPC cancel ends the
wait, never the load); waiting requests count against the model's queue. When
`max_loaded` models are resident, loading another first unloads the least recently used idle
one (no lease, nobody waiting); if none is idle, the request waits until one is. A model with
no lease for `idle_unload` seconds unloads by a timer. A failed load leaves the model FAILED:
its requests get UNAVAILABLE with the reason, the other models keep serving, and an admin
`load` tries again.

Everything runs on the event loop; loads run on a thread (the loader's business). Every state
change (and each lease returned) sets the registry's current `asyncio.Event` and replaces it,
so waiters wake and re-check instead of polling; it also calls the `on_change` listeners
(health per alias, the engine watch).

Models given already loaded (`ModelRegistry([served])`, the tests' and benchmarks' way) have no
spec: they are pinned, never unloaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ggserve.domain import Message
from ggserve.engine.base import Engine
from ggserve.errors import (
    FailedPreconditionError,
    NotFoundError,
    ResourceExhaustedError,
    UnavailableError,
)
from ggserve.memory import release_free_memory
from ggserve.model_specs import ModelSpec

logger = logging.getLogger(__name__)


class RenderedChat(Protocol):
    """A prompt rendered from a conversation (what `ggserve.templates` returns)."""

    @property
    def text(self) -> str: ...

    @property
    def thinking_forced_open(self) -> bool: ...

    @property
    def tool_format(self) -> str: ...

    @property
    def tools_in_template(self) -> bool: ...

    @property
    def may_reason(self) -> bool: ...


class ChatRenderer(Protocol):
    """Renders conversations with a model's chat template."""

    def render(
        self,
        messages: Sequence[Message],
        tools: Sequence[dict[str, Any]] | None = None,
        *,
        add_generation_prompt: bool = True,
        thinking: bool | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> RenderedChat: ...


class Embedder(Protocol):
    """What the Embed pipeline needs of an embedding engine (`EmbeddingEngine`)."""

    @property
    def dimensions(self) -> int: ...

    @property
    def pooling(self) -> str: ...

    async def embed(
        self, inputs: Sequence[Sequence[int]], *, normalize: bool
    ) -> list[list[float]]: ...


@dataclass(frozen=True, slots=True)
class ServedModel:
    """One loaded model: what requests name it, its engine and its chat template.

    An embedding model has `embedder` set (its engine then only embeds); a chat model has none.
    """

    alias: str
    engine: Engine
    renderer: ChatRenderer
    tool_format: str
    tools_in_template: bool
    has_chat_template: bool  # whether the GGUF carries one
    chat_template_source: str = "gguf"  # "gguf", "builtin:NAME" or "file:PATH"
    embedder: Embedder | None = None


class ModelState(enum.Enum):
    """Where a model is in its lifecycle."""

    UNLOADED = "unloaded"
    LOADING = "loading"
    LOADED = "loaded"
    UNLOADING = "unloading"
    FAILED = "failed"


RESIDENT = (ModelState.LOADING, ModelState.LOADED, ModelState.UNLOADING)

Loader = Callable[[ModelSpec], Awaitable[ServedModel]]
Listener = Callable[["ModelEntry"], None]


@dataclass(eq=False, slots=True)
class ModelEntry:
    """One known model and its lifecycle (event-loop state; read it, do not change it)."""

    alias: str
    spec: ModelSpec | None  # None: given loaded, pinned
    state: ModelState = ModelState.UNLOADED
    served: ServedModel | None = None
    reason: str = ""  # why the last load failed
    load_seconds: float = 0.0
    memory_bytes: int = 0  # resident memory the load added (weights, KV cache, buffers)
    leases: int = 0  # requests using the model now
    waiting: int = 0  # requests waiting for it to load
    wanted: bool = False  # a request asked for it: load it once there is room, waiters or not
    last_used: float = field(default_factory=time.monotonic)
    timer: asyncio.TimerHandle | None = None
    task: asyncio.Task[None] | None = None

    @property
    def idle(self) -> bool:
        """Loaded, unpinned, and nobody uses or waits for it."""
        return (
            self.state is ModelState.LOADED
            and self.spec is not None
            and self.leases == 0
            and self.waiting == 0
        )

    @property
    def file_name(self) -> str:
        """The GGUF's file name."""
        if self.spec is not None:
            return self.spec.path.name
        return self.served.engine.info.path.rsplit("/", 1)[-1] if self.served else ""


class ModelRegistry:
    """The served models by alias; the first one is the default."""

    def __init__(
        self,
        models: Sequence[ServedModel] = (),
        *,
        specs: Sequence[ModelSpec] = (),
        loader: Loader | None = None,
        max_loaded: int = 0,
        idle_unload: float = 0.0,
        queue_size: int = 16,
        memory: Callable[[], int] | None = None,
    ) -> None:
        self._entries: dict[str, ModelEntry] = {}
        self._loader = loader
        self._max_loaded = max_loaded
        self._idle_unload = idle_unload
        self._queue_size = queue_size
        self._memory = memory or (lambda: 0)
        self._changed = asyncio.Event()  # set (and replaced) at each change
        self._listeners: list[Listener] = []
        self._draining = False
        self._closed = False
        self._load_lock = asyncio.Lock()  # one load at a time: memory is measured per load
        for model in models:
            self.add(model)
        for spec in specs:
            if spec.alias in self._entries:
                raise ValueError(f"two models are called {spec.alias!r}")
            self._entries[spec.alias] = ModelEntry(spec.alias, spec)

    def add(self, model: ServedModel) -> None:
        """Serve `model`, already loaded, under its alias (pinned: never unloaded)."""
        if model.alias in self._entries:
            raise ValueError(f"two models are called {model.alias!r}")
        self._entries[model.alias] = ModelEntry(model.alias, None, ModelState.LOADED, model)

    def on_change(self, listener: Listener) -> None:
        """Call `listener(entry)` on the event loop after each state change."""
        self._listeners.append(listener)

    # ---- lookup ---------------------------------------------------------------------------

    @property
    def default_alias(self) -> str:
        """The alias of the model used when a request names none."""
        for alias in self._entries:
            return alias
        raise UnavailableError(
            "the model is still loading; retry shortly", reason="LOADING", retry_after_s=1.0
        )

    def entry(self, alias: str) -> ModelEntry:
        """The model called `alias` (empty: the default); NOT_FOUND for an unknown alias."""
        entry = self._entries.get(alias or self.default_alias)
        if entry is None:
            known = ", ".join(sorted(self._entries))
            raise NotFoundError(
                f"model {alias!r} is not served here; available: {known} "
                "(or leave model empty for the default)",
                reason="MODEL_NOT_FOUND",
                metadata={"model": alias},
            )
        return entry

    def entries(self) -> list[ModelEntry]:
        """Every known model, the default first."""
        return list(self._entries.values())

    @property
    def default(self) -> ServedModel:
        """The default model if it is loaded; UNAVAILABLE otherwise."""
        return self.get("")

    def get(self, alias: str) -> ServedModel:
        """The loaded model called `alias` (empty: the default), without loading it."""
        entry = self.entry(alias)
        if entry.served is None or entry.state is not ModelState.LOADED:
            raise _not_ready(entry)
        return entry.served

    def __iter__(self) -> Iterator[ServedModel]:
        """The loaded models, the default first."""
        return iter([e.served for e in self._entries.values() if e.served is not None])

    # ---- leases ---------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def use(self, alias: str) -> AsyncIterator[ServedModel]:
        """Lease the model called `alias`, loading it first if needed (waiting counts against
        its queue); the model is not unloaded while leased."""
        entry = self.entry(alias)
        served = await self._acquire(entry)
        try:
            yield served
        finally:
            self._release(entry)

    async def _acquire(self, entry: ModelEntry) -> ServedModel:
        if entry.state is ModelState.LOADED and entry.served is not None and not self._draining:
            return self._lease(entry)
        if entry.waiting >= self._queue_size:
            raise ResourceExhaustedError(
                f"{entry.waiting} requests already wait for model {entry.alias!r} to load; "
                "retry with backoff, or start the server with a larger --queue-size",
                reason="QUEUE_FULL",
                retry_after_s=1.0,
            )
        entry.waiting += 1
        try:
            while True:
                changed = self._changed
                if self._draining:
                    raise UnavailableError(
                        "the server is shutting down; retry on another instance",
                        reason="DRAINING",
                    )
                if entry.state is ModelState.LOADED and entry.served is not None:
                    return self._lease(entry)
                if entry.state is ModelState.FAILED:
                    raise _not_ready(entry)
                if entry.state is ModelState.UNLOADED:
                    self._make_room_and_load(entry)
                await changed.wait()
        finally:
            entry.waiting -= 1

    def _lease(self, entry: ModelEntry) -> ServedModel:
        assert entry.served is not None
        entry.leases += 1
        entry.last_used = time.monotonic()
        if entry.timer is not None:
            entry.timer.cancel()
            entry.timer = None
        return entry.served

    def _release(self, entry: ModelEntry) -> None:
        entry.leases -= 1
        entry.last_used = time.monotonic()
        if entry.leases == 0:
            self._arm_idle_timer(entry)
            self._notify()  # a waiter may be waiting for an idle model to evict

    def _arm_idle_timer(self, entry: ModelEntry) -> None:
        if self._idle_unload <= 0 or not entry.idle:
            return
        loop = asyncio.get_running_loop()
        entry.timer = loop.call_later(self._idle_unload, self._idle_expired, entry)

    def _idle_expired(self, entry: ModelEntry) -> None:
        entry.timer = None
        if entry.idle and not self._draining:
            logger.info("model %s idle for %g s: unloading", entry.alias, self._idle_unload)
            self._begin_unload(entry)

    # ---- loading and unloading --------------------------------------------------------------

    def _make_room_and_load(self, entry: ModelEntry) -> None:
        """Start loading `entry` if a place is free, else unload the LRU idle model (the
        caller waits for the change either way). States change before this returns, so the
        next waiter sees the work under way and does not start it again."""
        entry.wanted = True
        resident = [e for e in self._entries.values() if e.state in RESIDENT]
        if self._max_loaded and len(resident) >= self._max_loaded:
            if any(e.state is ModelState.UNLOADING for e in resident):
                return  # a place is being freed already
            idle = [e for e in resident if e.idle]
            if idle:
                victim = min(idle, key=lambda e: e.last_used)
                logger.info("unloading %s (least recently used) for %s", victim.alias, entry.alias)
                self._begin_unload(victim)
            return
        entry.wanted = False
        self._set(entry, ModelState.LOADING)
        entry.task = asyncio.ensure_future(self._load(entry))

    def _begin_unload(self, entry: ModelEntry) -> None:
        if entry.timer is not None:
            entry.timer.cancel()
            entry.timer = None
        self._set(entry, ModelState.UNLOADING)
        entry.task = asyncio.ensure_future(self._unload(entry))

    def _set(self, entry: ModelEntry, state: ModelState) -> None:
        entry.state = state
        for listener in self._listeners:
            try:
                listener(entry)
            except Exception:
                logger.exception("model state listener failed")
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _load(self, entry: ModelEntry) -> None:
        """Load `entry` (in LOADING state); LOADED or FAILED after."""
        if entry.spec is None or self._loader is None:
            self._set(entry, ModelState.FAILED)
            return
        entry.reason = ""
        path = entry.spec.path
        size_mib = path.stat().st_size / 2**20 if path.exists() else 0.0
        logger.info("loading %s as %s (%.0f MiB)…", path.name, entry.alias, size_mib)
        async with self._load_lock:
            before = self._memory()
            started = time.perf_counter()
            try:
                served = await self._loader(entry.spec)
            except Exception as exc:  # any failure of one model must leave the others serving
                entry.reason = str(exc) or type(exc).__name__
                logger.error("model %s failed to load: %s", entry.alias, entry.reason)
                self._set(entry, ModelState.FAILED)
                return
            entry.load_seconds = time.perf_counter() - started
            entry.memory_bytes = max(self._memory() - before, 0)
        if self._closed:  # the server stopped while this model loaded: nobody will use it
            await served.engine.close()
            self._set(entry, ModelState.UNLOADED)
            return
        entry.served = served
        entry.last_used = time.monotonic()
        logger.info("model %s loaded in %.2f s", entry.alias, entry.load_seconds)
        self._set(entry, ModelState.LOADED)
        self._arm_idle_timer(entry)

    async def _unload(self, entry: ModelEntry) -> None:
        """Close `entry`'s engine (in UNLOADING state); UNLOADED after."""
        served, entry.served = entry.served, None
        try:
            if served is not None:
                await served.engine.close()
                del served  # the last reference: the engine's Python side goes now
                await asyncio.to_thread(release_free_memory)
        finally:
            entry.memory_bytes = 0
            self._set(entry, ModelState.UNLOADED)
            logger.info("model %s unloaded", entry.alias)
        self._load_wanted()

    def _load_wanted(self) -> None:
        """A place was freed: load the model a request was waiting for, even if that request
        has given up meanwhile (its deadline passed), so that the next one finds it loaded."""
        wanted = [e for e in self._entries.values() if e.wanted and e.state is ModelState.UNLOADED]
        if wanted and not self._draining:
            self._make_room_and_load(wanted[0])

    async def load(self, alias: str) -> ModelEntry:
        """Load `alias` now (admin) and wait for it; a failed model is tried again.
        UNAVAILABLE with the reason if the load fails."""
        entry = self.entry(alias)
        if entry.state is ModelState.FAILED:
            self._set(entry, ModelState.UNLOADED)
        async with self.use(alias):
            pass
        return entry

    async def unload(self, alias: str) -> ModelEntry:
        """Unload `alias` now (admin), once its running requests have finished (the caller's
        deadline bounds the wait); a load under way completes first."""
        entry = self.entry(alias)
        if entry.spec is None:
            raise FailedPreconditionError(
                f"model {entry.alias!r} was given to the server loaded and cannot be unloaded",
                reason="MODEL_PINNED",
            )
        if entry.state is ModelState.FAILED:
            self._set(entry, ModelState.UNLOADED)
        while entry.state is not ModelState.UNLOADED:
            changed = self._changed
            if entry.state is ModelState.LOADED and entry.leases == 0:
                self._begin_unload(entry)
            if entry.task is not None and not entry.task.done():
                await asyncio.shield(entry.task)  # a load or unload under way
                continue
            await changed.wait()  # until its requests are done
        return entry

    # ---- shutdown ---------------------------------------------------------------------------

    def drain(self) -> None:
        """Refuse queued, waiting and new requests (UNAVAILABLE); running ones go on."""
        self._draining = True
        for entry in self._entries.values():
            if entry.timer is not None:
                entry.timer.cancel()
                entry.timer = None
            if entry.served is not None:
                entry.served.engine.drain()
        self._notify()

    @property
    def loading(self) -> bool:
        """Whether a model is being loaded (its thread cannot be interrupted)."""
        return any(e.state is ModelState.LOADING for e in self._entries.values())

    async def close(self) -> None:
        """Close every loaded engine; a load under way is not waited for (it cannot be
        interrupted): its engine is closed when it ends."""
        self._closed = True
        for entry in self._entries.values():
            if entry.served is not None and entry.state is ModelState.LOADED:
                await entry.served.engine.close()


def _not_ready(entry: ModelEntry) -> UnavailableError:
    if entry.state is ModelState.FAILED:
        return UnavailableError(
            f"model {entry.alias!r} failed to load: {entry.reason}",
            reason="MODEL_LOAD_FAILED",
            metadata={"model": entry.alias},
        )
    return UnavailableError(
        f"model {entry.alias!r} is {entry.state.value}; retry shortly",
        reason="LOADING",
        metadata={"model": entry.alias},
        retry_after_s=1.0,
    )
