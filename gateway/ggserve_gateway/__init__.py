"""ggserve_gateway: OpenAI- and Anthropic-compatible HTTP API in front of ggserve's gRPC API.

A thin, faithful translation: every request becomes one `ggserve_client.AsyncClient` call, so the
gRPC core stays the single place where models run, tool calls are parsed and errors decided.

    POST /v1/chat/completions       OpenAI Chat Completions (SSE streaming)
    POST /v1/messages               Anthropic Messages (SSE streaming)
    POST /v1/messages/count_tokens  Anthropic token counting
    GET  /v1/models                 the served models (Anthropic shape with `anthropic-version`)

Run it with `ggserve gateway --upstream HOST:PORT --port 8080`, or in-process with
`ggserve serve --http-port 8080`.
"""

from ggserve_gateway.app import create_app
from ggserve_gateway.limits import HttpLimits
from ggserve_gateway.server import GatewayServer

__version__ = "0.1.0"

__all__ = ["GatewayServer", "HttpLimits", "__version__", "create_app"]
