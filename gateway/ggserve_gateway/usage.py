"""Token counts in each API's usage shape, all derived from the core's one `Usage`.

The figures each API reports are the same few sums (total, input without the cached part), so
they are computed here once; a new API adds its shape beside these.
"""

from __future__ import annotations

from typing import Any

from ggserve_client.types import Usage


def total_tokens(u: Usage) -> int:
    """Prompt plus completion tokens."""
    return u.prompt_tokens + u.completion_tokens


def uncached_input_tokens(u: Usage) -> int:
    """Prompt tokens that were evaluated, not read from the prompt cache."""
    return u.prompt_tokens - u.cached_tokens


def openai_chat_usage(u: Usage) -> dict[str, Any]:
    """OpenAI Chat Completions' usage object."""
    return {
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "total_tokens": total_tokens(u),
        "prompt_tokens_details": {"cached_tokens": u.cached_tokens},
        "completion_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
    }


def anthropic_usage(u: Usage) -> dict[str, Any]:
    """Anthropic's usage: input tokens exclude the ones read from the prompt cache."""
    return {
        "input_tokens": uncached_input_tokens(u),
        "output_tokens": u.completion_tokens,
        "cache_read_input_tokens": u.cached_tokens,
        "cache_creation_input_tokens": 0,
    }


def responses_usage(u: Usage) -> dict[str, Any]:
    """OpenAI Responses' usage; the reasoning tokens are also in `output_tokens`."""
    return {
        "input_tokens": u.prompt_tokens,
        # The prefix cache is written as a side effect: no tokens are billed for writing it.
        "input_tokens_details": {"cached_tokens": u.cached_tokens, "cache_write_tokens": 0},
        "output_tokens": u.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        "total_tokens": total_tokens(u),
    }
