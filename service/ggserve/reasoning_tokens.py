"""Counting the generated tokens that were reasoning, from what the parser made of each step.

The engine reports how many tokens produced each step's text (several with speculative decoding)
and the parser says what that text became; the tokens of a step are attributed as a whole:

- a step whose parsed output is reasoning only counts as reasoning;
- a step whose output has anything else (content, a tool call, or text straddling the close
  marker: reasoning then content) does not count;
- a step that produced no output (a marker, or text the parser holds back until it can tell
  what it is) waits for the next output: it counts when the output before it ended in reasoning
  and the output after it begins with reasoning, i.e. the parser held back text inside the block.
  So the open and close markers are not reasoning, nor is held-back whitespace after the close;
  a step with nothing after it (the end of the turn) does not count.

For a model whose markers are single tokens, this is the number of tokens strictly between them.
"""

from __future__ import annotations

from collections.abc import Sequence

import ggserve_parser as gp


class ReasoningTokens:
    """The running count of reasoning tokens of one generation."""

    def __init__(self, *, starts_inside: bool = False) -> None:
        """`starts_inside`: the prompt opened the reasoning block (and the parser knows it)."""
        self.count = 0
        self._pending = 0  # tokens of steps that produced no output yet
        self._after_reasoning = starts_inside  # the last output ended in reasoning

    def step(self, tokens: int, events: Sequence[gp.Event]) -> None:
        """One engine step of `tokens` tokens, whose text the parser turned into `events`."""
        if not events:
            self._pending += tokens
            return
        self._output(events)
        if all(event.kind == "reasoning" for event in events):
            self.count += tokens

    def finish(self, events: Sequence[gp.Event]) -> None:
        """The parser's events at the end of the generation (held-back text flushed)."""
        if events:
            self._output(events)

    def _output(self, events: Sequence[gp.Event]) -> None:
        if self._after_reasoning and events[0].kind == "reasoning":
            self.count += self._pending
        self._pending = 0
        self._after_reasoning = events[-1].kind == "reasoning"
