"""The bounds on what one request may ask for: one frozen `Limits`, checked before any work.

Everything a caller sends that reaches llama.cpp or a recursive algorithm is bounded here, so a
hostile request gets INVALID_ARGUMENT naming the limit instead of crashing the process (llama.cpp's
grammar parser recurses once per nesting level and overflows the stack), blocking the event loop
(grammar initialisation is quadratic in the alternatives that start at one position) or reaching
an exception nobody expects (Python's and serde_json's recursion limits, NaN in JSON).

The defaults are generous for real use: OpenAI allows 128 tools, typical schemas nest under 10
levels, and `maxLength` beyond a few hundred characters is rarely meant as a constraint on a
sampled string. `ggserve serve` exposes the ones operators tune (`--max-request-bytes`,
`--max-messages`, `--max-tools`).
"""

from __future__ import annotations

from dataclasses import dataclass

# llama.cpp refuses `x{m,n}` beyond this count (MAX_REPETITION_THRESHOLD, llama-grammar.cpp).
LLAMA_MAX_REPETITION = 2000


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-request bounds; every violation is INVALID_ARGUMENT naming the limit and the value."""

    # gRPC: the largest request message the server accepts (RESOURCE_EXHAUSTED beyond it).
    max_request_bytes: int = 16 * 1024 * 1024
    # ModelService.Tokenize: text beyond this is refused (tokenizing costs ~1 s per MB).
    max_tokenize_chars: int = 256 * 1024
    # Conversation shape.
    max_messages: int = 4096
    max_stop_strings: int = 16
    max_stop_chars: int = 256
    max_name_chars: int = 256
    max_tool_call_id_chars: int = 128
    # Tools.
    max_tools: int = 128
    max_tool_description_chars: int = 16 * 1024
    # Any JSON text a request carries (tool schemas, call arguments, response_format.json_schema).
    max_json_bytes: int = 256 * 1024
    max_json_depth: int = 64
    # JSON Schema expansion: each of minLength/maxLength/minItems/maxItems/minProperties/
    # maxProperties and each pattern quantifier {m,n}, and their sum over one schema.
    max_schema_repetition: int = 1000
    max_schema_total_repetition: int = 4000
    # Values in a schema that becomes a grammar (properties, enum members, …): each one costs
    # converter time and grammar rules.
    max_schema_nodes: int = 4096
    # GBNF grammars (the caller's, and those built from schemas and tools).
    max_grammar_bytes: int = 128 * 1024
    max_grammar_nesting: int = 1100
    max_grammar_alternatives: int = 4096
    max_grammar_repetition: int = LLAMA_MAX_REPETITION
    # chat_template_kwargs: how many variables, and the JSON text of all their values together.
    max_template_kwargs: int = 32
    max_template_kwargs_bytes: int = 64 * 1024
    # Chat templates: rendering stops with INVALID_ARGUMENT past this time or output size.
    template_render_seconds: float = 5.0
    max_template_output_chars: int = 64 * 1024 * 1024


DEFAULT_LIMITS = Limits()
