"""A gateway over a replay core in a process of its own, for the HTTP fuzz's crash and RSS checks.

`python -m tests.fuzz.http_target` serves until its standard input closes and prints the same
line as `ggserve serve --http-port` once it listens. The replay core answers every request with
a short scripted text (no model), so `make test` exercises the whole HTTP path in seconds; the
gateway's limits are the defaults except shorter header and body timeouts.
"""

from __future__ import annotations

import sys

from ggserve.engine.replay import ReplayEngine
from ggserve_gateway import GatewayServer, HttpLimits
from tests.integration.conftest import served
from tests.integration.harness import ServerThread

LIMITS = HttpLimits(header_timeout_s=5.0, body_timeout_s=5.0)


def main() -> None:
    server = ServerThread([served(ReplayEngine(["Hello", ",", " world", "!"]))])
    gateway = GatewayServer(server.target, port=0, grace=1.0, limits=LIMITS)
    port = server.run(gateway.start())
    print(f"HTTP gateway listening on http://127.0.0.1:{port}/v1", file=sys.stderr, flush=True)
    sys.stdin.read()
    server.run(gateway.stop())
    server.close()


if __name__ == "__main__":
    main()
