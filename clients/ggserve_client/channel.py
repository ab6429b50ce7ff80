"""Channel settings: keepalive, message size limits, TLS and a bearer token, and the channels
built from them.

A token travels as `authorization: Bearer TOKEN` call credentials. gRPC sends call credentials
only over a channel that protects them: TLS, or (without TLS) local credentials, which accept
Unix sockets and loopback addresses only; a plaintext channel to another host refuses to send
the token rather than leak it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import grpc

DEFAULT_TARGET = "127.0.0.1:50051"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

ChannelOptions = list[tuple[str, int | str]]


@dataclass(frozen=True, slots=True)
class TlsConfig:
    """TLS settings: roots to verify the server (None: system roots), optional client cert."""

    root_certificates: bytes | None = None
    private_key: bytes | None = None
    certificate_chain: bytes | None = None
    server_name: str | None = None  # overrides the name checked against the server certificate

    @classmethod
    def from_files(
        cls,
        ca_cert: str | Path | None = None,
        client_cert: str | Path | None = None,
        client_key: str | Path | None = None,
        server_name: str | None = None,
    ) -> TlsConfig:
        """TLS settings read from PEM files; a client certificate needs its key and vice versa.

        Raises:
            ValueError: only one of `client_cert` and `client_key` is given.
        """
        if (client_cert is None) != (client_key is None):
            raise ValueError("a client certificate needs its key (give both or neither)")
        return cls(
            root_certificates=Path(ca_cert).read_bytes() if ca_cert else None,
            private_key=Path(client_key).read_bytes() if client_key else None,
            certificate_chain=Path(client_cert).read_bytes() if client_cert else None,
            server_name=server_name,
        )

    def credentials(self) -> grpc.ChannelCredentials:
        """The gRPC channel credentials."""
        return grpc.ssl_channel_credentials(
            root_certificates=self.root_certificates,
            private_key=self.private_key,
            certificate_chain=self.certificate_chain,
        )


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """How to connect: keepalive pings, message size limits, TLS (None: plaintext).

    Keepalive matters because a unary `Chat` can stay silent for minutes while the answer is
    generated; the server accepts pings every 10 s or more.
    """

    keepalive_time_ms: int = 30_000
    keepalive_timeout_ms: int = 10_000
    max_receive_message_bytes: int = MAX_MESSAGE_BYTES
    max_send_message_bytes: int = MAX_MESSAGE_BYTES
    tls: TlsConfig | None = None
    token: str | None = None  # bearer token sent with every call
    extra_options: tuple[tuple[str, int | str], ...] = field(default_factory=tuple)

    def options(self) -> ChannelOptions:
        """The channel arguments."""
        options: ChannelOptions = [
            ("grpc.keepalive_time_ms", self.keepalive_time_ms),
            ("grpc.keepalive_timeout_ms", self.keepalive_timeout_ms),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.max_pings_without_data", 0),
            ("grpc.max_receive_message_length", self.max_receive_message_bytes),
            ("grpc.max_send_message_length", self.max_send_message_bytes),
        ]
        if self.tls is not None and self.tls.server_name:
            options.append(("grpc.ssl_target_name_override", self.tls.server_name))
        options.extend(self.extra_options)
        return options

    def credentials(self, target: str) -> grpc.ChannelCredentials | None:
        """The channel credentials for `target`; None for a plaintext channel without a token."""
        if self.token is None:
            return self.tls.credentials() if self.tls is not None else None
        if self.tls is not None:
            transport = self.tls.credentials()
        else:
            local = grpc.LocalConnectionType
            kind = local.UDS if target.startswith("unix:") else local.LOCAL_TCP
            transport = grpc.local_channel_credentials(kind)
        token = grpc.access_token_call_credentials(self.token)
        return grpc.composite_channel_credentials(transport, token)


def token_from_file(path: str | Path) -> str:
    """The first non-blank line of a token file (the server's `--auth-token-file` format)."""
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line.strip()
    raise ValueError(f"{path} holds no token")


def sync_channel(target: str, config: ChannelConfig) -> grpc.Channel:
    """A blocking channel to `target`."""
    credentials = config.credentials(target)
    if credentials is None:
        return grpc.insecure_channel(target, options=config.options())
    return grpc.secure_channel(target, credentials, options=config.options())


def aio_channel(target: str, config: ChannelConfig) -> grpc.aio.Channel:
    """An asyncio channel to `target` (create it inside the event loop that will use it)."""
    credentials = config.credentials(target)
    if credentials is None:
        return grpc.aio.insecure_channel(target, options=config.options())
    return grpc.aio.secure_channel(target, credentials, options=config.options())
