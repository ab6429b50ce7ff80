"""What both fuzz tests check around every example, and the hypothesis settings they run under.

The server under test runs in its own process: after each example it must still be running and
answer its health check, and its resident memory must stay flat — the baseline is taken once a
tenth of the examples has warmed the server's caches up, and compared with the end.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import HealthCheck, settings


def fuzz_settings(examples: int, *, fresh_seed: bool) -> settings:
    """`examples` examples, no deadline or example database, derandomised unless `fresh_seed`
    (the long runs of `make fuzz-*`)."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=not fresh_seed,
        suppress_health_check=list(HealthCheck),
    )


def rss_mib(pid: int) -> float:
    """A process's resident memory."""
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


@dataclass
class ServerWatch:
    """The server process of a fuzz run, checked after each of its `examples` examples."""

    process: subprocess.Popen[bytes]
    examples: int
    healthy: Callable[[], bool]
    done: int = 0
    warm_mib: float | None = None
    end_mib: float | None = None

    def check(self) -> None:
        """After an example: the server runs and is healthy; the baseline RSS once a tenth of
        the examples has run."""
        assert self.process.poll() is None, "the server died"
        assert self.healthy(), "the server's health check failed"
        self.done += 1
        if self.done == max(self.examples // 10, 1):
            self.warm_mib = rss_mib(self.process.pid)

    def finish(self) -> float:
        """The RSS growth in MiB since the baseline (0 when none was taken)."""
        self.end_mib = rss_mib(self.process.pid)
        return self.end_mib - (self.end_mib if self.warm_mib is None else self.warm_mib)

    def rss_text(self) -> str:
        warm = "?" if self.warm_mib is None else f"{self.warm_mib:.0f}"
        return f"RSS {warm} -> {self.end_mib or 0:.0f} MiB"
