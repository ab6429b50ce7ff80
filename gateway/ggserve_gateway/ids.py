"""Identifiers of answers, unguessable and in each API's prefix style."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    """`prefix` followed by 24 random hex digits (e.g. `chatcmpl-…`, `msg_…`)."""
    return f"{prefix}{secrets.token_hex(12)}"
