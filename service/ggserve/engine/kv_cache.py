"""The KV cache's data types and flash attention (`--cache-type-k/-v`, `--flash-attn`), and the
cache's size in bytes.

Types are llama-server's `--cache-type-k/-v` list. A quantized V cache needs flash attention
(llama.cpp refuses the context otherwise: "quantized V cache requires flash_attn to be enabled"),
so `check()` refuses that combination with `--flash-attn off` before anything loads, and `auto`
lets llama.cpp turn flash attention on for it.

The size is computed, not read back: llama.cpp's public API has no call for the bytes its cache
holds (the `llama_state_*` sizes count only the cells in use, serialized). A plain attention
cache is one K and one V tensor per layer, `n_embd_{k,v}_gqa` values by `cells` rows
(llama-kv-cache.cpp), so the bytes are `layers * cells * row_size(type, n_head_kv * head_dim)`,
the row size from ggml's own `ggml_row_size` (a q8_0 block stores 32 values in 34 bytes). For the
bundled model and for Gemma 3 this equals the `llama_kv_cache: size = …` lines llama.cpp logs
(tests compare them); sliding-window layers count in full because ggserve keeps llama.cpp's
default full-size window cache (`swa_full`). Limits of the figure, documented rather than guessed:
models whose layers differ in KV heads count layer 0's for every layer; recurrent and hybrid
models (Mamba, Jamba) are reported as 0 bytes (unknown).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass

import llama_cpp
from llama_cpp import _ggml  # ggml's own library, loaded by llama-cpp-python

# ggml.h's `enum ggml_type`; llama-cpp-python names all but bf16 (GGML_TYPE_BF16 = 30).
CACHE_TYPES = {
    "f32": llama_cpp.GGML_TYPE_F32,
    "f16": llama_cpp.GGML_TYPE_F16,
    "bf16": 30,
    "q8_0": llama_cpp.GGML_TYPE_Q8_0,
    "q4_0": llama_cpp.GGML_TYPE_Q4_0,
    "q4_1": llama_cpp.GGML_TYPE_Q4_1,
    "iq4_nl": llama_cpp.GGML_TYPE_IQ4_NL,
    "q5_0": llama_cpp.GGML_TYPE_Q5_0,
    "q5_1": llama_cpp.GGML_TYPE_Q5_1,
}
UNQUANTIZED = frozenset({"f32", "f16", "bf16"})
FLASH_ATTENTION = {
    "auto": llama_cpp.LLAMA_FLASH_ATTN_TYPE_AUTO,
    "on": llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED,
    "off": llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED,
}

_row_size = _ggml.libggml.ggml_row_size
_row_size.argtypes = [ctypes.c_int, ctypes.c_int64]
_row_size.restype = ctypes.c_size_t


class KvCacheOptionError(ValueError):
    """KV cache options llama.cpp would refuse; the message names the flags and the fix."""


@dataclass(frozen=True, slots=True)
class KvCacheOptions:
    """How the KV cache is stored: K and V data types (`CACHE_TYPES`) and flash attention."""

    type_k: str = "f16"
    type_v: str = "f16"
    flash_attention: str = "auto"  # a key of FLASH_ATTENTION

    def check(self) -> None:
        """Raise `KvCacheOptionError` for an unknown name or a combination llama.cpp refuses."""
        for flag, name in (("--cache-type-k", self.type_k), ("--cache-type-v", self.type_v)):
            if name not in CACHE_TYPES:
                raise KvCacheOptionError(
                    f"unknown {flag} {name!r}; choose one of: {', '.join(CACHE_TYPES)}"
                )
        if self.flash_attention not in FLASH_ATTENTION:
            raise KvCacheOptionError(
                f"unknown --flash-attn {self.flash_attention!r}; choose auto, on or off"
            )
        if self.flash_attention == "off" and self.type_v not in UNQUANTIZED:
            raise KvCacheOptionError(
                f"--cache-type-v {self.type_v} needs flash attention (llama.cpp refuses a "
                "quantized V cache without it): use --flash-attn auto or on, or an unquantized "
                "--cache-type-v (f16, bf16, f32)"
            )

    def apply(self, params: llama_cpp.llama_context_params) -> None:
        """Write the types and the flash-attention mode into llama.cpp's context parameters
        (`check()` first: an unknown name raises KeyError here)."""
        params.type_k = CACHE_TYPES[self.type_k]
        params.type_v = CACHE_TYPES[self.type_v]
        params.flash_attn_type = FLASH_ATTENTION[self.flash_attention]


@dataclass(frozen=True, slots=True)
class KvCacheInfo:
    """A loaded model's KV cache: its options, cells and bytes (0 when not known)."""

    options: KvCacheOptions = KvCacheOptions()
    cells: int = 0
    k_bytes: int = 0
    v_bytes: int = 0

    @property
    def bytes(self) -> int:
        """K and V together."""
        return self.k_bytes + self.v_bytes


def row_bytes(type_name: str, values: int) -> int:
    """Bytes ggml stores `values` values of one row in (`CACHE_TYPES` name)."""
    return int(_row_size(CACHE_TYPES[type_name], values))


MetaReader = Callable[[str], "str | None"]  # a GGUF metadata value as text: `LoadedModel.metadata`


def _head_dim(metadata: MetaReader, key: str, fallback: int) -> int:
    text = metadata(key)
    return int(text) if text and text.strip().isdigit() else fallback


def kv_cache_info(
    model: llama_cpp.llama_model_p,
    cells: int,
    options: KvCacheOptions,
    metadata: MetaReader,
) -> KvCacheInfo:
    """The cache llama.cpp allocated for `model` with `cells` cells (see the module doc)."""
    if llama_cpp.llama_model_is_recurrent(model) or llama_cpp.llama_model_is_hybrid(model):
        return KvCacheInfo(options, cells)
    layers = int(llama_cpp.llama_model_n_layer(model))
    heads = max(int(llama_cpp.llama_model_n_head(model)), 1)
    kv_heads = int(llama_cpp.llama_model_n_head_kv(model))
    default_dim = int(llama_cpp.llama_model_n_embd(model)) // heads
    arch = metadata("general.architecture") or ""
    k_dim = _head_dim(metadata, f"{arch}.attention.key_length", default_dim)
    v_dim = _head_dim(metadata, f"{arch}.attention.value_length", default_dim)
    return KvCacheInfo(
        options,
        cells,
        k_bytes=layers * cells * row_bytes(options.type_k, kv_heads * k_dim),
        v_bytes=layers * cells * row_bytes(options.type_v, kv_heads * v_dim),
    )
