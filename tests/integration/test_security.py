"""TLS, mutual TLS, bearer tokens and the Unix socket's file mode, with certificates made here.

The matrix runs in-process over the replay engine (the transport is what is tested); one test
runs `ggserve serve` with every flag over the real model, driven by the real grpcurl binary.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from ggserve.auth import UNAUTHENTICATED_MESSAGE, BearerTokenInterceptor, read_tokens
from ggserve.config import parse_settings
from ggserve.engine.replay import ReplayEngine
from ggserve.tls import CredentialsError, TlsFiles
from ggserve_client import Client as SyncClient
from ggserve_client.channel import ChannelConfig, TlsConfig, sync_channel
from ggserve_client.v1 import api_pb2 as pb
from ggserve_client.v1 import api_pb2_grpc as pb_grpc

from .certs import Pki, make_pki
from .conftest import served
from .harness import ServerThread, chat_request, code, details
from .process import SMALL, ServerProcess
from .test_grpcurl import grpcurl_binary

TOKEN = "s3cret-token-0123456789abcdef"
OLD_TOKEN = "previous-token-0123456789abcdef"
WRONG_TOKEN = "s3cret-token-0123456789abcdeX"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA with server and client certificates, and an unrelated CA with a client cert."""
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def token_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two accepted tokens (a rotation in progress), with a comment."""
    path = tmp_path_factory.mktemp("auth") / "tokens"
    path.write_text(f"# rotated 2026-11\n{TOKEN}\n\n{OLD_TOKEN}\n")
    return path


StartSecure = Callable[..., ServerThread]


@pytest.fixture
def start_secure() -> Iterator[StartSecure]:
    """Start a replay server with the given transport/auth settings."""
    servers: list[ServerThread] = []

    def start(**options: object) -> ServerThread:
        server = ServerThread([served(ReplayEngine())], **options)  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def tls_credentials(pki: Pki, *, mutual: bool) -> grpc.ServerCredentials:
    """Server credentials from the test PKI (client certificates required if `mutual`)."""
    return TlsFiles(
        pki.server.cert, pki.server.key, pki.ca if mutual else None
    ).server_credentials()


def outcome(channel: grpc.Channel, metadata: tuple[tuple[str, str], ...] = ()) -> str:
    """ "OK" or the status code name of a Chat call on `channel`."""
    try:
        pb_grpc.ChatServiceStub(channel).Chat(chat_request(), timeout=10, metadata=metadata)
    except grpc.RpcError as error:
        return code(error).name
    return "OK"


def tls_channel(
    server: ServerThread, pki: Pki, *, ca: Path | None, client: str = ""
) -> grpc.Channel:
    """A TLS channel to `server` trusting `ca`, with the `client` ("good"/"other") certificate."""
    pair = {"good": pki.client, "other": pki.other_client}.get(client)
    config = TlsConfig.from_files(
        ca_cert=ca,
        client_cert=pair.cert if pair else None,
        client_key=pair.key if pair else None,
        server_name="localhost",
    )
    return sync_channel(server.target, ChannelConfig(tls=config))


# ---- TLS and mutual TLS -------------------------------------------------------------------


def test_tls_matrix(start_secure: StartSecure, pki: Pki) -> None:
    server = start_secure(credentials=tls_credentials(pki, mutual=False))
    with grpc.insecure_channel(server.target) as plaintext:
        assert outcome(plaintext) == "UNAVAILABLE"
    with tls_channel(server, pki, ca=pki.ca) as trusted:
        assert outcome(trusted) == "OK"
    with tls_channel(server, pki, ca=pki.other_ca) as untrusted:
        assert outcome(untrusted) == "UNAVAILABLE"


def test_mutual_tls_matrix(start_secure: StartSecure, pki: Pki) -> None:
    server = start_secure(credentials=tls_credentials(pki, mutual=True))
    with tls_channel(server, pki, ca=pki.ca) as no_certificate:
        assert outcome(no_certificate) == "UNAVAILABLE"
    with tls_channel(server, pki, ca=pki.ca, client="other") as wrong_certificate:
        assert outcome(wrong_certificate) == "UNAVAILABLE"
    with tls_channel(server, pki, ca=pki.ca, client="good") as good:
        assert outcome(good) == "OK"


def test_tls_flags_that_do_not_go_together_are_clear_errors(pki: Pki, tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="--tls-cert and --tls-key go together"):
        TlsFiles.from_flags(pki.server.cert, None, None)
    with pytest.raises(CredentialsError, match="--tls-client-ca needs --tls-cert"):
        TlsFiles.from_flags(None, None, pki.ca)
    not_pem = tmp_path / "key.pem"
    not_pem.write_text("hello")
    with pytest.raises(CredentialsError, match="holds no PEM PRIVATE KEY"):
        TlsFiles(pki.server.cert, not_pem).server_credentials()
    with pytest.raises(CredentialsError, match="cannot read"):
        TlsFiles(tmp_path / "missing.crt", pki.server.key).server_credentials()


def test_security_flags_have_environment_variables(pki: Pki, token_file: Path) -> None:
    settings = parse_settings(
        [],
        {
            "GGSERVE_TLS_CERT": str(pki.server.cert),
            "GGSERVE_TLS_KEY": str(pki.server.key),
            "GGSERVE_TLS_CLIENT_CA": str(pki.ca),
            "GGSERVE_AUTH_TOKEN_FILE": str(token_file),
            "GGSERVE_UNIX_SOCKET_MODE": "660",
        },
    )
    assert settings.tls_cert == pki.server.cert
    assert settings.tls_key == pki.server.key
    assert settings.tls_client_ca == pki.ca
    assert settings.auth_token_file == token_file
    assert settings.unix_socket_mode == 0o660
    assert parse_settings(["--unix-socket-mode", "0640"], {}).unix_socket_mode == 0o640
    assert parse_settings([], {}).unix_socket_mode == 0o600


# ---- bearer tokens --------------------------------------------------------------------------


def test_bearer_token_matrix(start_secure: StartSecure, token_file: Path) -> None:
    server = start_secure(auth=BearerTokenInterceptor(read_tokens(token_file)))
    with grpc.insecure_channel(server.target) as channel:
        assert outcome(channel) == "UNAUTHENTICATED"
        for header in (f"Bearer {WRONG_TOKEN}", f"bearer {TOKEN}", TOKEN, f"Bearer {TOKEN} "):
            assert outcome(channel, (("authorization", header),)) == "UNAUTHENTICATED", header
        assert outcome(channel, (("authorization", f"Bearer {TOKEN}"),)) == "OK"
        assert outcome(channel, (("authorization", f"Bearer {OLD_TOKEN}"),)) == "OK"
        with pytest.raises(grpc.RpcError) as caught:
            pb_grpc.ChatServiceStub(channel).Chat(
                chat_request(), timeout=10, metadata=(("authorization", f"Bearer {WRONG_TOKEN}"),)
            )
        assert details(caught.value) == UNAUTHENTICATED_MESSAGE  # nothing about what was wrong
        stream = pb_grpc.ChatServiceStub(channel).ChatStream(
            pb.ChatStreamRequest(request=chat_request()), timeout=10
        )
        with pytest.raises(grpc.RpcError) as caught:
            list(stream)
        assert code(caught.value) == grpc.StatusCode.UNAUTHENTICATED
        # Health stays open for probes; reflection needs the token like the API.
        health = health_pb2_grpc.HealthStub(channel)
        answer = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as caught:
            ProtoReflectionDescriptorDatabase(channel).get_services()
        assert code(caught.value) == grpc.StatusCode.UNAUTHENTICATED
        # The admin calls and Embed are behind the token too.
        models = pb_grpc.ModelServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            models.LoadModel(pb.LoadModelRequest(), timeout=10)
        assert code(caught.value) == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as caught:
            models.UnloadModel(pb.UnloadModelRequest(), timeout=10)
        assert code(caught.value) == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as caught:
            pb_grpc.EmbeddingServiceStub(channel).Embed(pb.EmbedRequest(), timeout=10)
        assert code(caught.value) == grpc.StatusCode.UNAUTHENTICATED


def test_the_python_client_sends_its_token(
    start_secure: StartSecure, token_file: Path, pki: Pki
) -> None:
    auth = BearerTokenInterceptor(read_tokens(token_file))
    plaintext = start_secure(auth=auth)
    with SyncClient(plaintext.target, config=ChannelConfig(token=TOKEN)) as client:
        assert client.chat("Hi").message.content == "Hello, world!"
    tls = start_secure(auth=auth, credentials=tls_credentials(pki, mutual=True))
    config = ChannelConfig(
        tls=TlsConfig.from_files(pki.ca, pki.client.cert, pki.client.key, "localhost"),
        token=TOKEN,
    )
    with SyncClient(tls.target, config=config) as client:
        assert client.chat("Hi").message.content == "Hello, world!"


def test_token_files_are_checked(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("# nothing\n\n")
    with pytest.raises(CredentialsError, match="holds no token"):
        read_tokens(empty)
    weak = tmp_path / "weak"
    weak.write_text("hunter2\n")
    with pytest.raises(CredentialsError, match="at least 16 characters"):
        read_tokens(weak)
    with pytest.raises(CredentialsError, match="cannot read"):
        read_tokens(tmp_path / "missing")


# ---- Unix socket ----------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "expected"), [(None, 0o600), (0o660, 0o660)])
def test_unix_socket_gets_its_mode_and_serves(
    start_secure: StartSecure, tmp_path: Path, mode: int | None, expected: int
) -> None:
    path = tmp_path / "ggserve.sock"
    path.touch()  # a leftover that is not a socket is refused, never deleted
    with pytest.raises(RuntimeError, match="is not a socket"):
        start_secure(address=f"unix:{path}")
    path.unlink()
    server = start_secure(address=f"unix:{path}", socket_mode=mode)
    assert stat.S_ISSOCK(path.stat().st_mode)
    assert stat.S_IMODE(path.stat().st_mode) == expected
    with grpc.insecure_channel(server.target) as channel:
        assert outcome(channel) == "OK"


# ---- the real binary over the real CLI ------------------------------------------------------


def grpcurl(
    target: str, *options: str, method: str = "ggserve.v1.ChatService/Chat"
) -> subprocess.CompletedProcess[str]:
    """Run grpcurl with `options` against `target`."""
    body = json.dumps({"messages": [{"role": "ROLE_USER", "content": "Hi"}], "max_tokens": 4})
    data = ("-d", body) if method.endswith("/Chat") else ()
    return subprocess.run(
        [str(grpcurl_binary()), *options, *data, target, method],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_grpcurl_over_mutual_tls_with_a_token(pki: Pki, token_file: Path) -> None:
    process = ServerProcess(
        *SMALL, "--port", "0", "--tls-cert", str(pki.server.cert), "--tls-key",
        str(pki.server.key), "--tls-client-ca", str(pki.ca), "--auth-token-file", str(token_file),
    )  # fmt: skip
    try:
        process.wait_ready()
        assert "mutual TLS, bearer token required" in process.log
        target = f"localhost:{process.port}"
        tls = ("-cacert", str(pki.ca))
        good = (*tls, "-cert", str(pki.client.cert), "-key", str(pki.client.key))
        wrong = (*tls, "-cert", str(pki.other_client.cert), "-key", str(pki.other_client.key))
        bearer = ("-H", f"authorization: Bearer {TOKEN}")
        reflect = ("-reflect-header", f"authorization: Bearer {TOKEN}")

        answer = grpcurl(target, *good, *bearer)
        assert answer.returncode == 0, answer.stderr
        assert json.loads(answer.stdout)["message"]["role"] == "ROLE_ASSISTANT"
        listed = grpcurl(target, *good, *bearer, method="list")  # reflection, with the token
        assert "ggserve.v1.ChatService" in listed.stdout.split(), listed.stderr

        refused = {
            "plaintext": grpcurl(target, "-plaintext", *bearer),
            "no client certificate": grpcurl(target, *tls, *bearer),
            "wrong client certificate": grpcurl(target, *wrong, *bearer),
            # Reflection gets the good token here, so that the call itself is what is refused.
            "no token": grpcurl(target, *good, *reflect),
            "wrong token": grpcurl(
                target, *good, *reflect, "-rpc-header", f"authorization: Bearer {WRONG_TOKEN}"
            ),
            "reflection without token": grpcurl(target, *good, method="list"),
        }
        for case, result in refused.items():
            assert result.returncode != 0, case
        for case in ("no token", "wrong token"):
            assert "Code: Unauthenticated" in refused[case].stderr, refused[case].stderr
            assert UNAUTHENTICATED_MESSAGE in refused[case].stderr
        assert "code = Unauthenticated" in refused["reflection without token"].stderr
        probe = grpcurl(target, *good, *reflect, method="grpc.health.v1.Health/Check")
        assert probe.returncode == 0, probe.stderr
        assert '"status": "SERVING"' in probe.stdout
    finally:
        process.terminate()
        assert process.wait() == 0
        process.close()
    assert "UNAUTHENTICATED" in process.log  # refused calls are in the access log
    assert "Traceback" not in process.log


def test_bad_security_flags_exit_2(tmp_path: Path, pki: Pki) -> None:
    env = {**os.environ, "GGSERVE_LOG_LEVEL": "INFO"}
    for flags, message in (
        (["--tls-cert", str(pki.server.cert)], "--tls-cert and --tls-key go together"),
        (["--auth-token-file", str(tmp_path / "none")], "--auth-token-file: cannot read"),
        (["--unix-socket-mode", "999"], "must be an octal file mode"),
    ):
        result = subprocess.run(
            [*ServerProcess.command(), *flags, "--port", "0"],
            capture_output=True, text=True, timeout=60, check=False, env=env,
        )  # fmt: skip
        assert result.returncode == 2, result.stderr
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_client_command_line_reads_the_token_file(token_file: Path) -> None:
    from ggserve_client.cli.options import channel_config, connection_parser

    args = connection_parser().parse_args(["--token-file", str(token_file)])
    assert channel_config(args).token == TOKEN  # the first token listed
    assert channel_config(connection_parser().parse_args([])).token is None
