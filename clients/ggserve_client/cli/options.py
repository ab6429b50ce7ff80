"""Command-line options shared by every subcommand: target, deadline, TLS."""

from __future__ import annotations

import argparse
import os

from ggserve_client.channel import DEFAULT_TARGET, ChannelConfig, TlsConfig, token_from_file

TARGET_ENV = "GGSERVE_TARGET"
TOKEN_FILE_ENV = "GGSERVE_TOKEN_FILE"


def connection_parser() -> argparse.ArgumentParser:
    """A parent parser with the connection flags."""
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--target",
        default=os.environ.get(TARGET_ENV, DEFAULT_TARGET),
        help=f"server address HOST:PORT or unix:PATH (default {DEFAULT_TARGET}) [{TARGET_ENV}]",
    )
    group.add_argument(
        "--timeout", type=float, default=None, metavar="SECONDS",
        help="deadline of each call (default: none)",
    )  # fmt: skip
    group.add_argument("--tls", action="store_true", help="connect with TLS (system roots)")
    group.add_argument("--ca-cert", metavar="PEM", help="CA certificate(s) to verify the server")
    group.add_argument("--client-cert", metavar="PEM", help="client certificate (mutual TLS)")
    group.add_argument("--client-key", metavar="PEM", help="client private key (mutual TLS)")
    group.add_argument("--server-name", help="TLS name to check the server certificate against")
    group.add_argument(
        "--token-file", metavar="PATH", default=os.environ.get(TOKEN_FILE_ENV),
        help="send the bearer token in this file (needs TLS, a Unix socket or loopback) "
        f"[{TOKEN_FILE_ENV}]",
    )  # fmt: skip
    return parser


def channel_config(args: argparse.Namespace) -> ChannelConfig:
    """The channel settings the flags ask for; any TLS flag turns TLS on.

    Raises:
        ValueError: inconsistent TLS flags.
        OSError: a certificate file cannot be read.
    """
    token = token_from_file(args.token_file) if args.token_file else None
    wants_tls = args.tls or args.ca_cert or args.client_cert or args.client_key
    if not wants_tls:
        return ChannelConfig(token=token)
    tls = TlsConfig.from_files(args.ca_cert, args.client_cert, args.client_key, args.server_name)
    return ChannelConfig(tls=tls, token=token)
