"""OpenAI's reasoning effort (Chat Completions `reasoning_effort`, Responses `reasoning.effort`)
as the core's thinking switch and thinking budget.

`none` turns thinking off (the template renders its non-thinking prompt); every other level
turns it on with a fixed budget of reasoning tokens, after which the core writes the model's
own close-of-thinking marker and the answer follows. The figures are this server's choice (the
README's field tables list them): roughly doubling per level from a short deliberation up to
what long agentic reasoning uses, all below the context lengths local models are served with.
"""

from __future__ import annotations

from typing import Literal

from ggserve_client.request import ChatOptions

Effort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]

EFFORT_BUDGETS: dict[str, int] = {
    "minimal": 256,
    "low": 1024,
    "medium": 4096,
    "high": 16384,
    "xhigh": 32768,
}


def effort_options(effort: Effort | None) -> ChatOptions:
    """The core call's thinking options for `effort` (none where it is not given)."""
    if effort is None:
        return {}
    if effort == "none":
        return {"thinking": False}
    return {"thinking": True, "thinking_budget_tokens": EFFORT_BUDGETS[effort]}
