"""GBNF grammars and JSON Schemas for constrained generation, checked before anything is queued.

`llama_cpp.LlamaGrammar.from_string` only stores the text; llama.cpp parses it when the grammar
sampler is created and returns NULL on a syntax error (adding NULL to a sampler chain crashes).
So a grammar is compiled once at admission to validate it (`GrammarError` → INVALID_ARGUMENT) and
again, from the same text, in the engine thread for the sequence's own sampler chain.

Before llama.cpp sees any grammar it passes `gbnf.check_gbnf` (size, nesting, width, terminals that
match nothing): llama.cpp's parser and sampler crash or stall on such input instead of refusing it.
JSON Schemas are bounded (`schema_bounds`) before conversion, which would otherwise expand them.
"""

from __future__ import annotations

import json

import llama_cpp
from llama_cpp.llama_grammar import LLAMA_GRAMMAR_DEFAULT_ROOT, LlamaGrammar
from llama_cpp.llama_grammar import json_schema_to_gbnf as _schema_to_gbnf

from ggserve.engine import llama_log
from ggserve.engine.base import GrammarError
from ggserve.engine.gbnf import GbnfError, check_gbnf
from ggserve.json_text import JsonTextError, parse_json
from ggserve.limits import DEFAULT_LIMITS, Limits
from ggserve.schema_bounds import SchemaBoundsError, check_schema_bounds
from ggserve.schema_refs import SchemaRefError, rebase_refs, with_defs


def compile_grammar(vocab: llama_cpp.llama_vocab_p, gbnf: str) -> llama_cpp.llama_sampler_p:
    """A grammar sampler for `gbnf` (root rule `root`); the caller owns (or chains) it."""
    grammar = LlamaGrammar.from_string(gbnf, verbose=False)
    with llama_log.capture_errors() as errors:
        sampler: llama_cpp.llama_sampler_p | None = llama_cpp.llama_sampler_init_grammar(
            vocab, grammar._grammar.encode("utf-8"), LLAMA_GRAMMAR_DEFAULT_ROOT.encode("utf-8")
        )
    if not sampler:
        detail = "; ".join(errors) or "llama.cpp rejected it"
        raise GrammarError(f"invalid GBNF grammar: {detail}")
    return sampler


def check_grammar(gbnf: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise `GrammarError` unless `gbnf` is safe to hand to llama.cpp (pure Python, no model)."""
    try:
        check_gbnf(gbnf, limits)
    except GbnfError as exc:
        raise GrammarError(f"invalid GBNF grammar: {exc}") from exc


def validate_grammar(vocab: llama_cpp.llama_vocab_p, gbnf: str) -> None:
    """Raise `GrammarError` unless `gbnf` is safe, parses and defines its root rule."""
    check_grammar(gbnf)
    llama_cpp.llama_sampler_free(compile_grammar(vocab, gbnf))


def json_schema_to_gbnf(schema_text: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """GBNF that accepts exactly the JSON documents valid under `schema_text` (a JSON Schema).

    Uses llama-cpp-python's port of llama.cpp's converter, local `$ref`s rebased first
    (`schema_refs`: `#` and recursion work); remote `$ref`s are not fetched. The schema is bounded
    before converting and the grammar checked after.
    """
    try:
        schema = parse_json(schema_text, limits)
    except JsonTextError as exc:
        raise GrammarError(f"JSON Schema: {exc}") from exc
    if not isinstance(schema, dict):
        raise GrammarError("JSON Schema must be a JSON object")
    try:
        check_schema_bounds(schema, limits)
    except SchemaBoundsError as exc:
        raise GrammarError(str(exc)) from exc
    try:
        (rebased,), defs = rebase_refs([schema])
    except SchemaRefError as exc:
        raise GrammarError(f"JSON Schema: {exc}") from exc
    try:
        gbnf = str(_schema_to_gbnf(json.dumps(with_defs(rebased, defs))))
    except Exception as exc:
        # The converter signals unsupported or inconsistent schemas with assorted exception types
        # (AssertionError, KeyError, ValueError, RecursionError, …); all mean a bad request here.
        raise GrammarError(f"unsupported JSON Schema: {type(exc).__name__}: {exc}") from exc
    check_grammar(gbnf, limits)
    return gbnf
