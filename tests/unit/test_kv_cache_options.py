"""KV cache options: names, the quantized-V/flash-attention rule, the flags and their variables."""

from __future__ import annotations

import ctypes

import pytest
from llama_cpp import _ggml

from ggserve.config import parse_settings
from ggserve.engine.kv_cache import (
    CACHE_TYPES,
    KvCacheOptionError,
    KvCacheOptions,
    row_bytes,
)
from ggserve.loading import StartupError, check_kv_cache


def test_every_type_is_named_as_ggml_names_it() -> None:
    name_of = _ggml.libggml.ggml_type_name
    name_of.argtypes, name_of.restype = [ctypes.c_int], ctypes.c_char_p
    for name, number in CACHE_TYPES.items():
        assert name_of(number).decode() == name


def test_row_sizes_are_ggmls() -> None:
    assert row_bytes("f16", 192) == 384
    assert row_bytes("f32", 192) == 768
    assert row_bytes("q8_0", 192) == 192 // 32 * 34  # 32 values and one f16 scale per block
    assert row_bytes("q4_0", 192) == 192 // 32 * 18


def test_a_quantized_v_cache_without_flash_attention_is_refused() -> None:
    with pytest.raises(KvCacheOptionError, match=r"--cache-type-v q8_0 needs flash attention"):
        KvCacheOptions("q8_0", "q8_0", "off").check()
    with pytest.raises(StartupError, match="use --flash-attn auto or on"):
        check_kv_cache(KvCacheOptions("f16", "q4_0", "off"))
    KvCacheOptions("q8_0", "f16", "off").check()  # a quantized K needs no flash attention
    KvCacheOptions("q8_0", "q8_0", "auto").check()
    KvCacheOptions("bf16", "bf16", "off").check()


def test_unknown_names_are_refused_with_the_choices() -> None:
    with pytest.raises(
        KvCacheOptionError, match=r"unknown --cache-type-k 'q3'; choose one of: f32"
    ):
        KvCacheOptions(type_k="q3").check()
    with pytest.raises(KvCacheOptionError, match="unknown --flash-attn 'yes'"):
        KvCacheOptions(flash_attention="yes").check()


def test_flags_and_environment_variables() -> None:
    assert parse_settings([], {}).kv_cache == KvCacheOptions("f16", "f16", "auto")
    flags = ["--cache-type-k", "q8_0", "--cache-type-v", "q4_0", "--flash-attn", "on"]
    assert parse_settings(flags, {}).kv_cache == KvCacheOptions("q8_0", "q4_0", "on")
    environ = {
        "GGSERVE_CACHE_TYPE_K": "q5_1",
        "GGSERVE_CACHE_TYPE_V": "iq4_nl",
        "GGSERVE_FLASH_ATTN": "on",
    }
    assert parse_settings([], environ).kv_cache == KvCacheOptions("q5_1", "iq4_nl", "on")
    assert parse_settings(["--flash-attn", "auto"], environ).kv_cache.flash_attention == "auto"


def test_a_bad_flag_value_exits_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_settings(["--cache-type-k", "q3"], {})
    assert "invalid choice: 'q3'" in capsys.readouterr().err
