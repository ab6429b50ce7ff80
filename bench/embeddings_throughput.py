"""Embedding throughput: ggserve's Embed vs llama.cpp's `llama-server --embeddings`, same run.

All serve the tests' all-MiniLM-L6-v2 GGUF (`make models`) with the same threads, one request
of `--batch` short texts at a time (inputs/s, the median of `--rounds`), mean pooling, 2048-token
batches. ggserve is measured through the whole stack (`ggserve serve` in its own process, gRPC
from the Python client); llama-server through its OpenAI-compatible `/v1/embeddings`; and bare
llama-cpp-python (`Llama.embed`, in this process) as a second baseline. The vectors are compared
too (the lowest cosine of each pair), since a fast wrong answer is no answer. The goal is a ratio
of at least 0.9 against llama-server (from `make llama-server`; without it, only the
llama-cpp-python comparison is printed).

Usage: python bench/embeddings_throughput.py [--threads 1] [--batch 256] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import llama_cpp
import llama_server
from service_process import serve_drained

from ggserve_client import Client

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / ".tools" / "models" / "all-minilm-l6-v2-f16.gguf"
SUBJECTS = ("The cat", "A doctor", "My neighbour", "The old train", "A small robot", "Our team")
VERBS = ("sleeps on", "walks past", "repairs", "paints", "looks at", "talks about")
OBJECTS = ("the sofa.", "a red car.", "the harbour at night.", "an empty bottle.", "the rain.")


def texts(count: int) -> list[str]:
    """`count` short, distinct sentences (5-9 tokens)."""
    out = []
    for i in range(count):
        s, v, o = SUBJECTS[i % 6], VERBS[(i // 6) % 6], OBJECTS[(i // 36) % 5]
        out.append(f"{s} {v} {o} ({i})")
    return out


def llama_embed(target: str, inputs: list[str]) -> list[list[float]]:
    body = json.dumps({"input": inputs, "model": "m", "encoding_format": "float"}).encode()
    request = urllib.request.Request(
        f"http://{target}/v1/embeddings", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=600) as answer:
        data = json.loads(answer.read())["data"]
    return [item["embedding"] for item in sorted(data, key=lambda d: d["index"])]


def timed(call: Callable[[], T], rounds: int) -> tuple[float, T]:
    """The median seconds of `rounds` calls (after one warm-up) and the last result."""
    result = call()
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def bare_embed(threads: int) -> Callable[[list[str]], list[list[float]]]:
    """llama-cpp-python's own embedding call over the same GGUF and batch sizes."""
    model = llama_cpp.Llama(
        str(MODEL), embedding=True, n_threads=threads, n_threads_batch=threads, n_ctx=2048,
        n_batch=2048, n_ubatch=2048, n_seq_max=64, verbose=False,
    )  # fmt: skip

    def embed(inputs: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = model.embed(inputs, normalize=True)
        return vectors

    return embed


def cosine(a: list[float], b: list[float]) -> float:
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    return dot / math.sqrt(math.fsum(x * x for x in a) * math.fsum(y * y for y in b))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not MODEL.is_file():
        raise SystemExit(f"{MODEL} is missing: run `make models`")
    inputs = texts(args.batch)
    options = ("--model", f"m={MODEL}", "--threads", str(args.threads), "--parallel", "1")
    with serve_drained(*options) as (target, _), Client(target, timeout=600) as client:
        ours, ours_result = timed(
            lambda: client.embed(inputs, model="m", normalize=True), args.rounds
        )
    embed = bare_embed(args.threads)
    bare, bare_vectors = timed(lambda: embed(inputs), args.rounds)
    rate = args.batch / ours
    print(f"embeddings, {args.batch} short texts per request, {args.threads} thread(s), "
          f"median of {args.rounds}:")  # fmt: skip
    print(f"  ggserve Embed (gRPC)          {rate:8.1f} inputs/s  ({ours * 1e3:.0f} ms)")
    baselines = [("llama-cpp-python Llama.embed", bare, bare_vectors)]
    if llama_server.BINARY.is_file():
        flags = ("--embeddings", "--pooling", "mean", "-b", "2048", "-ub", "2048")
        with llama_server.serve(
            MODEL, threads=args.threads, slots=1, n_ctx=2048, extra=flags
        ) as peer:
            theirs, their_vectors = timed(lambda: llama_embed(peer, inputs), args.rounds)
        baselines.insert(0, ("llama-server /v1/embeddings", theirs, their_vectors))
    else:
        print(f"  ({llama_server.BINARY} is missing: `make llama-server` adds that baseline)")
    for name, seconds, vectors in baselines:
        pairs = zip(ours_result.vectors, vectors, strict=True)
        agreement = min(cosine(a, b) for a, b in pairs)
        print(f"  {name:29} {args.batch / seconds:8.1f} inputs/s  ({seconds * 1e3:.0f} ms); "
              f"ggserve/this {seconds / ours:.2f}x, lowest cosine {agreement:.5f}")  # fmt: skip
    print("  goal: ggserve/llama-server >= 0.9")


if __name__ == "__main__":
    main()
