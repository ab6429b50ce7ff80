"""The request options every API spells the same way, copied from a parsed body in one place.

Each API's schema declares the fields it accepts (and their ranges); whichever of these it has
and the caller set are passed to the core under the same name.
"""

from __future__ import annotations

import json
from typing import Any, cast

from pydantic import BaseModel

from ggserve_client.request import ChatOptions

# `ChatOptions` keys that the APIs' bodies name identically.
_SAMPLING = (
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "repeat_penalty",
    "presence_penalty",
    "frequency_penalty",
)


def sampling_options(body: BaseModel) -> ChatOptions:
    """The sampling fields of `body` that were set (absent from its schema counts as unset)."""
    present = {
        name: value for name in _SAMPLING if (value := getattr(body, name, None)) is not None
    }
    return cast(ChatOptions, present)


def json_schema_option(schema: dict[str, Any]) -> str:
    """The core's `json_schema` option (JSON text) for a schema object."""
    return json.dumps(schema)
