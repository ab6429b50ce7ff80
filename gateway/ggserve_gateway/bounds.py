"""The numeric ranges every API's request fields are checked against, as pydantic types.

A number a schema takes must fit what it becomes: most reach a `uint32` or a bounded double of
the core's protobuf request, and a value beyond that (an Anthropic `max_tokens` of 10^30) failed
in the conversion, after validation, as a 500. Each schema annotates its numeric fields with one
of these types, so a value out of range is a 400 naming the field (`HttpError.from_validation`)
before any conversion runs. The sampling ranges are the core's (`service/ggserve/validate.py`),
narrowed where the API itself documents a narrower one; NaN and infinities are refused
everywhere.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

U32_MAX = 2**32 - 1
I64_MIN, I64_MAX = -(2**63), 2**63 - 1

# Tokens to generate: the core's `max_tokens` is a uint32 (the context bounds it further).
TokenCount = Annotated[int, Field(ge=1, le=U32_MAX)]
# A token budget with no local effect (Anthropic `thinking.budget_tokens`): still a uint32.
TokenBudget = Annotated[int, Field(ge=0, le=U32_MAX)]
# `top_k`: 0 disables the filter.
TopK = Annotated[int, Field(ge=0, le=U32_MAX)]
# OpenAI's `seed` is an int64; the core takes it modulo 2^32.
Seed = Annotated[int, Field(ge=I64_MIN, le=I64_MAX)]
# How many choices (OpenAI `n`); only 1 is served, more is refused by name in the request layer.
ChoiceCount = Annotated[int, Field(ge=1, le=128)]
# OpenAI `top_logprobs`: 0-20 in the API.
TopLogprobs = Annotated[int, Field(ge=0, le=20)]

# Sampling (finite floats only).
OpenAiTemperature = Annotated[float, Field(ge=0.0, le=2.0, allow_inf_nan=False)]
AnthropicTemperature = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
TopP = Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]
MinP = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
RepeatPenalty = Annotated[float, Field(gt=0.0, le=10.0, allow_inf_nan=False)]
Penalty = Annotated[float, Field(ge=-2.0, le=2.0, allow_inf_nan=False)]
# OpenAI `logit_bias` values.
LogitBias = Annotated[float, Field(ge=-100.0, le=100.0, allow_inf_nan=False)]
