"""Embedding throughput: ggserve's Embed vs llama.cpp's `llama-server --embeddings`, same run.

Both serve the tests' all-MiniLM-L6-v2 GGUF (`make models`) with the same threads, one request
of `--batch` short texts at a time (inputs/s, the median of `--rounds`), mean pooling, 2048-token
batches. ggserve is measured through the whole stack (`ggserve serve` in its own process, gRPC
from the Python client); llama-server through its OpenAI-compatible `/v1/embeddings`. The
vectors of both are compared too (cosine of each pair), since a fast wrong answer is no answer.
The goal is a ratio of at least 0.9. llama-server comes from `make llama-server`.

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
    if not llama_server.BINARY.is_file():
        raise SystemExit(f"{llama_server.BINARY} is missing: run `make llama-server`")
    inputs = texts(args.batch)
    options = ("--model", f"m={MODEL}", "--threads", str(args.threads), "--parallel", "1")
    with serve_drained(*options) as (target, _), Client(target, timeout=600) as client:
        ours, ours_result = timed(
            lambda: client.embed(inputs, model="m", normalize=True), args.rounds
        )
    flags = ("--embeddings", "--pooling", "mean", "-b", "2048", "-ub", "2048")
    with llama_server.serve(MODEL, threads=args.threads, slots=1, n_ctx=2048, extra=flags) as peer:
        theirs, their_vectors = timed(lambda: llama_embed(peer, inputs), args.rounds)
    pairs = zip(ours_result.vectors, their_vectors, strict=True)
    agreement = min(cosine(a, b) for a, b in pairs)
    ours_rate, theirs_rate = args.batch / ours, args.batch / theirs
    print(f"embeddings, {args.batch} short texts per request, {args.threads} thread(s), "
          f"median of {args.rounds}:")  # fmt: skip
    print(f"  ggserve Embed (gRPC)          {ours_rate:8.1f} inputs/s  ({ours * 1e3:.0f} ms)")
    print(f"  llama-server /v1/embeddings   {theirs_rate:8.1f} inputs/s  ({theirs * 1e3:.0f} ms)")
    print(f"  ratio ggserve/llama-server    {ours_rate / theirs_rate:8.2f}  (goal >= 0.9)")
    print(f"  lowest cosine between the two servers' vectors: {agreement:.5f}")


if __name__ == "__main__":
    main()
