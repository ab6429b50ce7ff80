"""Whether a rendered prompt leaves the model inside a reasoning block (`thinking_forced_open`).

Templates of reasoning models often end the generation prompt with the block's opening marker
(Qwen3 / DeepSeek-R1 `<think>\n`, Seed-OSS `<seed:think>`, Magistral `[THINK]`, gpt-oss
`<|channel|>analysis<|message|>`, Command R7B `<|START_THINKING|>`, Apertus `<|inner_prefix|>`,
Gemma 4 `<|channel>thought`), so the model's output starts inside reasoning with no opening tag.
The parser must then start in reasoning.

The opposite cases turn reasoning extraction off, because some families (Hermes/Qwen3, DeepSeek
R1, MiniMax-M2) read a closing marker without an opening one as the end of a block the prompt
opened, and so hold every answer back until a close or the end of output decides it:

- a template with no reasoning markers at all (the default SmolLM2, the ChatML fallback): the
  model never thinks, and its answers must stream;
- a prompt that already closed the block (Qwen3 `enable_thinking=false` renders
  `<think>\n\n</think>\n\n`, DeepSeek V3.1 non-thinking `</think>`): the turn is the answer.
"""

from __future__ import annotations

import ggserve_parser as gp

# Every format's reasoning markers, as each format declares them to the parser (one place per
# format): `<think>`, `<seed:think>`, `[THINK]`, `<|channel|>analysis<|message|>`,
# `<|START_THINKING|>`, `<|inner_prefix|>`, Gemma 4's `<|channel>thought`, and their closes.
_MARKERS = gp.reasoning_markers()
REASONING_OPENERS: tuple[str, ...] = _MARKERS["open"]
REASONING_CLOSERS: tuple[str, ...] = _MARKERS["close"]

# Fragments any template of a reasoning model mentions: its markers (`<think>`, `[THINK]`,
# `<|START_THINKING|>`, `<seed:think>`, gpt-oss / Gemma 4 channels, Apertus' inner prefix) or
# its variables (`enable_thinking`, `thinking`, `reasoning_content`). A false match only costs
# holding back text that has a lone close; a miss would put reasoning into content, so the list
# errs on matching.
_TEMPLATE_FRAGMENTS = ("think", "reasoning", "<|channel|>", "<|channel>", "inner_prefix")


def ends_inside_reasoning(prompt: str) -> bool:
    """True when `prompt` ends (modulo whitespace) with an opening marker that is not closed."""
    tail = prompt.rstrip()
    return any(tail.endswith(opener) for opener in REASONING_OPENERS)


def ends_after_reasoning(prompt: str) -> bool:
    """True when `prompt` ends (modulo whitespace) with a closing marker: the block is over."""
    tail = prompt.rstrip()
    return any(tail.endswith(closer) for closer in REASONING_CLOSERS)


def template_may_reason(source: str) -> bool:
    """Whether a chat template's model may think at all (it mentions reasoning markers)."""
    lowered = source.lower()
    return any(fragment in lowered for fragment in _TEMPLATE_FRAGMENTS)
