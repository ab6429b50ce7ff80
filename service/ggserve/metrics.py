"""Prometheus metrics: every series ggserve exports, and the `/metrics` endpoint that serves them.

One registry (`REGISTRY`) owns the series. The interceptor counts calls and their latency
(`observe_call`); the chat pipeline reports each generation through a `GenerationObserver`
(time to first token, inter-token latency, tokens, tool calls, parser events); queue depth,
active sequences, KV-cache use and size are read from the engines at scrape time (`watch`). The
endpoint runs on prometheus-client's HTTP server thread, so a scrape never waits on the event
loop (and the event loop never waits on a scrape).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    start_http_server,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ggserve.domain import FinishReason, Usage

REGISTRY = CollectorRegistry()
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)

# Latency buckets: token gaps are milliseconds, whole calls up to minutes.
_TOKEN_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0)
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

REQUESTS = Counter(
    "ggserve_requests",
    "ggserve.v1 calls by method and status code.",
    ["method", "code"],
    registry=REGISTRY,
)
REQUEST_DURATION = Histogram(
    "ggserve_request_duration_seconds",
    "End-to-end latency of ggserve.v1 calls, from the call's start to its status.",
    ["method"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
TIME_TO_FIRST_TOKEN = Histogram(
    "ggserve_time_to_first_token_seconds",
    "From a generation's start (queueing and prompt evaluation included) to its first token.",
    ["model"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
INTER_TOKEN_LATENCY = Histogram(
    "ggserve_inter_token_latency_seconds",
    "Time between consecutive generated tokens.",
    ["model"],
    buckets=_TOKEN_BUCKETS,
    registry=REGISTRY,
)
GENERATIONS = Counter(
    "ggserve_generations",
    "Finished generations by finish reason.",
    ["model", "finish_reason"],
    registry=REGISTRY,
)
PROMPT_TOKENS = Counter(
    "ggserve_prompt_tokens", "Prompt tokens of finished generations.", ["model"], registry=REGISTRY
)
CACHED_TOKENS = Counter(
    "ggserve_cached_prompt_tokens",
    "Prompt tokens reused from the KV cache instead of evaluated.",
    ["model"],
    registry=REGISTRY,
)
COMPLETION_TOKENS = Counter(
    "ggserve_completion_tokens", "Generated tokens.", ["model"], registry=REGISTRY
)
TOOL_CALLS = Counter(
    "ggserve_tool_calls",
    "Tool calls the model made, by format and outcome: complete (arguments are a JSON object), "
    "invalid (they are not), truncated (the token budget ended the call).",
    ["model", "format", "outcome"],
    registry=REGISTRY,
)
PARSER_EVENTS = Counter(
    "ggserve_parser_events",
    "Events of the streaming tool-call parser, by kind.",
    ["model", "format", "kind"],
    registry=REGISTRY,
)

EMBEDDING_INPUTS = Counter(
    "ggserve_embedding_inputs", "Inputs embedded.", ["model"], registry=REGISTRY
)
EMBEDDING_TOKENS = Counter(
    "ggserve_embedding_tokens", "Tokens of the inputs embedded.", ["model"], registry=REGISTRY
)

OUTCOMES = ("complete", "invalid", "truncated")


def observe_call(method: str, code: str, seconds: float) -> None:
    """Count one finished ggserve.v1 call (`method` is the full gRPC path)."""
    name = method.removeprefix("/")
    REQUESTS.labels(name, code).inc()
    REQUEST_DURATION.labels(name).observe(seconds)


class ParserEvent(Protocol):
    """What the observer reads of a `ggserve_parser.Event`."""

    @property
    def kind(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def index(self) -> int | None: ...


@dataclass(slots=True)
class _Call:
    arguments: list[str] = field(default_factory=list)
    ended: bool = False
    status: str | None = None  # the parser's own verdict, where it gives one


def _outcome(call: _Call, finish_reason: FinishReason) -> str:
    if call.status in OUTCOMES:
        return call.status
    if not call.ended and finish_reason is FinishReason.LENGTH:
        return "truncated"
    try:
        parsed = json.loads("".join(call.arguments) or "{}")
    except json.JSONDecodeError:
        return "invalid"
    return "complete" if isinstance(parsed, dict) else "invalid"


class GenerationObserver:
    """Metrics of one generation; call `token`, `parser_events`, then `done` once."""

    def __init__(self, model: str, tool_format: str) -> None:
        self._model = model
        self._format = tool_format
        self._started = time.perf_counter()
        self._last: float | None = None
        self._calls: dict[int, _Call] = {}
        self._finishing = False
        # Children resolved once: `labels()` takes a lock and hashes, and this runs per token.
        self._gaps = INTER_TOKEN_LATENCY.labels(model)
        self._events: dict[str, Any] = {}

    def tokens(self, count: int) -> None:
        """An engine step produced `count` tokens (0: text held back or a grammar-only step)."""
        now = time.perf_counter()
        if self._last is None:
            TIME_TO_FIRST_TOKEN.labels(self._model).observe(now - self._started)
        elif count > 0:
            gap = (now - self._last) / count
            for _ in range(count):
                self._gaps.observe(gap)
        self._last = now

    def finishing(self) -> None:
        """The parser's `finish()` events follow: calls still open there were cut off."""
        self._finishing = True

    def parser_events(self, events: Iterable[ParserEvent]) -> None:
        """Count parser events and follow each tool call to its end."""
        for event in events:
            counter = self._events.get(event.kind)
            if counter is None:
                counter = PARSER_EVENTS.labels(self._model, self._format, event.kind)
                self._events[event.kind] = counter
            counter.inc()
            if event.index is None:
                continue
            call = self._calls.setdefault(event.index, _Call())
            if event.kind == "tool_call_args":
                call.arguments.append(event.text)
            elif event.kind == "tool_call_end":
                call.ended = not self._finishing
                status: Any = getattr(event, "status", None)  # newer parsers say it themselves
                call.status = status if isinstance(status, str) else None

    def done(self, finish_reason: FinishReason, usage: Usage) -> None:
        """The generation ended: tokens, finish reason, tool-call outcomes."""
        GENERATIONS.labels(self._model, finish_reason.name.lower()).inc()
        PROMPT_TOKENS.labels(self._model).inc(usage.prompt_tokens)
        CACHED_TOKENS.labels(self._model).inc(usage.cached_tokens)
        COMPLETION_TOKENS.labels(self._model).inc(usage.completion_tokens)
        for call in self._calls.values():
            TOOL_CALLS.labels(self._model, self._format, _outcome(call, finish_reason)).inc()


# ---- engine gauges, read at scrape time -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EngineGauges:
    """What an engine reports at scrape time; None where it cannot tell."""

    waiting: int | None = None
    running: int | None = None
    kv_used_tokens: int | None = None
    kv_capacity_tokens: int | None = None
    kv_cache_bytes: int | None = None
    drafted_tokens: int | None = None  # speculative decoding, since the engine started
    accepted_tokens: int | None = None


class GaugeSource(Protocol):
    """A served model as the collector sees it (`ModelRegistry` iterates `ServedModel`s)."""

    @property
    def alias(self) -> str: ...

    @property
    def engine(self) -> Any: ...


def engine_gauges(engine: Any) -> EngineGauges:
    """Read an engine's `stats()` and `info.kv_cache` where it has them (read-only,
    thread-safe); KV-cache figures only from an engine that has a KV cache (`kv_size` > 0)."""
    waiting = running = used = capacity = drafted = accepted = None
    stats = getattr(engine, "stats", None)
    if callable(stats):
        snapshot = stats()
        waiting, running = int(snapshot.waiting), int(snapshot.running)
        if getattr(snapshot, "kv_size", 0):
            used, capacity = int(snapshot.kv_used), int(snapshot.kv_size)
        drafted = getattr(snapshot, "drafted_tokens", None)
        accepted = getattr(snapshot, "accepted_tokens", None)
    cache = getattr(getattr(engine, "info", None), "kv_cache", None)
    size = int(cache.bytes) if cache is not None and cache.bytes else None
    return EngineGauges(waiting, running, used, capacity, size, drafted, accepted)


@runtime_checkable
class ModelEntrySource(Protocol):
    """A model registry as the collector sees it (`ModelRegistry.entries()` gives `ModelEntry`s:
    alias, state (an enum whose value is its name), memory_bytes, load_seconds, waiting)."""

    def entries(self) -> Iterable[Any]: ...


def _gauge(name: str, documentation: str, *labels: str) -> GaugeMetricFamily:
    """A gauge family made afresh per scrape, labelled by model (and `labels`)."""
    return GaugeMetricFamily(name, documentation, labels=["model", *labels])


def _counter(name: str, documentation: str) -> CounterMetricFamily:
    """A counter family made afresh per scrape, labelled by model."""
    return CounterMetricFamily(name, documentation, labels=["model"])


def model_families(registry: ModelEntrySource) -> Iterator[Metric]:
    """Each known model's lifecycle state, memory and last load time."""
    state = _gauge(
        "ggserve_model_state",
        "1 for the state each model is in (unloaded, loading, loaded, unloading, failed).",
        "state",
    )
    memory = _gauge("ggserve_model_memory_bytes", "Resident memory a model's load added.")
    load = _gauge("ggserve_model_load_seconds", "How long a model's last load took.")
    waiting = _gauge("ggserve_model_load_waiting", "Requests waiting for a model to load.")
    for entry in list(registry.entries()):
        state.add_metric([entry.alias, str(entry.state.value)], 1)
        memory.add_metric([entry.alias], entry.memory_bytes)
        load.add_metric([entry.alias], entry.load_seconds)
        waiting.add_metric([entry.alias], entry.waiting)
    yield from (state, memory, load, waiting)


class EngineCollector(Collector):
    """Queue depth, active sequences and KV-cache use of every loaded model, and every known
    model's lifecycle state, per scrape."""

    def __init__(self, models: Iterable[GaugeSource]) -> None:
        self._models = models

    def collect(self) -> Iterator[Metric]:
        queue = _gauge("ggserve_queue_depth", "Requests waiting for an engine slot.")
        active = _gauge("ggserve_active_sequences", "Sequences generating now.")
        used = _gauge("ggserve_kv_cache_used_tokens", "Tokens held in the KV cache.")
        capacity = _gauge("ggserve_kv_cache_capacity_tokens", "Tokens the KV cache can hold.")
        ratio = _gauge("ggserve_kv_cache_usage_ratio", "Used share of the KV cache (0-1).")
        size = _gauge(
            "ggserve_kv_cache_bytes",
            "Memory the KV cache takes (K and V, all layers and cells), by its data types.",
            "type_k",
            "type_v",
        )
        drafted = _counter(
            "ggserve_speculative_drafted_tokens",
            "Tokens drafted by speculative decoding and checked by the model.",
        )
        accepted = _counter(
            "ggserve_speculative_accepted_tokens",
            "Drafted tokens the model agreed with (kept as generated tokens).",
        )
        for model in list(self._models):
            gauges = engine_gauges(model.engine)
            label = [model.alias]
            if gauges.waiting is not None and gauges.running is not None:
                queue.add_metric(label, gauges.waiting)
                active.add_metric(label, gauges.running)
            if gauges.kv_used_tokens is not None and gauges.kv_capacity_tokens:
                used.add_metric(label, gauges.kv_used_tokens)
                capacity.add_metric(label, gauges.kv_capacity_tokens)
                ratio.add_metric(label, gauges.kv_used_tokens / gauges.kv_capacity_tokens)
            if gauges.kv_cache_bytes is not None:
                options = model.engine.info.kv_cache.options
                size.add_metric([*label, options.type_k, options.type_v], gauges.kv_cache_bytes)
            if gauges.drafted_tokens is not None and gauges.accepted_tokens is not None:
                drafted.add_metric(label, gauges.drafted_tokens)
                accepted.add_metric(label, gauges.accepted_tokens)
        yield from (queue, active, used, capacity, ratio, size, drafted, accepted)
        if isinstance(self._models, ModelEntrySource):
            yield from model_families(self._models)

    def describe(self) -> Iterator[Metric]:
        return iter(())  # the families are made per scrape


class MetricsEndpoint:
    """The `/metrics` HTTP server (prometheus-client's, on its own daemon thread)."""

    def __init__(self, host: str, port: int, models: Iterable[GaugeSource]) -> None:
        self._collector = EngineCollector(models)
        REGISTRY.register(self._collector)
        try:
            self._server, self._thread = start_http_server(port, addr=host, registry=REGISTRY)
        except BaseException:
            REGISTRY.unregister(self._collector)
            raise
        self.port: int = self._server.server_port

    def close(self) -> None:
        """Stop serving and forget the models."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        REGISTRY.unregister(self._collector)
