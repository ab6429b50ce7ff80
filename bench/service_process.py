"""Servers in their own processes for the service benchmarks (so they never share our GIL).

`serve_model()` runs `ggserve serve` on a free port; `serve_logged()` too, draining its log and
yielding the addresses it logged (gRPC, HTTP gateway, metrics); `serve_replay()` runs
`service_replay_server.py` (a ReplayEngine, no model); `serve_gateway()` runs `ggserve gateway`
in front of one of them. Each yields once its server is ready and stops the process with SIGTERM
(a graceful drain) on exit.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
_ADDRESSES = {  # what the servers log while they start; the first match of each counts
    "target": re.compile(r"listening on ([^\s,]+)"),  # the log line goes on ", plaintext …"
    "http": re.compile(r"HTTP gateway listening on (\S+)"),
    "metrics": re.compile(r"metrics at (\S+)"),
}


@dataclass(frozen=True)
class Served:
    """A ready server process and the addresses its log named."""

    target: str  # the first address it logged listening on (gRPC host:port; a gateway's URL)
    pid: int
    http: str = ""  # the HTTP gateway's base URL (`http://…/v1`), with --http-port
    metrics: str = ""  # the Prometheus URL (`http://…/metrics`), with --metrics-port


@contextmanager
def _process(command: Sequence[str], ready: str) -> Iterator[Served]:
    """Start `command`, wait for a stderr line containing `ready`, yield the addresses it
    logged. The rest of its log is read on a thread, so that a long benchmark's log lines never
    fill the pipe (a full pipe would block the server)."""
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    found: dict[str, str] = {}
    try:
        assert process.stderr is not None
        for line in process.stderr:
            for name, pattern in _ADDRESSES.items():
                if name not in found and (match := pattern.search(line)):
                    found[name] = match.group(1)
            if ready in line:
                break
        else:
            raise RuntimeError(f"{command[1:4]} exited before it was ready")
        stream = process.stderr
        threading.Thread(target=lambda: [None for _ in stream], daemon=True).start()
        address = {name: found.get(name, "") for name in _ADDRESSES}
        yield Served(address["target"], process.pid, address["http"], address["metrics"])
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


@contextmanager
def serve_model(*options: str) -> Iterator[str]:
    """`ggserve serve` over the bundled model, 1 thread, free port; yields `host:port`."""
    with serve_logged("--threads", "1", *options) as served:
        yield served.target


@contextmanager
def serve_logged(*options: str) -> Iterator[Served]:
    """`ggserve serve OPTIONS` on a free port of 127.0.0.1; yields once ready (the default
    model loaded)."""
    command = [sys.executable, "-m", "ggserve", "serve", "--port", "0", *options]
    with _process(command, "; ready") as served:
        yield served


@contextmanager
def serve_drained(*options: str) -> Iterator[tuple[str, int]]:
    """`serve_logged(OPTIONS)`: yields (`host:port`, pid) once ready."""
    with serve_logged(*options) as served:
        yield served.target, served.pid


@contextmanager
def serve_replay(pieces: int, piece: str = " tok", delay_ms: float = 0.0) -> Iterator[str]:
    """A server over a ReplayEngine answering `pieces` copies of `piece`, one per `delay_ms`."""
    script = BENCH / "service_replay_server.py"
    command = [sys.executable, str(script), "--pieces", str(pieces), "--piece", piece]
    command += ["--piece-delay-ms", str(delay_ms)]
    with _process(command, "ready") as served:
        yield served.target


@contextmanager
def serve_gateway(upstream: str) -> Iterator[str]:
    """`ggserve gateway` to `upstream` on a free port; yields its base URL (`http://…/v1`)."""
    command = [sys.executable, "-m", "ggserve", "gateway", "--upstream", upstream, "--port", "0"]
    with _process(command, "listening on") as served:
        yield served.target
