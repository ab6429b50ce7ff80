"""deploy/k8s manifests checked against the server's real command line, health services and image.

Every GGSERVE_* variable must be a `ggserve serve` flag's (read from the argparse parser, so a
renamed flag breaks this test), and its value must parse; ports, probe services, the grace period
and the sidecar's socket path must agree with what the server does with those values.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ggserve.bundled_model import bundled_model_path
from ggserve.cli import build_parser
from ggserve.config import Settings, add_serve_arguments, settings_from_args
from ggserve.env_flags import ENV_PREFIX
from ggserve.server import SERVICES
from ggserve_client.cli.options import TARGET_ENV

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
HEALTHCHECK = ROOT / "deploy" / "container" / "healthcheck.sh"
DOCKERFILE = ROOT / "Dockerfile"

# Flags another branch adds; tolerated only while this parser lacks them (after the merge they
# are checked like every other flag).
PENDING_FLAGS = {"--unix-socket-mode"}

Obj = dict[str, Any]


def serve_parser() -> argparse.ArgumentParser:
    """The real `ggserve serve` subparser."""
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices["serve"]  # type: ignore[no-any-return]
    raise AssertionError("ggserve has no serve command")


def env_name(action: argparse.Action) -> str:
    return ENV_PREFIX + action.dest.upper()


def serve_env_names() -> set[str]:
    flags = [a for a in serve_parser()._actions if a.option_strings and a.dest != "help"]
    names = {env_name(a) for a in flags}
    # The help text names the variable; both must agree.
    for action in flags:
        assert f"[{env_name(action)}]" in (action.help or ""), action.option_strings
    return names


def pending_env_names() -> set[str]:
    present = {s for a in serve_parser()._actions for s in a.option_strings}
    return {ENV_PREFIX + f[2:].replace("-", "_").upper() for f in PENDING_FLAGS - present}


def documents() -> list[Obj]:
    docs: list[Obj] = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def pod_spec(kind: str, name: str) -> Obj:
    for doc in documents():
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            spec: Obj = doc["spec"]["template"]["spec"]
            return spec
    raise AssertionError(f"no {kind} {name} in deploy/k8s")


def all_containers(spec: Obj) -> Iterator[Obj]:
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def ggserve_containers(spec: Obj) -> list[Obj]:
    return [c for c in all_containers(spec) if c.get("args", [None])[0] == "serve"]


def env_of(container: Obj) -> dict[str, str]:
    return {e["name"]: str(e["value"]) for e in container.get("env", [])}


def settings_of(container: Obj) -> Settings:
    """What the server makes of the container's environment (the image sets HOST and PORT)."""
    environ = {"GGSERVE_HOST": "0.0.0.0", "GGSERVE_PORT": "50051", **env_of(container)}
    known = serve_env_names()
    environ = {k: v for k, v in environ.items() if k in known}
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser, environ)
    return settings_from_args(parser.parse_args([]))


def quantity_bytes(text: str) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(text[: -len(suffix)]) * factor
    return int(text)


def test_manifests_parse_into_the_expected_objects() -> None:
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in documents())
    assert kinds == [
        ("Deployment", "chat-app"),
        ("Deployment", "ggserve"),
        ("PersistentVolumeClaim", "ggserve-models"),
        ("Service", "ggserve"),
    ]


@pytest.mark.parametrize("name", ["ggserve", "chat-app"])
def test_every_ggserve_variable_is_a_serve_flag_and_its_value_parses(name: str) -> None:
    known = serve_env_names() | pending_env_names()
    for container in ggserve_containers(pod_spec("Deployment", name)):
        unknown = {k for k in env_of(container) if k.startswith(ENV_PREFIX)} - known
        assert not unknown, f"{name}: not ggserve serve variables: {unknown}"
        settings_of(container)  # argparse exits on a value the server would reject


def test_image_sets_only_real_variables() -> None:
    known = serve_env_names()
    lines = DOCKERFILE.read_text().split("ENV ", 1)[1].split("\n")
    names = set()
    for line in lines:
        names.add(line.strip().split("=", 1)[0])
        if not line.rstrip().endswith("\\"):
            break
    assert {n for n in names if n.startswith(ENV_PREFIX)} <= known


def test_ports_and_native_grpc_probes_match_the_server() -> None:
    spec = pod_spec("Deployment", "ggserve")
    (container,) = ggserve_containers(spec)
    settings = settings_of(container)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {
        "grpc": settings.port,
        "http": settings.http_port,
        "metrics": settings.metrics_port,
    }
    assert settings.host == "0.0.0.0"  # reachable from the kubelet and the Service
    readiness = container["readinessProbe"]["grpc"]
    liveness = container["livenessProbe"]["grpc"]
    assert readiness["port"] == liveness["port"] == settings.port
    assert readiness["service"] in SERVICES  # per-service: SERVING once the model is loaded
    assert liveness["service"] == ""  # the whole server: SERVING as soon as it listens


def test_models_dir_is_the_mounted_models_volume() -> None:
    spec = pod_spec("Deployment", "ggserve")
    (container,) = ggserve_containers(spec)
    settings = settings_of(container)
    assert settings.models_dir is not None
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    mount = mounts[str(settings.models_dir)]
    assert mount["readOnly"] is True
    volumes = {v["name"]: v for v in spec["volumes"]}
    claim = volumes[mount["name"]]["persistentVolumeClaim"]["claimName"]
    claims = [d for d in documents() if d["kind"] == "PersistentVolumeClaim"]
    (pvc,) = [d for d in claims if d["metadata"]["name"] == claim]
    assert "ReadOnlyMany" in pvc["spec"]["accessModes"]  # every replica mounts it
    assert settings.max_loaded_models >= 1
    assert settings.idle_unload > 0


def test_service_targets_the_container_ports() -> None:
    (service,) = [d for d in documents() if d["kind"] == "Service"]
    (container,) = ggserve_containers(pod_spec("Deployment", "ggserve"))
    names = {p["name"] for p in container["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= names
    grpc_port = next(p for p in service["spec"]["ports"] if p["name"] == "grpc")
    assert grpc_port["appProtocol"] == "grpc"


@pytest.mark.parametrize("name", ["ggserve", "chat-app"])
def test_pod_grace_covers_the_drain(name: str) -> None:
    spec = pod_spec("Deployment", name)
    for container in ggserve_containers(spec):
        assert spec["terminationGracePeriodSeconds"] >= settings_of(container).grace + 5


@pytest.mark.parametrize("name", ["ggserve", "chat-app"])
def test_resources_fit_the_model_and_threads(name: str) -> None:
    model = bundled_model_path()
    assert model is not None
    for container in ggserve_containers(pod_spec("Deployment", name)):
        settings = settings_of(container)
        requests = container["resources"]["requests"]
        assert float(requests["cpu"]) >= settings.threads
        # The weights plus f16 KV cache and the Python process: at least 4x the file.
        assert quantity_bytes(requests["memory"]) >= 4 * model.stat().st_size
        limit = quantity_bytes(container["resources"]["limits"]["memory"])
        assert limit >= quantity_bytes(requests["memory"])


def test_sidecar_shares_the_socket_through_an_empty_dir() -> None:
    spec = pod_spec("Deployment", "chat-app")
    (server,) = ggserve_containers(spec)
    assert server["restartPolicy"] == "Always"  # a native sidecar: up before the app starts
    socket = settings_of(server).unix_socket
    assert socket is not None
    socket_dir = str(Path(socket).parent)
    empty_dirs = {v["name"] for v in spec["volumes"] if "emptyDir" in v}

    def socket_volume(container: Obj) -> str:
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        assert socket_dir in mounts, f"{container['name']} does not mount {socket_dir}"
        return str(mounts[socket_dir])

    app = next(c for c in spec["containers"] if c["name"] == "app")
    assert socket_volume(server) == socket_volume(app)
    assert socket_volume(server) in empty_dirs
    assert env_of(app)[TARGET_ENV] == f"unix:{socket}"
    mode = env_of(server).get("GGSERVE_UNIX_SOCKET_MODE")
    assert mode is not None
    assert int(mode, 8) & 0o060 == 0o060
    assert spec["securityContext"]["fsGroup"] == server["securityContext"]["runAsGroup"]


def test_sidecar_probes_use_the_images_health_check() -> None:
    (server,) = ggserve_containers(pod_spec("Deployment", "chat-app"))
    for probe in ("startupProbe", "livenessProbe"):
        assert server[probe]["exec"]["command"] == ["ggserve-healthcheck"]
    assert "COPY deploy/container/healthcheck.sh /usr/local/bin/ggserve-healthcheck" in (
        DOCKERFILE.read_text()
    )
    script = HEALTHCHECK.read_text()
    assert "GGSERVE_UNIX_SOCKET" in script
    assert f"-service={SERVICES[0]}" in script
