"""Generate the Python gRPC stubs from proto/ into clients/ggserve_client/v1 (or check them).

Usage: ``python tools/gen_proto.py`` regenerates the stubs; ``python tools/gen_proto.py --check``
regenerates into a temporary directory and exits 1 if the committed files differ (CI runs it).

How the imports come out natural without rewriting them: the proto package is ``ggserve.v1``
(``proto/ggserve/v1/*.proto``, buf style), but the Python package ``ggserve`` is the service, so
the stubs live in the client distribution as ``ggserve_client.v1``. protoc's include-path mapping
``-Iggserve_client/v1=proto/ggserve/v1`` compiles each file under the virtual name
``ggserve_client/v1/<file>.proto``, and the Python, gRPC and mypy generators derive module names
from that virtual name (``ggserve_client.v1.api_pb2``). An ``import`` between two of our own
proto files would not survive this mapping (buf needs ``ggserve/v1/...``, Python would need
``ggserve_client/v1/...``), so the v1 API is kept in self-contained files.

Outputs per proto file: ``*_pb2.py`` (messages), ``*_pb2_grpc.py`` (stubs and servicers), and
``*_pb2.pyi`` / ``*_pb2_grpc.pyi`` typed stubs from mypy-protobuf. The package ``__init__.py``
is written here too, so the directory holds generated files only and stale ones are caught.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto" / "ggserve" / "v1"
OUT_ROOT = ROOT / "clients"
PACKAGE_PATH = Path("ggserve_client") / "v1"
INIT_TEXT = '"""Generated gRPC stubs of the ggserve.v1 API (tools/gen_proto.py); do not edit."""\n'


def _plugin(name: str) -> str:
    """Path of a protoc plugin installed next to this interpreter (the virtualenv's bin/)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            sys.exit(f"gen_proto: {name} not found; install mypy-protobuf (requirements/dev.lock)")
        return found
    return str(path)


def generate(out_root: Path) -> list[Path]:
    """Run protoc over every proto file, writing the package under `out_root`."""
    protos = sorted(PROTO_DIR.glob("*.proto"))
    if not protos:
        sys.exit(f"gen_proto: no .proto files in {PROTO_DIR}")
    package_dir = out_root / PACKAGE_PATH
    package_dir.mkdir(parents=True, exist_ok=True)
    virtual = PACKAGE_PATH.as_posix()
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{virtual}={PROTO_DIR.relative_to(ROOT).as_posix()}",
        f"--plugin=protoc-gen-mypy={_plugin('protoc-gen-mypy')}",
        f"--plugin=protoc-gen-mypy_grpc={_plugin('protoc-gen-mypy_grpc')}",
        f"--python_out={out_root}",
        f"--grpc_python_out={out_root}",
        f"--mypy_out={out_root}",
        f"--mypy_grpc_out={out_root}",
        *(f"{virtual}/{proto.name}" for proto in protos),
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"gen_proto: protoc failed:\n{result.stderr}")
    (package_dir / "__init__.py").write_text(INIT_TEXT, encoding="utf-8")
    return sorted(package_dir.iterdir())


def _files(directory: Path) -> set[str]:
    """Names of the generated files in `directory` (caches ignored)."""
    if not directory.is_dir():
        return set()
    return {p.name for p in directory.iterdir() if p.is_file() and p.suffix in {".py", ".pyi"}}


def check() -> int:
    """Regenerate into a temporary directory and report drift; 0 when up to date."""
    committed = OUT_ROOT / PACKAGE_PATH
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / PACKAGE_PATH
        generate(Path(tmp))
        expected, actual = _files(fresh), _files(committed)
        problems = [f"missing: {name}" for name in sorted(expected - actual)]
        problems += [f"stale (no proto generates it): {name}" for name in sorted(actual - expected)]
        problems += [
            f"differs: {name}"
            for name in sorted(expected & actual)
            if not filecmp.cmp(fresh / name, committed / name, shallow=False)
        ]
    if problems:
        print(f"generated stubs in {committed.relative_to(ROOT)} are out of date:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        print("run `make gen` and commit the result", file=sys.stderr)
        return 1
    print(f"generated stubs in {committed.relative_to(ROOT)} are up to date")
    return 0


def regenerate() -> int:
    """Replace the committed stubs with freshly generated ones."""
    target = OUT_ROOT / PACKAGE_PATH
    for name in _files(target):
        (target / name).unlink()
    written = generate(OUT_ROOT)
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


def main() -> int:
    """Parse arguments and generate or check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the committed stubs are out of date"
    )
    args = parser.parse_args()
    return check() if args.check else regenerate()


if __name__ == "__main__":
    sys.exit(main())
