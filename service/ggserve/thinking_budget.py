"""A request's thinking budget made concrete for its model: the engine's `ThinkingBudget`.

The markers are the chat format's own, as the parser declares them (`reasoning_markers`), so
the close the engine forces is the one the parser reads as a normal end of reasoning. The close
marker is tokenized with control tokens parsed: where the vocabulary has it as one special token
(Qwen3's `</think>`), that token is forced, as the model itself would write it.

No budget applies where it could not act: the model does not reason in this turn (thinking off,
a template without reasoning), the format declares no reasoning markers, or a grammar constrains
the output (it decides every token; a forced tool call turns thinking off anyway).
"""

from __future__ import annotations

import ggserve_parser as gp
from ggserve.engine.base import Engine
from ggserve.engine.thinking import ThinkingBudget


def thinking_budget(
    engine: Engine,
    budget: int | None,
    *,
    tool_format: str,
    reasoning: bool,
    starts_open: bool,
    grammar: str | None,
) -> ThinkingBudget | None:
    """The engine's budget for a turn rendered in `tool_format`, or None where none applies."""
    if budget is None or not reasoning or grammar is not None:
        return None
    try:
        markers = gp.reasoning_markers(tool_format)
    except ValueError:  # not a parser format: nothing to match the reasoning block with
        return None
    opens, closes = tuple(markers["open"]), tuple(markers["close"])
    if not closes:
        return None
    close_tokens = tuple(engine.tokenize(closes[0], add_bos=False, special=True))
    if not close_tokens:  # nothing to force (no vocabulary spells it): no budget to keep
        return None
    return ThinkingBudget(budget, close_tokens, opens, closes, starts_open)
