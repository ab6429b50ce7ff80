"""What the APIs' request schemas share: the base of every body part (unknown fields ignored)
and the typed text part of a message's content."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    """A request body or a part of one. Unknown fields are ignored: clients send many optional
    ones, and each schema declares the fields it must refuse by name."""

    model_config = ConfigDict(extra="ignore")


class TextPart(Body):
    """A part of a message's content: its `type` (each API's request module decides which it
    takes) and its text when it has one."""

    type: str
    text: str | None = None
