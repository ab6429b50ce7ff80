"""`ggserve serve` as a subprocess on free ports, with its log kept for assertions."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import grpc

from ggserve_client.v1 import api_pb2_grpc as pb_grpc

READY = re.compile(r"loaded .* ready")
LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
METRICS = re.compile(r"metrics at http://127\.0\.0\.1:(\d+)/metrics")


@dataclass
class Served:
    """A running server: its ports, stubs and the log lines so far."""

    process: subprocess.Popen[str]
    port: int
    metrics_port: int | None
    log: list[str] = field(default_factory=list)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stubs(self) -> tuple[pb_grpc.ChatServiceStub, pb_grpc.ModelServiceStub]:
        channel = grpc.insecure_channel(self.target)
        return pb_grpc.ChatServiceStub(channel), pb_grpc.ModelServiceStub(channel)


@contextmanager
def serve(*flags: str, timeout_s: float = 120) -> Iterator[Served]:
    """Start `ggserve serve --port 0 FLAGS`, wait until ready, SIGTERM it at the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ggserve", "serve", "--port", "0", "--threads", "1", *flags],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    served = Served(process, 0, None)
    reader: threading.Thread | None = None
    deadline = time.monotonic() + timeout_s
    try:
        for line in process.stderr:
            served.log.append(line)
            if match := LISTENING.search(line):
                served.port = int(match.group(1))
            if match := METRICS.search(line):
                served.metrics_port = int(match.group(1))
            if READY.search(line):
                break
            assert time.monotonic() < deadline, "".join(served.log)
        assert served.port, "the server did not start:\n" + "".join(served.log)
        # Keep draining stderr so the server never blocks on a full pipe.
        stderr = process.stderr
        reader = threading.Thread(target=lambda: served.log.extend(stderr), daemon=True)
        reader.start()
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if reader is not None:
            reader.join(timeout=10)  # the pipe's EOF ends it once the process is gone
        process.stderr.close()
