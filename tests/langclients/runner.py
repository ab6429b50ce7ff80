"""Running the Go and Node toolchains from the tests: bounded, output kept for failures."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GO_CLIENT = ROOT / "clients" / "go"
TS_CLIENT = ROOT / "clients" / "ts"
# Below pytest's 300 s limit; `make test` builds both clients before the tests (go-client and
# ts-client in mk/langclients.mk), so this bounds the runs, not a cold grpc-go build.
COMMAND_TIMEOUT_S = 280


@dataclass(frozen=True)
class Run:
    """A finished command: exit status and output."""

    returncode: int
    stdout: str
    stderr: str

    def tail(self, lines: int = 60) -> str:
        """The last lines of stdout and stderr, for a failure message."""
        text = (self.stdout + "\n" + self.stderr).strip().splitlines()
        return "\n".join(text[-lines:])


def run(command: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> Run:
    """Run `command` in `cwd`; fails the test if its program is missing or it hangs."""
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is not on PATH; the Go and TypeScript clients need Go and Node")
    result = subprocess.run(
        list(command),
        cwd=cwd,
        env=dict(env or os.environ),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    return Run(result.returncode, result.stdout, result.stderr)
