"""The model lifecycle's rules over scripted engines (fast and deterministic; the real models
are in test_models.py): LRU never takes a busy model, waiting requests are bounded, the idle
timer unloads and the next request reloads, a drain refuses requests waiting for a load."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from pathlib import Path

import pytest

from ggserve.engine.replay import ReplayEngine
from ggserve.errors import ResourceExhaustedError, UnavailableError
from ggserve.model_specs import ModelSpec
from ggserve.registry import ModelRegistry, ModelState, ServedModel

from .conftest import served


class Loads:
    """A loader of scripted engines that counts loads and can hold them until released."""

    def __init__(self) -> None:
        self.count: dict[str, int] = {}
        self.gate: asyncio.Event | None = None

    async def __call__(self, spec: ModelSpec) -> ServedModel:
        if self.gate is not None:
            await self.gate.wait()
        self.count[spec.alias] = self.count.get(spec.alias, 0) + 1
        engine = await asyncio.to_thread(
            ReplayEngine, ("a", "b"), alias=spec.alias, piece_delay_s=0.01
        )
        return served(engine)


def registry(loads: Loads, **options: float) -> ModelRegistry:
    specs = [ModelSpec(alias, Path(f"/models/{alias}.gguf")) for alias in ("a", "b", "c")]
    return ModelRegistry(specs=specs, loader=loads, queue_size=2, **options)  # type: ignore[arg-type]


def run(coro: Awaitable[None]) -> None:
    asyncio.run(asyncio.wait_for(coro, 30))


async def hold(models: ModelRegistry, alias: str, release: asyncio.Event) -> None:
    async with models.use(alias):
        await release.wait()


def test_lru_unloads_the_least_recently_used_idle_model_never_a_busy_one() -> None:
    async def scenario() -> None:
        loads = Loads()
        models = registry(loads, max_loaded=2)
        release = asyncio.Event()
        busy = asyncio.ensure_future(hold(models, "a", release))
        async with models.use("b"):
            pass
        await asyncio.sleep(0)
        async with models.use("c"):  # a is older but busy: b (idle) goes
            states = {e.alias: e.state for e in models.entries()}
            assert states == {"a": ModelState.LOADED, "b": ModelState.UNLOADED,
                              "c": ModelState.LOADED}  # fmt: skip
        waiter = asyncio.ensure_future(hold(models, "b", asyncio.Event()))
        await asyncio.sleep(0.1)
        assert models.entry("b").state is ModelState.LOADING or not waiter.done()
        release.set()
        await busy
        await asyncio.sleep(0.2)
        assert models.entry("b").state is ModelState.LOADED  # c went once idle
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiter
        await models.close()

    run(scenario())


def test_requests_waiting_for_a_load_are_bounded_by_the_queue() -> None:
    async def scenario() -> None:
        loads = Loads()
        loads.gate = asyncio.Event()
        models = registry(loads)
        waiters = [asyncio.ensure_future(hold(models, "b", asyncio.Event())) for _ in range(2)]
        await asyncio.sleep(0.05)
        assert models.entry("b").waiting == 2
        with pytest.raises(ResourceExhaustedError, match="2 requests already wait"):
            async with models.use("b"):
                pass
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
        assert models.entry("b").waiting == 0
        loads.gate.set()  # the load goes on without its waiters and completes
        async with models.use("b"):
            pass
        assert loads.count == {"b": 1}
        await models.close()

    run(scenario())


def test_idle_models_unload_on_a_timer_and_reload_on_demand() -> None:
    async def scenario() -> None:
        loads = Loads()
        models = registry(loads, idle_unload=0.2)
        async with models.use("a"):
            await asyncio.sleep(0.3)  # leased: the timer does not run
            assert models.entry("a").state is ModelState.LOADED
        await asyncio.sleep(0.5)
        assert models.entry("a").state is ModelState.UNLOADED
        async with models.use("a"):
            assert models.entry("a").state is ModelState.LOADED
        assert loads.count == {"a": 2}
        await models.close()

    run(scenario())


def test_a_drain_refuses_requests_waiting_for_a_load() -> None:
    async def scenario() -> None:
        loads = Loads()
        loads.gate = asyncio.Event()
        models = registry(loads)
        waiter = asyncio.ensure_future(hold(models, "a", asyncio.Event()))
        await asyncio.sleep(0.05)
        models.drain()
        with pytest.raises(UnavailableError, match="shutting down"):
            await waiter
        loads.gate.set()
        await models.close()

    run(scenario())
