"""What the load generator sends: prompts with and without tools, and the request options."""

from __future__ import annotations

from dataclasses import dataclass

from ggserve_client.request import ChatOptions
from ggserve_client.types import Tool

PROMPTS = (
    "Say hello in one short sentence.",
    "Name three primary colors.",
    "What is the capital of France? Answer briefly.",
    "Write a haiku about the sea.",
    "Explain what a GPU is in two sentences.",
)
TOOL_PROMPTS = (
    "What is the weather in Paris right now?",
    "Check the weather in Tokyo, in celsius.",
    "Do I need an umbrella in London today?",
)
TOOLS = (
    Tool(
        name="get_weather",
        description="Current weather in a city.",
        parameters={
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    ),
)


@dataclass(frozen=True, slots=True)
class Workload:
    """The requests of a run; request `n` gets the tools iff it falls in the `tools_ratio` share.

    The share is spread evenly (with ratio 0.25 every fourth request carries tools), so short
    runs still mix both kinds.
    """

    max_tokens: int = 64
    temperature: float = 0.0
    tools_ratio: float = 0.0
    model: str = ""
    seed: int | None = None

    def uses_tools(self, number: int) -> bool:
        """Whether request `number` (0-based) carries tools."""
        return int((number + 1) * self.tools_ratio) > int(number * self.tools_ratio)

    def request(self, number: int) -> tuple[str, ChatOptions]:
        """Prompt and options of request `number`."""
        options = ChatOptions(
            model=self.model, max_tokens=self.max_tokens, temperature=self.temperature
        )
        if self.seed is not None:
            options["seed"] = self.seed
        if self.uses_tools(number):
            options["tools"] = TOOLS
            return TOOL_PROMPTS[number % len(TOOL_PROMPTS)], options
        return PROMPTS[number % len(PROMPTS)], options
