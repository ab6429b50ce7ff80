"""Routes llama.cpp's log output into Python `logging`, and captures errors for messages.

llama.cpp logs through one process-wide callback. Without ours, llama-cpp-python prints
everything to stderr. Here INFO chatter goes to DEBUG, warnings and errors keep their level, and a
caller can capture the error lines logged on its own thread (`capture_errors`) to explain why a
model failed to load or a grammar failed to parse.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import threading
from collections.abc import Iterator

import llama_cpp

logger = logging.getLogger("ggserve.llama_cpp")

# ggml.h's ggml_log_level: NONE=0, DEBUG=1, INFO=2, WARN=3, ERROR=4, CONT=5 (continues the
# previous line). llama-cpp-python's own table predates the renumbering; this follows the header.
_LEVELS = {
    0: logging.DEBUG,
    1: logging.DEBUG,
    2: logging.DEBUG,
    3: logging.WARNING,
    4: logging.ERROR,
}
_CONT = 5


class _ThreadState(threading.local):
    """Per-thread partial line, its level, and the active error capture (if any)."""

    def __init__(self) -> None:
        self.partial = ""
        self.level = logging.DEBUG
        self.errors: list[str] | None = None


_state = _ThreadState()
_install_lock = threading.Lock()
_installed: list[object] = []  # keeps the ctypes callback alive for the life of the process


def _on_log(level: int, text: bytes | None, _user_data: ctypes.c_void_p) -> None:
    if level != _CONT:
        _state.level = _LEVELS.get(level, logging.DEBUG)
    _state.partial += (text or b"").decode("utf-8", errors="replace")
    if not _state.partial.endswith("\n"):
        return  # progress dots and split lines: wait for the end of the line
    line, _state.partial = _state.partial.rstrip(), ""
    if not line:
        return
    if _state.level >= logging.ERROR and _state.errors is not None:
        # The capturing caller turns these lines into its own exception message; logging them
        # as errors too would report one bad request (say, a broken grammar) twice.
        _state.errors.append(line)
        logger.debug("%s", line)
        return
    logger.log(_state.level, "%s", line)


def install() -> None:
    """Install the routing callback once per process (idempotent, thread-safe)."""
    with _install_lock:
        if _installed:
            return
        callback = llama_cpp.llama_log_callback(_on_log)
        llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))
        _installed.append(callback)


@contextlib.contextmanager
def capture_errors() -> Iterator[list[str]]:
    """Collect the llama.cpp error lines logged on this thread inside the block."""
    install()
    previous, _state.errors = _state.errors, []
    try:
        yield _state.errors
    finally:
        _state.errors = previous
