"""First response byte after admission, whatever the prompt length (issue 15's goal: ≤ 1 s).

Starts `ggserve serve --http-port` over the bundled model (1 thread unless `--threads`), then for
prompts of about 1k, 4k and 8k tokens sends one streaming request through each API, one request
at a time: OpenAI Chat Completions, Anthropic Messages and OpenAI Responses as raw HTTP (httpx2,
reading the body as its bytes arrive), and gRPC `ChatStream` through `ggserve_client`. Per
request it prints the seconds from sending the request to
- the response headers (HTTP; gRPC: none, its first message is the start),
- the first body byte (HTTP) or the first event, `started` (gRPC),
- the first keep-alive (Anthropic: a `ping` after the one that follows `message_start`; Chat
  Completions: a chunk with an empty delta; Responses: a `response.in_progress` after the first;
  an SSE comment from any; gRPC: the first `prompt_progress` event),
- the first token (the first content delta),
and the prompt tokens (from the API's usage), how many of them came from the prefix cache and the
prompt evaluation time (gRPC: the result's `prompt_eval_ms`; HTTP: the server's time to first
token for that request, from its Prometheus histogram — queueing and prompt evaluation and one
decode step; requests run one at a time, so the histogram's growth is that request's).

Every prompt is distinct from its first token on (a system text with its own nonce, then its own
seeded random words), so the prefix cache can serve only the chat template's few leading tokens;
the `cached` column shows it. Admission is when the server has validated and queued the request;
a client cannot see that moment, so every time here is measured from sending the request: an upper
bound of the time after admission. The goal line takes the worst first byte (gRPC: first event)
over all requests.

    .venv/bin/python bench/gateway_first_byte.py [--threads 1] [--lengths 1000,4000,8000]
        [--apis chat,messages,responses,grpc] [--max-tokens 4]

About 52k prompt tokens in all at the defaults: prompt evaluation takes nearly all the time
(26 minutes on one thread of a busy 2-core machine; the bundled model evaluates roughly 80-130
prompt tokens/s of a short prompt on a quiet core, fewer as the prompt grows).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import secrets
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
from service_process import Served, serve_logged

from ggserve_client import Client
from ggserve_client.types import ChatDone, ChatStarted, ContentDelta, PromptProgress

GOAL_S = 1.0
N_CTX = 8192  # the bundled model's training context; the longest prompt must fit with its answer
_METRIC = re.compile(
    r"^(ggserve_(?:cached_)?prompt_tokens_total|ggserve_time_to_first_token_seconds_sum)"
    r"(?:\{[^}]*\})? ([0-9.e+-]+)$",
    re.M,
)
_WORD_LIST = (
    "river stone lantern window harbor meadow copper signal orchard thunder basket pillow "
    "garden mirror candle ladder forest bridge marble feather engine valley silver canvas "
    "market ribbon anchor blanket cottage desert island kettle meadowlark needle ocean pepper "
    "puzzle rocket saddle tunnel velvet wagon yellow zebra almond bicycle cabinet dolphin "
    "elbow falcon glacier hammer igloo jacket kitten lemon magnet napkin oyster parrot quartz "
    "radish sandal teapot umbrella violin walnut anvil beacon cobble drizzle ember fjord "
    "gravel hollow inkwell juniper knoll lagoon mosaic nutmeg opal prism quiver rafter spindle "
    "thimble upland vessel willow yarrow zenith"
)
_WORDS = _WORD_LIST.split()


@dataclass
class Timeline:
    """Seconds from sending one request to what its response showed, and its counts."""

    api: str
    target: int
    headers: float | None = None
    first_byte: float | None = None
    keep_alive: float | None = None
    first_token: float | None = None
    prompt_tokens: int = 0
    cached_tokens: int = 0
    prompt_eval: float | None = None
    notes: list[str] = field(default_factory=list)


def counters(metrics_url: str) -> dict[str, float]:
    """The server's prompt tokens, cached prompt tokens and time-to-first-token sum so far."""
    text = urllib.request.urlopen(metrics_url, timeout=10).read().decode()
    sums: dict[str, float] = {}
    for name, value in _METRIC.findall(text):
        sums[name] = sums.get(name, 0.0) + float(value)
    return sums


@dataclass(frozen=True)
class Prompt:
    """A system text and a user text whose chat is about `tokens` long, unlike any other."""

    system: str
    user: str


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(count))


def make_prompt(client: Client, tokens: int) -> Prompt:
    """Random words from their own seed, sized with the server's tokenizer (one rescale, then
    trimmed): distinct from the first token after the template's system header."""
    nonce = secrets.token_hex(8)
    system = f"Session {nonce}. Read the notes, then answer in one word."
    question = "\n\nWhich word came first in the notes?"
    rng = random.Random(nonce)
    head = _words(rng, 4 * tokens)
    overhead = len(client.tokenize(system + question)) + 12  # the template's markers
    budget = tokens - overhead
    words = head.split()
    count = min(len(words), budget)
    for _ in range(4):  # converges in one or two rounds: the words' token ratio is stable
        size = len(client.tokenize(" ".join(words[:count])))
        if abs(size - budget) <= 8:
            break
        count = max(1, round(count * budget / size))
    return Prompt(system, "Notes: " + " ".join(words[:count]) + question)


class SseTimes:
    """Feeds an SSE body's bytes as they arrive, timing its first byte, keep-alive and token."""

    def __init__(self, timeline: Timeline, is_token: Callable[[str, dict[str, Any]], bool]) -> None:
        self.timeline = timeline
        self.is_token = is_token
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._buffer = b""

    def feed(self, chunk: bytes, at: float) -> None:
        line = self.timeline
        if line.first_byte is None:
            line.first_byte = at
        self._buffer += chunk
        *whole, self._buffer = self._buffer.split(b"\n\n")
        for raw in whole:
            name, data = _parse_event(raw.decode())
            keep_alive = _is_keep_alive(name, data, self.events)
            if keep_alive and line.keep_alive is None:
                line.keep_alive = at
            if data is not None and line.first_token is None and self.is_token(name, data):
                line.first_token = at
            self.events.append((name, data or {}))


def _is_keep_alive(
    name: str, data: dict[str, Any] | None, before: list[tuple[str, dict[str, Any]]]
) -> bool:
    """Whether an event is a keep-alive (see the module's docstring) given the events before."""
    if name == ":":
        return True
    if name == "ping":
        return len(before) > 1
    if name == "response.in_progress":
        return any(seen == name for seen, _ in before)
    choices = (data or {}).get("choices") or [{}]
    return name == "chat.completion.chunk" and bool(before) and choices[0].get("delta") == {}


def _parse_event(text: str) -> tuple[str, dict[str, Any] | None]:
    """(event name, data object); a comment-only event is named ":", `data: [DONE]` has none."""
    name, data = "", None
    lines = [line for line in text.split("\n") if line]
    if lines and all(line.startswith(":") for line in lines):
        return ":", None
    for line in lines:
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: {"):
            data = json.loads(line[6:])
    if data is not None and not name:
        name = str(data.get("type", data.get("object", "")))
    return name, data


def _chat_token(_name: str, data: dict[str, Any]) -> bool:
    choices = data.get("choices") or [{}]
    delta = choices[0].get("delta", {})
    return bool(delta.get("content") or delta.get("reasoning_content") or delta.get("tool_calls"))


def _messages_token(name: str, _data: dict[str, Any]) -> bool:
    return name == "content_block_delta"


def _responses_token(name: str, data: dict[str, Any]) -> bool:
    return name.startswith("response.") and name.endswith(".delta") and bool(data.get("delta"))


def _chat_body(model: str, prompt: Prompt, max_tokens: int) -> dict[str, Any]:
    return {
        "model": model,
        "messages": [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
        ],
        "max_tokens": max_tokens,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def _messages_body(model: str, prompt: Prompt, max_tokens: int) -> dict[str, Any]:
    return {
        "model": model,
        "system": prompt.system,
        "messages": [{"role": "user", "content": prompt.user}],
        "max_tokens": max_tokens,
        "stream": True,
    }


def _responses_body(model: str, prompt: Prompt, max_tokens: int) -> dict[str, Any]:
    return {
        "model": model,
        "instructions": prompt.system,
        "input": prompt.user,
        "max_output_tokens": max_tokens,
        "stream": True,
        "store": False,
    }


def _chat_usage(events: list[tuple[str, dict[str, Any]]]) -> int:
    return next(int(d["usage"]["prompt_tokens"]) for _, d in reversed(events) if d.get("usage"))


def _messages_usage(events: list[tuple[str, dict[str, Any]]]) -> int:
    delta = next(d for name, d in reversed(events) if name == "message_delta")
    return int(delta["usage"]["input_tokens"])


def _responses_usage(events: list[tuple[str, dict[str, Any]]]) -> int:
    final = next(d for name, d in reversed(events) if name in _RESPONSES_ENDS)
    return int(final["response"]["usage"]["input_tokens"])


_RESPONSES_ENDS = ("response.completed", "response.incomplete")


@dataclass(frozen=True)
class HttpApi:
    """One HTTP API: its path, request body, token test and prompt-token count."""

    path: str
    body: Callable[[str, Prompt, int], dict[str, Any]]
    is_token: Callable[[str, dict[str, Any]], bool]
    prompt_tokens: Callable[[list[tuple[str, dict[str, Any]]]], int]


HTTP_APIS = {
    "chat": HttpApi("/chat/completions", _chat_body, _chat_token, _chat_usage),
    "messages": HttpApi("/messages", _messages_body, _messages_token, _messages_usage),
    "responses": HttpApi("/responses", _responses_body, _responses_token, _responses_usage),
}
APIS = (*HTTP_APIS, "grpc")


@dataclass(frozen=True)
class Gateway:
    """Where the HTTP requests go, and the model they name."""

    base_url: str  # http://…/v1
    model: str


def http_request(
    http: httpx2.Client,
    gateway: Gateway,
    name: str,
    prompt: Prompt,
    line: Timeline,
    *,
    max_tokens: int,
) -> None:
    """One streamed request through HTTP API `name`, its bytes timed as they arrive."""
    api = HTTP_APIS[name]
    body = json.dumps(api.body(gateway.model, prompt, max_tokens)).encode()
    times = SseTimes(line, api.is_token)
    start = time.perf_counter()
    with http.stream("POST", gateway.base_url + api.path, content=body) as response:
        line.headers = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"{name}: HTTP {response.status_code}: {response.read()[:300]!r}")
        for chunk in response.iter_raw():
            times.feed(chunk, time.perf_counter() - start)
    line.prompt_tokens = api.prompt_tokens(times.events)


def grpc_request(client: Client, prompt: Prompt, line: Timeline, max_tokens: int) -> None:
    """One `ChatStream` call: `started`, the first `prompt_progress`, the first content delta."""
    start = time.perf_counter()
    stream = client.chat_stream(prompt.user, system=prompt.system, max_tokens=max_tokens)
    for event in stream:
        at = time.perf_counter() - start
        if line.first_byte is None:
            line.first_byte = at
            if not isinstance(event, ChatStarted):
                line.notes.append(f"first event {type(event).__name__}, not started")
        if isinstance(event, PromptProgress) and line.keep_alive is None:
            line.keep_alive = at
        elif isinstance(event, ContentDelta) and line.first_token is None:
            line.first_token = at
        elif isinstance(event, ChatDone):
            line.prompt_tokens = event.result.usage.prompt_tokens
            line.prompt_eval = event.result.timings.prompt_eval_ms / 1000


def _seconds(value: float | None) -> str:
    return f"{value:8.2f}" if value is not None else f"{'—':>8}"


def _row(line: Timeline) -> str:
    cells = (line.headers, line.first_byte, line.keep_alive, line.first_token, line.prompt_eval)
    notes = f"  {'; '.join(line.notes)}" if line.notes else ""
    return (
        f"{line.api:<10} {line.target:>6} {line.prompt_tokens:>7} {line.cached_tokens:>6} "
        + " ".join(_seconds(c) for c in cells)
        + notes
    )


def run(served: Served, lengths: list[int], apis: list[str], max_tokens: int) -> list[Timeline]:
    """Every (length, API) request in turn, each printed as it finishes."""
    lines: list[Timeline] = []
    with Client(served.target) as client, httpx2.Client(timeout=None) as http:
        gateway = Gateway(served.http, client.get_model().alias)
        # Warm-up: the first evaluation allocates llama.cpp's buffers; not measured.
        for _ in client.chat_stream("Hello", max_tokens=1):
            pass
        for length in lengths:
            for name in apis:
                prompt = make_prompt(client, length)
                line = Timeline(name, length)
                before = counters(served.metrics)
                if name == "grpc":
                    grpc_request(client, prompt, line, max_tokens)
                else:
                    http_request(http, gateway, name, prompt, line, max_tokens=max_tokens)
                after = counters(served.metrics)
                grew = {key: after.get(key, 0.0) - before.get(key, 0.0) for key in after}
                line.cached_tokens = int(grew.get("ggserve_cached_prompt_tokens_total", 0))
                if line.prompt_eval is None:
                    line.prompt_eval = grew.get("ggserve_time_to_first_token_seconds_sum")
                lines.append(line)
                print(_row(line), flush=True)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp threads (default 1)")
    parser.add_argument("--lengths", default="1000,4000,8000", help="prompt tokens, about")
    parser.add_argument("--apis", default=",".join(APIS), help=f"of {', '.join(APIS)}")
    parser.add_argument("--max-tokens", type=int, default=4, help="answer budget per request")
    args = parser.parse_args(argv)
    lengths = [int(n) for n in args.lengths.split(",") if n]
    apis = [a for a in args.apis.split(",") if a]
    unknown = [a for a in apis if a not in APIS]
    if unknown or max(lengths) + args.max_tokens + 16 > N_CTX:
        parser.error(f"APIs are {', '.join(APIS)}; prompts + answer must fit {N_CTX} tokens")
    options = ("--n-ctx", str(N_CTX), "--threads", str(args.threads))
    print(
        f"ggserve serve {' '.join(options)} --http-port 0 --metrics-port 0 (bundled model), "
        f"max_tokens {args.max_tokens}, one request at a time"
    )
    print("seconds from sending the request (an upper bound of the time after admission)")
    print(
        f"{'api':<10} {'target':>6} {'prompt':>7} {'cached':>6} {'headers':>8} {'1st byte':>8} "
        f"{'keepalive':>8} {'1st tok':>8} {'prompt s':>8}"
    )
    with serve_logged(*options, "--http-port", "0", "--metrics-port", "0") as served:
        lines = run(served, lengths, apis, args.max_tokens)
    print(
        "  first byte: HTTP's first body byte, gRPC's `started` event; keep-alive: an SSE comment "
        "or a later Anthropic `ping`, gRPC's first `prompt_progress`;"
    )
    print(
        "  prompt s: gRPC `timings.prompt_eval_ms`; HTTP the server's time to first token "
        "(queueing + prompt evaluation + one decode step)"
    )
    worst = max(line.first_byte or float("inf") for line in lines)
    evaluation = max(line.prompt_eval or 0.0 for line in lines)
    verdict = "PASS" if worst <= GOAL_S else "MISS"
    print(
        f"first byte after admission ≤ {GOAL_S:g} s: {verdict} "
        f"(worst {worst:.2f} s, while prompt evaluation took up to {evaluation:.1f} s)"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
