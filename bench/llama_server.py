"""llama.cpp's `llama-server` as a baseline: its process, and a closed-loop client of its
OpenAI-compatible streaming endpoint that records exactly what the ggserve load generator records.

The binary is built by `make llama-server` from the llama.cpp vendored in the llama-cpp-python
sdist the service runs on (same commit). The client is a few lines of asyncio HTTP/1.1 (chunked
server-sent events), so no HTTP library enters the lock file for a benchmark; each SSE chunk of
llama-server carries one token, timed like a ggserve delta.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ggserve_client.loadgen.runner import LevelRun, RequestRecord
from ggserve_client.loadgen.workload import Workload

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / ".tools" / "llama-server" / "bin" / "llama-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(
    model: Path, *, threads: int, slots: int, n_ctx: int = 4096, extra: Sequence[str] = ()
) -> Iterator[str]:
    """Run llama-server (unified KV cache, like ggserve) and yield `host:port` once healthy;
    `extra`: more flags (e.g. `--embeddings`)."""
    port = free_port()
    command = [
        str(BINARY), "-m", str(model), "--host", "127.0.0.1", "--port", str(port),
        "-t", str(threads), "-tb", str(threads), "-np", str(slots), "-c", str(n_ctx),
        "-kvu", "-ngl", "0", "--no-webui", *extra,
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"llama-server exited with {process.returncode}: {command}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("llama-server did not become healthy in 120 s")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _chunks(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    """The body of a chunked HTTP/1.1 response, chunk by chunk."""
    while True:
        size = int((await reader.readline()).strip() or b"0", 16)
        if size == 0:
            return
        data = await reader.readexactly(size)
        await reader.readexactly(2)
        yield data


async def stream_chat(target: str, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """POST /v1/chat/completions with `stream: true`; yield each SSE `data:` JSON object."""
    host, port = target.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    payload = json.dumps({**body, "stream": True}).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {target}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    )
    writer.write(head.encode() + payload)
    await writer.drain()
    try:
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"llama-server answered {status!r}")
        while (await reader.readline()).strip():
            pass  # headers (the body is chunked)
        buffer = b""
        async for chunk in _chunks(reader):
            buffer += chunk
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                for line in event.splitlines():
                    if line.startswith(b"data: ") and line[6:].strip() != b"[DONE]":
                        yield json.loads(line[6:])
    finally:
        writer.close()


def request_body(workload: Workload, number: int) -> dict[str, Any]:
    """The OpenAI body for request `number`: the prompt and options the ggserve run sends."""
    prompt, options = workload.request(number)
    messages = [{"role": "user", "content": prompt}]
    if "system" in options:
        messages.insert(0, {"role": "system", "content": options["system"]})
    body: dict[str, Any] = {
        "messages": messages,
        "max_tokens": options.get("max_tokens", 64),
        "temperature": options.get("temperature", 0.0),
    }
    if "seed" in options:
        body["seed"] = options["seed"]
    return body


async def measure(target: str, body: dict[str, Any]) -> RequestRecord:
    """One streamed request, timed like `ggserve_client.loadgen.runner.measure`."""
    record = RequestRecord(with_tools=False)
    start = time.perf_counter()
    previous: float | None = None
    tokens = 0
    try:
        async for event in stream_chat(target, body):
            choices = event.get("choices") or [{}]
            text = (choices[0].get("delta") or {}).get("content")
            timings = event.get("timings")
            if timings:
                tokens = int(timings.get("predicted_n", tokens))
            if not text:
                continue
            now = time.perf_counter() - start
            if previous is None:
                record.ttft_s = now
            else:
                record.gaps_s.append(now - previous)
            previous = record.last_token_s = now
            tokens = max(tokens, len(record.gaps_s) + 1)
    except (OSError, RuntimeError, ValueError) as exc:
        record.code = type(exc).__name__
    record.completion_tokens = tokens
    record.latency_s = time.perf_counter() - start
    return record


async def closed_loop(
    target: str, workload: Workload, concurrency: int, *, requests: int
) -> LevelRun:
    """`concurrency` workers sending the workload's requests back to back."""
    records: list[RequestRecord] = []
    numbers = iter(range(requests))
    start = time.perf_counter()

    async def worker() -> None:
        for number in numbers:
            records.append(await measure(target, request_body(workload, number)))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LevelRun("closed", concurrency, records, time.perf_counter() - start)


def available(path: Path = BINARY) -> bool:
    """Whether `make llama-server` has been run."""
    return path.is_file()


def describe(args: Sequence[str]) -> str:
    return " ".join(args)
