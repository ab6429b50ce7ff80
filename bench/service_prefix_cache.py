"""Prefix cache: TTFT of a request whose ~1.5k-token system prompt the server has seen before.

For each repetition a fresh system prompt (a nonce leads it, so nothing is cached) is sent with a
first question (cold: the whole prompt is evaluated), then with a second question (warm: the
system prompt's KV is reused, `usage.cached_tokens` says how much). The same pair goes to
llama-server (its prompt cache is on by default) when `make llama-server` has built it.
Medians of the repetitions; the ratio cold ÷ warm is the prefix cache's effect.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import llama_server
import uvloop
from service_process import serve_model

from ggserve.bundled_model import bundled_model_path
from ggserve_client import AsyncClient
from ggserve_client.types import ChatDone

FACTS = (
    "The warehouse opens at seven and closes at nineteen on weekdays.",
    "Orders above fifty euros ship for free within the European Union.",
    "Returns are accepted within thirty days when the item is unused.",
    "Customer support answers in English, French, German and Spanish.",
    "Gift cards never expire and can be combined with discount codes.",
    "Fragile items are packed in double-walled boxes with paper padding.",
)
QUESTIONS = ("When does the warehouse open?", "Can I return a used item?")


def system_prompt(nonce: int, sentences: int = 110) -> str:
    body = " ".join(FACTS[i % len(FACTS)] + f" (rule {i})" for i in range(sentences))
    return f"[{nonce}] You are the shop's assistant. Rules: {body}"


async def ggserve_ttft(client: AsyncClient, system: str, question: str) -> tuple[float, int, int]:
    """(TTFT ms, prompt tokens, cached tokens) of one streamed request."""
    start = time.perf_counter()
    ttft = 0.0
    async for event in client.chat_stream(question, system=system, max_tokens=8, temperature=0.0):
        if isinstance(event, ChatDone):
            usage = event.result.usage
            return ttft, usage.prompt_tokens, usage.cached_tokens
        if not ttft:
            ttft = (time.perf_counter() - start) * 1e3
    raise RuntimeError("the stream ended without a result")


async def llama_ttft(target: str, system: str, question: str) -> float:
    body: dict[str, Any] = {
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": question}],
        "max_tokens": 8, "temperature": 0.0,
    }  # fmt: skip
    record = await llama_server.measure(target, body)
    return (record.ttft_s or 0.0) * 1e3


async def ggserve_pairs(target: str, repeats: int) -> list[tuple[float, float, int, int]]:
    rows = []
    async with AsyncClient(target) as client:
        await ggserve_ttft(client, "warm-up", QUESTIONS[0])
        for nonce in range(repeats):
            system = system_prompt(nonce)
            cold, prompt, _ = await ggserve_ttft(client, system, QUESTIONS[0])
            warm, _, cached = await ggserve_ttft(client, system, QUESTIONS[1])
            rows.append((cold, warm, prompt, cached))
    return rows


async def llama_pairs(target: str, repeats: int) -> list[tuple[float, float]]:
    await llama_ttft(target, "warm-up", QUESTIONS[0])
    rows = []
    for nonce in range(repeats):
        system = system_prompt(1000 + nonce)
        rows.append(
            (await llama_ttft(target, system, QUESTIONS[0]),
             await llama_ttft(target, system, QUESTIONS[1]))
        )  # fmt: skip
    return rows


def main() -> None:
    """Print cold and warm TTFT medians for ggserve and llama-server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--slots", type=int, default=8)
    args = parser.parse_args()
    options = ("--threads", str(args.threads), "--parallel", str(args.slots))
    with serve_model(*options) as target:
        rows = uvloop.run(ggserve_pairs(target, args.repeats))
    cold = statistics.median(r[0] for r in rows)
    warm = statistics.median(r[1] for r in rows)
    print(f"prefix cache (SmolLM2, n_threads={args.threads}, {args.slots} slots, "
          f"{args.repeats} repetitions, medians)")  # fmt: skip
    print(f"  ggserve:      prompt {rows[0][2]} tokens, cached on the 2nd request {rows[0][3]}; "
          f"TTFT cold {cold:.1f} ms, warm {warm:.1f} ms: {cold / warm:.1f}x faster")  # fmt: skip
    model = bundled_model_path()
    if llama_server.available() and model is not None:
        with llama_server.serve(model, threads=args.threads, slots=args.slots) as target:
            pairs = asyncio.run(llama_pairs(target, args.repeats))
        l_cold = statistics.median(p[0] for p in pairs)
        l_warm = statistics.median(p[1] for p in pairs)
        print(f"  llama-server: TTFT cold {l_cold:.1f} ms, warm {l_warm:.1f} ms: "
              f"{l_cold / l_warm:.1f}x faster")  # fmt: skip
        print(f"  ggserve ÷ llama-server: cold {cold / l_cold:.2f}x, warm {warm / l_warm:.2f}x")
    else:
        print("  llama-server: not built (make llama-server); no baseline this run")


if __name__ == "__main__":
    main()
