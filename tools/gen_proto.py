"""Generate the gRPC stubs of proto/ for the Python, Go and TypeScript clients (or check them).

Usage: ``python tools/gen_proto.py`` regenerates every language's stubs; ``--check`` regenerates
into a temporary directory and exits 1 if the committed files differ (CI runs it);
``--lang python`` (repeatable) limits either to some languages.

Every language is generated with the same protoc, the one bundled with grpcio-tools
(``python -m grpc_tools.protoc``, pinned in requirements/dev.lock), so no protoc download is
needed and the version stamped into the Go and TypeScript files is the pinned one. The plugins
are pinned too: protoc-gen-go and protoc-gen-go-grpc are installed into ``.tools/bin`` by
``make gen`` (mk/langclients.mk), ts-proto into ``clients/ts/node_modules`` by ``npm ci``.
Output depends only on the proto files and those pins, so regenerating is reproducible.

Python: the proto package is ``ggserve.v1`` (``proto/ggserve/v1/*.proto``, buf style), but the
Python package ``ggserve`` is the service, so the stubs live in the client distribution as
``ggserve_client.v1``. protoc's include-path mapping ``-Iggserve_client/v1=proto/ggserve/v1``
compiles each file under the virtual name ``ggserve_client/v1/<file>.proto``, and the Python,
gRPC and mypy generators derive module names from that virtual name. An ``import`` between two
of our own proto files would not survive this mapping, so the v1 API is kept in self-contained
files. Outputs: ``*_pb2.py``, ``*_pb2_grpc.py`` and their mypy-protobuf ``.pyi`` stubs, plus the
package ``__init__.py`` written here.

Go: ``clients/go/gen/ggserve/v1`` (package ``ggservev1``); the Go import path is given with
protoc-gen-go's ``M`` option rather than a ``go_package`` option, so the proto stays free of
language-specific options. TypeScript: ``clients/ts/src/gen/ggserve/v1/api.ts`` from ts-proto
(message types, codecs and @grpc/grpc-js service definitions and clients).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
PROTO_DIR = PROTO_ROOT / "ggserve" / "v1"
INIT_TEXT = '"""Generated gRPC stubs of the ggserve.v1 API (tools/gen_proto.py); do not edit."""\n'

PY_PACKAGE = Path("ggserve_client") / "v1"
GO_MODULE = "github.com/ggserve/ggserve/clients/go"
GO_OUT = Path("clients") / "go" / "gen"
TS_OUT = Path("clients") / "ts" / "src" / "gen"
# ts-proto options: @grpc/grpc-js services, ES modules for Node (`.js` import suffix),
# discriminated unions for oneofs (`{$case: "delta", value}`), no dependency on Long.
TS_OPTIONS = (
    "outputServices=grpc-js",
    "env=node",
    "esModuleInterop=true",
    "importSuffix=.js",
    "oneof=unions-value",
    "forceLong=number",
    "useDate=false",
)


@dataclass(frozen=True)
class Language:
    """One language's stubs: where they are committed and how to generate them."""

    name: str
    out_dir: Path  # relative to the repository root; every file under it is generated
    generate: Callable[[Path], None]  # writes the stubs under the given root
    ignore: tuple[str, ...] = ()  # names under out_dir that are not generated (caches)


def _protos() -> list[Path]:
    protos = sorted(PROTO_DIR.glob("*.proto"))
    if not protos:
        sys.exit(f"gen_proto: no .proto files in {PROTO_DIR}")
    return protos


def _python_plugin(name: str) -> str:
    """Path of a protoc plugin installed next to this interpreter (the virtualenv's bin/)."""
    path = Path(sys.executable).parent / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        sys.exit(f"gen_proto: {name} not found; install mypy-protobuf (requirements/dev.lock)")
    return found


def _tool(path: Path, how: str) -> str:
    """Path of a pinned plugin that the Makefile installs into the tree."""
    if not path.exists():
        sys.exit(f"gen_proto: {path.relative_to(ROOT)} not found; {how}")
    return str(path)


def _protoc(arguments: Sequence[str]) -> None:
    """Run grpcio-tools' protoc from the repository root; exit with its errors on failure."""
    command = [sys.executable, "-m", "grpc_tools.protoc", *arguments]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"gen_proto: protoc failed:\n{result.stderr}")


def generate_python(root: Path) -> None:
    """`ggserve_client.v1`: messages, gRPC stubs and typed stubs, plus the package marker."""
    virtual = PY_PACKAGE.as_posix()
    out = root / "clients"
    (out / PY_PACKAGE).mkdir(parents=True, exist_ok=True)
    _protoc(
        [
            f"-I{virtual}={PROTO_DIR.relative_to(ROOT).as_posix()}",
            f"--plugin=protoc-gen-mypy={_python_plugin('protoc-gen-mypy')}",
            f"--plugin=protoc-gen-mypy_grpc={_python_plugin('protoc-gen-mypy_grpc')}",
            f"--python_out={out}",
            f"--grpc_python_out={out}",
            f"--mypy_out={out}",
            f"--mypy_grpc_out={out}",
            *(f"{virtual}/{proto.name}" for proto in _protos()),
        ]
    )
    (out / PY_PACKAGE / "__init__.py").write_text(INIT_TEXT, encoding="utf-8")


def _proto_names() -> list[str]:
    """The proto files as protoc names them with `-Iproto` (e.g. `ggserve/v1/api.proto`)."""
    return [proto.relative_to(PROTO_ROOT).as_posix() for proto in _protos()]


def generate_go(root: Path) -> None:
    """`clients/go/gen/ggserve/v1`: protoc-gen-go messages and protoc-gen-go-grpc services."""
    how = "run `make gen` (installs the pinned protoc-gen-go and protoc-gen-go-grpc)"
    go = _tool(ROOT / ".tools" / "bin" / "protoc-gen-go", how)
    go_grpc = _tool(ROOT / ".tools" / "bin" / "protoc-gen-go-grpc", how)
    out = root / GO_OUT
    out.mkdir(parents=True, exist_ok=True)
    names = _proto_names()
    # One Go package per proto directory: ggserve/v1 -> <module>/gen/ggserve/v1, package ggservev1.
    mapping = [
        f"M{name}={GO_MODULE}/gen/{Path(name).parent.as_posix()};"
        f"{Path(name).parent.as_posix().replace('/', '')}"
        for name in names
    ]
    _protoc(
        [
            f"-I{PROTO_ROOT.relative_to(ROOT).as_posix()}",
            f"--plugin=protoc-gen-go={go}",
            f"--plugin=protoc-gen-go-grpc={go_grpc}",
            f"--go_out={out}",
            f"--go-grpc_out={out}",
            "--go_opt=paths=source_relative",
            "--go-grpc_opt=paths=source_relative",
            *(f"--go_opt={m}" for m in mapping),
            *(f"--go-grpc_opt={m}" for m in mapping),
            *names,
        ]
    )


def generate_ts(root: Path) -> None:
    """`clients/ts/src/gen/ggserve/v1/*.ts`: ts-proto types, codecs and grpc-js clients."""
    plugin = _tool(
        ROOT / "clients" / "ts" / "node_modules" / ".bin" / "protoc-gen-ts_proto",
        "run `make gen` (runs `npm ci` in clients/ts)",
    )
    out = root / TS_OUT
    out.mkdir(parents=True, exist_ok=True)
    _protoc(
        [
            f"-I{PROTO_ROOT.relative_to(ROOT).as_posix()}",
            f"--plugin=protoc-gen-ts_proto={plugin}",
            f"--ts_proto_out={out}",
            f"--ts_proto_opt={','.join(TS_OPTIONS)}",
            *_proto_names(),
        ]
    )


LANGUAGES = {
    "python": Language(
        "python", Path("clients") / PY_PACKAGE, generate_python, ignore=("__pycache__",)
    ),
    "go": Language("go", GO_OUT, generate_go),
    "ts": Language("ts", TS_OUT, generate_ts),
}


def _tree(directory: Path, ignore: tuple[str, ...]) -> set[Path]:
    """Relative paths of the files under `directory`, skipping `ignore`d names at any depth."""
    if not directory.is_dir():
        return set()
    return {
        path.relative_to(directory)
        for path in directory.rglob("*")
        if path.is_file() and not set(path.relative_to(directory).parts) & set(ignore)
    }


def _drift(language: Language, fresh_root: Path) -> list[str]:
    """How the committed stubs of `language` differ from freshly generated ones."""
    fresh, committed = fresh_root / language.out_dir, ROOT / language.out_dir
    expected, actual = _tree(fresh, language.ignore), _tree(committed, language.ignore)
    problems = [f"missing: {name}" for name in sorted(expected - actual)]
    problems += [f"stale (no proto generates it): {name}" for name in sorted(actual - expected)]
    problems += [
        f"differs: {name}"
        for name in sorted(expected & actual)
        if not filecmp.cmp(fresh / name, committed / name, shallow=False)
    ]
    return problems


def check(languages: Sequence[Language]) -> int:
    """Regenerate into a temporary directory and report drift; 0 when up to date."""
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        for language in languages:
            language.generate(Path(tmp))
            problems = _drift(language, Path(tmp))
            if not problems:
                print(f"generated {language.name} stubs in {language.out_dir} are up to date")
                continue
            status = 1
            print(
                f"generated {language.name} stubs in {language.out_dir} are out of date:",
                file=sys.stderr,
            )
            for problem in problems:
                print(f"  {problem}", file=sys.stderr)
    if status:
        print("run `make gen` and commit the result", file=sys.stderr)
    return status


def regenerate(languages: Sequence[Language]) -> int:
    """Replace the committed stubs with freshly generated ones (stale files are removed)."""
    with tempfile.TemporaryDirectory() as tmp:
        for language in languages:
            language.generate(Path(tmp))
            target = ROOT / language.out_dir
            for name in _tree(target, language.ignore):
                (target / name).unlink()
            for name in sorted(_tree(Path(tmp) / language.out_dir, ())):
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(tmp) / language.out_dir / name, target / name)
                print(f"wrote {language.out_dir / name}")
    return 0


def main() -> int:
    """Parse arguments and generate or check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the committed stubs are out of date"
    )
    parser.add_argument(
        "--lang",
        action="append",
        choices=sorted(LANGUAGES),
        help="only this language (repeatable; default: all)",
    )
    args = parser.parse_args()
    languages = [LANGUAGES[name] for name in (args.lang or sorted(LANGUAGES))]
    return check(languages) if args.check else regenerate(languages)


if __name__ == "__main__":
    sys.exit(main())
