"""Token ids → text, one token at a time, without losing bytes.

llama-cpp-python's own `detokenize` renders into a fixed 32-byte buffer and silently returns
nothing for longer pieces (SmolLM2 has 47 such tokens: whitespace runs, `####…`), and it defaults
to `special=False`, which drops control tokens such as tool-call markers. Here every piece is
rendered with `special=True` into a buffer that grows when llama.cpp reports it is too small, and
bytes go through an incremental UTF-8 decoder so a character split across tokens is emitted only
once it is complete.
"""

from __future__ import annotations

import codecs
import ctypes
from collections.abc import Iterable
from typing import Protocol

import llama_cpp

_INITIAL_PIECE_BUFFER = 64


class TokenPieces:
    """Renders token ids of one vocabulary to bytes, caching each piece (the vocab is immutable)."""

    __slots__ = ("_buffer", "_cache", "_vocab")

    def __init__(self, vocab: llama_cpp.llama_vocab_p) -> None:
        self._vocab = vocab
        self._buffer = ctypes.create_string_buffer(_INITIAL_PIECE_BUFFER)
        self._cache: dict[int, bytes] = {}

    def piece(self, token: int) -> bytes:
        """The bytes of `token`, control tokens included (they may be tool-call markers)."""
        cached = self._cache.get(token)
        if cached is None:
            cached = self._render(token)
            self._cache[token] = cached
        return cached

    def text(self, tokens: Iterable[int]) -> str:
        """Whole-sequence rendering; invalid UTF-8 becomes U+FFFD."""
        return b"".join(self.piece(t) for t in tokens).decode("utf-8", errors="replace")

    def _render(self, token: int) -> bytes:
        size = len(self._buffer)
        written = llama_cpp.llama_token_to_piece(self._vocab, token, self._buffer, size, 0, True)
        if written < 0:
            # A negative return is the size the piece needs; grow once and render again.
            self._buffer = ctypes.create_string_buffer(-written)
            written = llama_cpp.llama_token_to_piece(
                self._vocab, token, self._buffer, -written, 0, True
            )
        return self._buffer.raw[: max(written, 0)]


class Utf8Stream:
    """Bytes in, complete characters out; an incomplete trailing sequence is held back."""

    __slots__ = ("_decoder",)

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def push(self, data: bytes) -> str:
        """Decode what is complete; keep up to 3 bytes of an unfinished character."""
        return self._decoder.decode(data)

    def flush(self) -> str:
        """End of stream: an unfinished character becomes U+FFFD rather than vanishing."""
        return self._decoder.decode(b"", final=True)


class PieceSource(Protocol):
    """What a `Detokenizer` reads: the bytes of a token's piece (`TokenPieces`)."""

    def piece(self, token: int) -> bytes: ...


class Detokenizer:
    """Per-generation token stream → text stream."""

    __slots__ = ("_pieces", "_utf8")

    def __init__(self, pieces: PieceSource) -> None:
        self._pieces = pieces
        self._utf8 = Utf8Stream()

    def push(self, token: int) -> str:
        """Text completed by `token` (possibly empty while a character is split)."""
        return self._utf8.push(self._pieces.piece(token))

    def flush(self) -> str:
        """Whatever bytes are still pending, as text."""
        return self._utf8.flush()
