"""`ggserve gateway` (and `ggserve-gateway`): the HTTP gateway in front of a running ggserve.

Exit codes: 0 after a clean stop (SIGTERM/SIGINT), 2 for a startup problem (bad flags, port in
use).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence

import uvloop

from ggserve_client import ChannelConfig, TlsConfig
from ggserve_gateway.limits import DEFAULT_MAX_BODY_BYTES, HttpLimits
from ggserve_gateway.responses_store import DEFAULT_MAX_BYTES, DEFAULT_MAX_COUNT, ResponseStore
from ggserve_gateway.server import GatewayServer

logger = logging.getLogger("ggserve.gateway")
EXIT_STARTUP = 2
ENV_PREFIX = "GGSERVE_GATEWAY_"


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0-65535, got {value}")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser(prog: str, environ: Mapping[str, str]) -> argparse.ArgumentParser:
    """The command line; every flag also reads `GGSERVE_GATEWAY_<FLAG>`."""

    def env(name: str, fallback: str) -> str:
        return environ.get(ENV_PREFIX + name.upper(), fallback)

    parser = argparse.ArgumentParser(
        prog=prog, description="OpenAI- and Anthropic-compatible HTTP API for a ggserve server."
    )
    parser.add_argument(
        "--upstream", default=env("upstream", "127.0.0.1:50051"), metavar="HOST:PORT|unix:PATH",
        help="the ggserve gRPC server (default 127.0.0.1:50051) [GGSERVE_GATEWAY_UPSTREAM]",
    )  # fmt: skip
    parser.add_argument(
        "--host", default=env("host", "127.0.0.1"),
        help="interface to listen on (default 127.0.0.1) [GGSERVE_GATEWAY_HOST]",
    )  # fmt: skip
    parser.add_argument(
        "--port", type=_port, default=env("port", "8080"),
        help="HTTP port; 0 picks a free one (default 8080) [GGSERVE_GATEWAY_PORT]",
    )  # fmt: skip
    parser.add_argument(
        "--upstream-ca", default=env("upstream_ca", ""), metavar="PEM",
        help="connect to the upstream over TLS, verifying it with this CA bundle "
        "[GGSERVE_GATEWAY_UPSTREAM_CA]",
    )  # fmt: skip
    parser.add_argument(
        "--upstream-cert", default=env("upstream_cert", ""), metavar="PEM",
        help="client certificate for an upstream that requires mTLS (with --upstream-key)",
    )  # fmt: skip
    parser.add_argument(
        "--upstream-key", default=env("upstream_key", ""), metavar="PEM",
        help="private key of --upstream-cert",
    )  # fmt: skip
    parser.add_argument(
        "--grace", type=float, default=env("grace", "10"),
        help="seconds open requests get to finish on SIGTERM (default 10) [GGSERVE_GATEWAY_GRACE]",
    )  # fmt: skip
    parser.add_argument(
        "--max-request-bytes", type=_positive,
        default=env("max_request_bytes", str(DEFAULT_MAX_BODY_BYTES)),
        help="largest request body (413 beyond); set it to the core's --max-request-bytes "
        f"(default {DEFAULT_MAX_BODY_BYTES}) [GGSERVE_GATEWAY_MAX_REQUEST_BYTES]",
    )  # fmt: skip
    parser.add_argument(
        "--responses-store-count", type=_count,
        default=env("responses_store_count", str(DEFAULT_MAX_COUNT)), metavar="N",
        help="most responses the Responses API keeps for previous_response_id and GET; the least "
        f"recently used go first; 0 stores none (default {DEFAULT_MAX_COUNT}) "
        "[GGSERVE_GATEWAY_RESPONSES_STORE_COUNT]",
    )  # fmt: skip
    parser.add_argument(
        "--responses-store-mib", type=_count,
        default=env("responses_store_mib", str(DEFAULT_MAX_BYTES // 2**20)), metavar="MIB",
        help="most memory the stored responses may take, in MiB "
        f"(default {DEFAULT_MAX_BYTES // 2**20}) [GGSERVE_GATEWAY_RESPONSES_STORE_MIB]",
    )  # fmt: skip
    parser.add_argument(
        "--log-level", type=str.upper, default=env("log_level", "INFO"),
        choices=("DEBUG", "INFO", "WARNING", "ERROR"), help="log level (default INFO)",
    )  # fmt: skip
    return parser


def channel_config(args: argparse.Namespace) -> ChannelConfig:
    """Plaintext to the upstream, or TLS (mTLS with a client certificate) when a CA is given.

    Raises:
        ValueError: a client certificate without its key (or the reverse).
        OSError: a PEM file cannot be read.
    """
    if not (args.upstream_ca or args.upstream_cert or args.upstream_key):
        return ChannelConfig()
    tls = TlsConfig.from_files(
        args.upstream_ca or None, args.upstream_cert or None, args.upstream_key or None
    )
    return ChannelConfig(tls=tls)


async def run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM/SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        channel = channel_config(args)
    except (ValueError, OSError) as exc:
        print(f"ggserve gateway: error: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    store = ResponseStore(args.responses_store_count, args.responses_store_mib * 2**20)
    gateway = GatewayServer(
        args.upstream,
        host=args.host,
        port=args.port,
        grace=args.grace,
        channel=channel,
        limits=HttpLimits(max_body_bytes=args.max_request_bytes),
        store=store,
    )
    try:
        port = await gateway.start()
    except RuntimeError as exc:
        print(f"ggserve gateway: error: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    logger.info(
        "HTTP gateway listening on http://%s:%d/v1 (OpenAI and Anthropic APIs), upstream %s",
        args.host, port, args.upstream,
    )  # fmt: skip
    await stop.wait()
    logger.info("stopping the HTTP gateway")
    await gateway.stop()
    return 0


def main(argv: Sequence[str] | None = None, *, prog: str = "ggserve-gateway") -> int:
    """Entry point; returns the exit code."""
    args = build_parser(prog, os.environ).parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    return uvloop.run(run(args))
