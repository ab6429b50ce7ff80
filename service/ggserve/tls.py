"""Server transport credentials: TLS from PEM files, client certificates required for mTLS.

The files are read once at startup; a missing file, a file that is not PEM, or an inconsistent
set of flags is a `CredentialsError` with one readable line (the CLI exits 2), never a failed
handshake discovered by the first client.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc


class CredentialsError(Exception):
    """The TLS or token settings cannot be used; the message says which file and why."""


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """Where the server's certificate, key and (for mutual TLS) client CA bundle live."""

    cert: Path
    key: Path
    client_ca: Path | None = None

    @classmethod
    def from_flags(
        cls, cert: Path | None, key: Path | None, client_ca: Path | None
    ) -> TlsFiles | None:
        """The TLS files the flags name, or None for plaintext; `CredentialsError` if
        they do not go together."""
        if cert is None and key is None:
            if client_ca is not None:
                raise CredentialsError("--tls-client-ca needs --tls-cert and --tls-key")
            return None
        if cert is None or key is None:
            raise CredentialsError("--tls-cert and --tls-key go together (give both or neither)")
        return cls(cert, key, client_ca)

    def server_credentials(self) -> grpc.ServerCredentials:
        """The gRPC server credentials; client certificates are required when a CA is set."""
        chain = read_pem(self.cert, "CERTIFICATE", "--tls-cert")
        key = read_pem(self.key, "PRIVATE KEY", "--tls-key")
        roots = (
            read_pem(self.client_ca, "CERTIFICATE", "--tls-client-ca") if self.client_ca else None
        )
        return grpc.ssl_server_credentials(
            [(key, chain)], root_certificates=roots, require_client_auth=roots is not None
        )


def read_pem(path: Path, kind: str, flag: str) -> bytes:
    """The bytes of a PEM file holding at least one `kind` block (e.g. "CERTIFICATE")."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CredentialsError(f"{flag}: cannot read {path}: {exc.strerror}") from exc
    if b"-----BEGIN " not in data or kind.encode() + b"-----" not in data:
        raise CredentialsError(f"{flag}: {path} holds no PEM {kind}")
    return data
