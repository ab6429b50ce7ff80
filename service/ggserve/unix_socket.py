"""The Unix socket listener's file: a stale one removed, its mode set explicitly after bind.

The socket is bound under a umask that leaves it owner-only, then `chmod`ed to the mode asked
for, so there is no moment when it is more open than either. A path that holds something other
than a socket, or a socket another process still listens on, is never removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path


class SocketPathError(Exception):
    """The Unix socket path cannot be used; the message says why."""


def remove_stale(path: Path) -> None:
    """Remove a socket file nobody listens on; raise if `path` is in use or not a socket."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise SocketPathError(f"{path} exists and is not a socket; remove it or pick another path")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError as exc:
        if exc.errno not in (errno.ECONNREFUSED, errno.ENOENT):
            raise SocketPathError(f"cannot check {path}: {exc.strerror}") from exc
        path.unlink(missing_ok=True)  # a leftover of a process that is gone
        return
    finally:
        probe.close()
    raise SocketPathError(f"another process is listening on {path}")


@contextlib.contextmanager
def owner_only_umask() -> Iterator[None]:
    """Files created inside get at most mode 0600 (the socket is chmod-ed right after)."""
    previous = os.umask(0o177)
    try:
        yield
    finally:
        os.umask(previous)


def set_mode(path: Path, mode: int) -> None:
    """Give the bound socket exactly `mode`."""
    os.chmod(path, mode)
