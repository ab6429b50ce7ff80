"""The engine thread: admission, the step loop, cancellation and shutdown, for any backend.

One thread owns the backend (llama.cpp's model and context are not thread-safe). Requests wait
in a bounded FIFO; each loop iteration admits sequences into free slots (while the backend has
KV room for their prompts), drops cancelled ones, runs one backend step for all running
sequences (the llama backend puts them all in one `llama_decode`) and posts that step's events
to asyncio. A sequence that finishes or is cancelled leaves its slot at once.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ggserve.engine import channel
from ggserve.engine.base import (
    EngineClosed,
    EngineDied,
    EngineError,
    EngineFailure,
    EngineStats,
    QueueFull,
)
from ggserve.engine.generation import Generation, StepOutput

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KvUsage:
    """KV-cache figures of a backend: cells held, held by free slots, in all; preemptions;
    drafted tokens checked and accepted (speculation)."""

    used: int = 0
    cached: int = 0
    size: int = 0
    preemptions: int = 0
    drafted: int = 0
    accepted: int = 0


class Backend(Protocol):
    """What produces text for the scheduler. Every method runs on the engine thread, except
    `kv_usage` (read from any thread; approximate while a step runs)."""

    @property
    def n_slots(self) -> int:
        """How many sequences can run at once."""
        ...

    def can_admit(self, gen: Generation, admitting: int) -> bool:
        """Whether `gen` can start now, `admitting` cells being promised to sequences admitted
        in the same round (a free slot, and KV room beside the running sequences)."""
        ...

    def admission_cells(self, gen: Generation) -> int:
        """The KV cells `gen` needs to start."""
        ...

    def kv_usage(self) -> KvUsage:
        """KV-cache figures for metrics."""
        ...

    def start(self, gen: Generation) -> int:
        """Give `gen` a slot; return how many prompt tokens were already cached."""
        ...

    def step(self, gens: list[Generation]) -> list[StepOutput]:
        """Advance every running generation by one step (a prompt chunk, or its sampled token),
        in order; a generation that cannot go on gets an output with `error` set."""
        ...

    def release(self, gen: Generation) -> str:
        """Free the slot of `gen`; return text it still held back (an unfinished character)."""
        ...

    def reset(self) -> None:
        """Forget all cached state after a failed step."""
        ...

    def close(self) -> None:
        """Free everything; the backend is not used afterwards."""
        ...


class Scheduler:
    """Runs a backend on its own thread. Public methods are safe to call from any thread."""

    _backend: Backend  # set on the engine thread before `start` returns

    def __init__(self, factory: Callable[[], Backend], *, queue_size: int, name: str) -> None:
        if queue_size < 0:
            raise ValueError("queue_size must be >= 0")
        self._factory = factory
        self._queue_size = queue_size
        self._cond = threading.Condition()
        self._waiting: collections.deque[Generation] = collections.deque()
        self._running: list[Generation] = []  # engine thread only
        self._in_flight = 0  # waiting + running, guarded by _cond
        self._closing = False
        self._draining = False  # faults: queued sequences refused, running ones go on
        self._failure: BaseException | None = None  # faults: what killed the engine thread
        self._failure_callbacks: list[Callable[[BaseException], None]] = []
        self._n_slots = 1
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Backend:
        """Start the thread and build the backend on it; re-raises the factory's error."""
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            raise self._startup_error
        return self._backend

    def submit(self, gen: Generation) -> None:
        """Queue `gen`; `QueueFull` when every slot and queue place is taken."""
        with self._cond:
            if self._closing or self._draining:
                raise EngineClosed("the engine is shutting down")
            if self._in_flight >= self._n_slots + self._queue_size:
                raise QueueFull(
                    f"{self._in_flight} requests in flight and the queue holds {self._queue_size}"
                )
            self._waiting.append(gen)
            self._in_flight += 1
            self._cond.notify()

    def cancel(self, gen: Generation) -> None:
        """Ask for `gen` to stop at the next step (or leave the queue)."""
        with self._cond:
            gen.cancelled = True
            self._cond.notify()

    def close(self) -> None:
        """Stop admitting; running and queued sequences end as CANCELLED. Does not wait."""
        with self._cond:
            self._closing = True
            self._cond.notify()

    def drain(self) -> None:
        """Stop admitting; queued sequences end at once with `EngineClosed` (a retryable refusal
        rather than a wait through the grace period), running ones go on. Does not wait."""
        with self._cond:
            self._draining = True
            queued = list(self._waiting)
            self._waiting.clear()
            self._in_flight -= len(queued)
        refusal = EngineClosed("the server is draining; retry on another instance")
        channel.post((gen.channel, [], refusal) for gen in queued)

    def on_failure(self, callback: Callable[[BaseException], None]) -> None:
        """Call `callback` once if the engine thread dies (see `Engine.on_failure`)."""
        with self._cond:
            failure = self._failure
            if failure is None:
                self._failure_callbacks.append(callback)
                return
        callback(failure)

    def join(self) -> None:
        """Wait for the engine thread to finish (after `close`)."""
        self._thread.join()

    def stats(self) -> EngineStats:
        """How many sequences run and wait right now, and the KV cache's use."""
        with self._cond:
            waiting = len(self._waiting)
            running = self._in_flight - waiting
        kv = self._backend.kv_usage() if self._ready.is_set() and not self._startup_error else None
        kv = kv or KvUsage()
        return EngineStats(
            running=running, waiting=waiting, slots=self._n_slots, kv_used=kv.used,
            kv_cached=kv.cached, kv_size=kv.size, preemptions=kv.preemptions,
            drafted_tokens=kv.drafted, accepted_tokens=kv.accepted,
        )  # fmt: skip

    @property
    def n_slots(self) -> int:
        """Sequences decoded together."""
        return self._n_slots

    @property
    def closing(self) -> bool:
        """Whether `close` or `drain` has been called or the thread has stopped."""
        return self._closing or self._draining

    # ---- engine thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._backend = self._factory()
            self._n_slots = self._backend.n_slots
        except BaseException as exc:
            self._startup_error = exc
            self._closing = True
            self._ready.set()
            return
        self._ready.set()
        try:
            self._loop()
        except BaseException as exc:
            logger.critical("engine thread failed", exc_info=exc)
            self._abort_all(EngineDied("the engine thread stopped unexpectedly"))
            self._died(exc)
        finally:
            self._backend.close()

    def _died(self, exc: BaseException) -> None:
        with self._cond:
            self._failure = exc
            callbacks, self._failure_callbacks = self._failure_callbacks, []
        for callback in callbacks:
            try:
                callback(exc)
            except Exception:
                logger.exception("engine failure callback failed")

    def _loop(self) -> None:
        while True:
            admitted, deliveries = self._wait_for_work()
            channel.post(deliveries)
            if admitted is None:
                return
            self._admit(admitted)
            if self._running:
                self._step()

    def _wait_for_work(self) -> tuple[list[Generation] | None, list[channel.Delivery]]:
        """Block until there is something to do; pop admissible sequences from the queue."""
        with self._cond:
            while True:
                if self._closing:
                    return None, self._cancel_everything()
                deliveries = self._drop_cancelled_waiting()
                admitted = self._pop_admissible()
                if admitted or self._running or deliveries:
                    return admitted, deliveries
                self._cond.wait()

    def _pop_admissible(self) -> list[Generation]:
        """Queue heads that get a slot and KV room now, in FIFO order (no overtaking)."""
        admitted: list[Generation] = []
        cells = 0
        while self._waiting and len(self._running) + len(admitted) < self._n_slots:
            head = self._waiting[0]
            if not self._backend.can_admit(head, cells):
                break
            cells += self._backend.admission_cells(head)
            admitted.append(self._waiting.popleft())
        return admitted

    def _drop_cancelled_waiting(self) -> list[channel.Delivery]:
        dropped = [gen for gen in self._waiting if gen.cancelled]
        for gen in dropped:
            self._waiting.remove(gen)
            self._in_flight -= 1
        return [(gen.channel, gen.finish_cancelled(), None) for gen in dropped]

    def _cancel_everything(self) -> list[channel.Delivery]:
        deliveries: list[channel.Delivery] = []
        for gen in [*self._running, *self._waiting]:
            if gen in self._running:
                self._backend.release(gen)
            deliveries.append((gen.channel, gen.finish_cancelled(), None))
        self._running.clear()
        self._waiting.clear()
        self._in_flight = 0
        return deliveries

    def _admit(self, admitted: list[Generation]) -> None:
        deliveries: list[channel.Delivery] = []
        for gen in admitted:
            try:
                events = gen.admitted(self._backend.start(gen))
            except Exception as exc:
                logger.exception("could not start generation %d", gen.serial)
                error = exc if isinstance(exc, EngineError) else EngineFailure(str(exc))
                deliveries.append((gen.channel, [], error))
                self._finished([gen], running=False)
                continue
            self._running.append(gen)
            if events:
                deliveries.append((gen.channel, events, None))
        channel.post(deliveries)

    def _step(self) -> None:
        deliveries: list[channel.Delivery] = []
        for gen in [s for s in self._running if s.cancelled]:
            self._backend.release(gen)
            deliveries.append((gen.channel, gen.finish_cancelled(), None))
        live = [s for s in self._running if not s.done]
        if live:
            deliveries += self._advance(live)
        self._finished([s for s in self._running if s.done], running=True)
        channel.post(deliveries)

    def _advance(self, live: list[Generation]) -> list[channel.Delivery]:
        try:
            outputs = self._backend.step(live)
        except Exception as exc:
            logger.exception("engine step failed for %d sequence(s)", len(live))
            self._backend.reset()
            failure = exc if isinstance(exc, EngineFailure) else EngineFailure(str(exc))
            for gen in live:
                self._backend.release(gen)
                gen.done = True
            return [(gen.channel, [], failure) for gen in live]
        deliveries: list[channel.Delivery] = []
        for gen, output in zip(live, outputs, strict=True):
            if output.error is not None:
                self._backend.release(gen)
                gen.done = True
                deliveries.append((gen.channel, [], output.error))
                continue
            events = gen.apply(output)
            if not gen.done and gen.out_of_tokens:
                events += gen.finish_length(self._backend.release(gen))
            elif gen.done:
                self._backend.release(gen)
            deliveries.append((gen.channel, events, None))
        return deliveries

    def _finished(self, gens: list[Generation], *, running: bool) -> None:
        if not gens:
            return
        if running:
            self._running = [s for s in self._running if s not in gens]
        with self._cond:
            self._in_flight -= len(gens)

    def _abort_all(self, error: EngineError) -> None:
        with self._cond:
            self._closing = True
            gens = [*self._running, *self._waiting]
            self._running.clear()
            self._waiting.clear()
            self._in_flight = 0
        channel.post((gen.channel, [], error) for gen in gens)
