"""The CPU thread budget: how many decode threads the server uses, and each model's share.

llama.cpp's thread pool spin-waits: two loaded models whose pools together ask for more cores
than there are collapse each other's speed (measured 76 → 5 tokens/s on 2 cores). So the server
has one budget (`--threads`, default cores - 1, leaving a core to the event loop) that the
models which may be loaded at once share.
"""

from __future__ import annotations

import os


def default_threads() -> int:
    """One core fewer than the machine has (at least 1): ggml's spinning thread pool collapses
    when it competes with the event loop for every core."""
    return max((os.cpu_count() or 1) - 1, 1)


def model_threads(budget: int, resident: int, requested: int | None = None) -> int:
    """Threads of one model when up to `resident` models are loaded together under `budget`:
    an equal share (at least 1), or the model's own `requested` count, capped at the budget."""
    if requested is not None:
        return max(1, min(requested, budget))
    return max(1, budget // max(resident, 1))
