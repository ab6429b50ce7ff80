"""ggserve_client: the client side of the ggserve gRPC API (needs only grpcio and protobuf).

`Client` (blocking) and `AsyncClient` (asyncio) return the typed results of
`ggserve_client.types` and raise the typed errors of `ggserve_client.errors`. The generated stubs
of API version 1 live in `ggserve_client.v1` (`api_pb2` for messages, `api_pb2_grpc` for
`ChatServiceStub` / `ModelServiceStub`). The command line is `ggserve-client` (`cli`), the load
generator `python -m ggserve_client.loadgen`.

    with Client("127.0.0.1:50051") as client:
        for event in client.chat_stream("Hello!", max_tokens=32, temperature=0):
            ...
"""

from ggserve_client.aio import AsyncClient
from ggserve_client.channel import ChannelConfig, TlsConfig
from ggserve_client.errors import GgserveError
from ggserve_client.sync import Client
from ggserve_client.types import (
    ChatDone,
    ChatResult,
    ChatStarted,
    ContentDelta,
    DeltaEvent,
    FinishReason,
    LengthLimit,
    Message,
    Metadata,
    Model,
    PromptProgress,
    ReasoningDelta,
    RenderedChat,
    Role,
    StreamEvent,
    Timings,
    Tool,
    ToolCall,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStatus,
    Usage,
)

__version__ = "0.1.0"

__all__ = [
    "AsyncClient",
    "ChannelConfig",
    "ChatDone",
    "ChatResult",
    "ChatStarted",
    "Client",
    "ContentDelta",
    "DeltaEvent",
    "FinishReason",
    "GgserveError",
    "LengthLimit",
    "Message",
    "Metadata",
    "Model",
    "PromptProgress",
    "ReasoningDelta",
    "RenderedChat",
    "Role",
    "StreamEvent",
    "Timings",
    "TlsConfig",
    "Tool",
    "ToolCall",
    "ToolCallDelta",
    "ToolCallEnd",
    "ToolCallStatus",
    "Usage",
    "__version__",
]
