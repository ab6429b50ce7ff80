"""ggserve: an asyncio gRPC service for local GGUF models with streamed tool calls."""

__version__ = "0.1.0"
