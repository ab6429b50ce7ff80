"""`ggserve serve` with one injected fault, run as a subprocess by the fault tests.

    python tests/integration/fault_server.py FAULT [serve flags...]

Faults (the real engine and model otherwise):
- `engine-death-after=N`: the N+1th engine step raises an exception that is not an `Exception`
  (so no per-step handler catches it), killing the engine thread as a bug or a fatal signal
  translated into Python would.
- `slow-load=S`: loading the model first stalls for S seconds (a large model on a slow disk).
"""

from __future__ import annotations

import sys
import time
from typing import Any


class InjectedFault(BaseException):
    """The injected failure (a BaseException, like SystemExit, escapes `except Exception`)."""


def kill_engine_after(steps: int) -> None:
    """Make the llama backend's step raise `InjectedFault` after `steps` good steps."""
    from ggserve.engine.llama_backend import LlamaBackend

    original = LlamaBackend.step
    done = 0

    def step(self: LlamaBackend, gens: Any) -> Any:
        nonlocal done
        if done >= steps:
            raise InjectedFault(f"injected engine fault after {steps} steps")
        done += 1
        return original(self, gens)

    LlamaBackend.step = step  # type: ignore[method-assign]


def stall_loading(seconds: float) -> None:
    """Make the model load wait `seconds` first."""
    from ggserve.engine.model import LoadedModel

    original = LoadedModel.load.__func__  # type: ignore[attr-defined]

    def load(cls: type[LoadedModel], *args: Any, **kwargs: Any) -> LoadedModel:
        time.sleep(seconds)
        return original(cls, *args, **kwargs)  # type: ignore[no-any-return]

    LoadedModel.load = classmethod(load)  # type: ignore[method-assign, assignment]


def main(argv: list[str]) -> int:
    """Install the fault named by `argv[0]`, then run `ggserve serve argv[1:]`."""
    fault, _, value = argv[0].partition("=")
    if fault == "engine-death-after":
        kill_engine_after(int(value))
    elif fault == "slow-load":
        stall_loading(float(value))
    else:
        raise SystemExit(f"unknown fault {fault!r}")
    from ggserve.cli import main as ggserve_main

    return ggserve_main(["serve", *argv[1:]])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
