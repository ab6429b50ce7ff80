"""Whether a rendered prompt leaves the model inside a reasoning block (`thinking_forced_open`).

Templates of reasoning models often end the generation prompt with the block's opening marker
(Qwen3 / DeepSeek-R1 `<think>\n`, Seed-OSS `<seed:think>`, Magistral `[THINK]`, gpt-oss
`<|channel|>analysis<|message|>`, Command R7B `<|START_THINKING|>`, Apertus `<|inner_prefix|>`,
Gemma 4 `<|channel>thought`), so the model's output starts inside reasoning with no opening tag.
The parser must then start in reasoning.
"""

from __future__ import annotations

REASONING_OPENERS = (
    "<think>",
    "<seed:think>",
    "[THINK]",
    "<|channel|>analysis<|message|>",
    "<|START_THINKING|>",
    "<|inner_prefix|>",
    "<|channel>thought",
)


def ends_inside_reasoning(prompt: str) -> bool:
    """True when `prompt` ends (modulo whitespace) with an opening marker that is not closed."""
    tail = prompt.rstrip()
    return any(tail.endswith(opener) for opener in REASONING_OPENERS)
