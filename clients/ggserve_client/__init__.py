"""ggserve_client: the client side of the ggserve gRPC API.

The generated stubs of API version 1 live in `ggserve_client.v1` (`api_pb2` for messages,
`api_pb2_grpc` for `ChatServiceStub` / `ModelServiceStub`); they need only grpcio and protobuf.
"""

__version__ = "0.1.0"
