"""Why a turn ended, in the terms every API distinguishes (each maps it to its own words).

OpenAI Chat says `stop`/`length`/`tool_calls`, Anthropic `end_turn`/`stop_sequence`/`max_tokens`/
`model_context_window_exceeded`/`tool_use`, Responses `completed` vs `incomplete`
(`max_output_tokens`): one classification of the core's finish reason serves them all, so they
cannot disagree about a turn.
"""

from __future__ import annotations

import enum

from ggserve_client.types import ChatResult, FinishReason


class Ending(enum.Enum):
    """How a turn ended."""

    END_TURN = "end_turn"  # the model stopped (or the turn was cancelled)
    STOP_SEQUENCE = "stop_sequence"  # a caller's stop string matched (`ChatResult.matched_stop`)
    MAX_TOKENS = "max_tokens"  # the token budget ran out
    CONTEXT_FULL = "context_full"  # the context window filled up before the budget ran out
    TOOL_CALLS = "tool_calls"  # the turn ends with tool calls for the caller to run


def ending(result: ChatResult) -> Ending:
    """How `result`'s turn ended."""
    if result.finish_reason is FinishReason.TOOL_CALLS:
        return Ending.TOOL_CALLS
    if result.finish_reason is FinishReason.LENGTH:
        return Ending.CONTEXT_FULL if result.context_full else Ending.MAX_TOKENS
    if result.matched_stop:
        return Ending.STOP_SEQUENCE
    return Ending.END_TURN
