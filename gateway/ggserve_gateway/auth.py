"""Credentials pass through: the caller's API key becomes the core's bearer token.

The OpenAI SDK sends `Authorization: Bearer KEY`, the Anthropic SDK `x-api-key: KEY`; both reach
the core as `authorization: Bearer KEY` gRPC metadata, and the core decides (401 when it rejects
the key). The gateway itself holds no secrets.
"""

from __future__ import annotations

from collections.abc import Mapping

from ggserve_client.types import Metadata


def auth_metadata(headers: Mapping[str, str]) -> Metadata:
    """The gRPC metadata that carries the request's credentials (empty without any)."""
    authorization = headers.get("authorization", "").strip()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return [("authorization", f"Bearer {token.strip()}")]
    api_key = headers.get("x-api-key", "").strip()
    if api_key:
        return [("authorization", f"Bearer {api_key}")]
    return []
