"""Generated gRPC stubs of the ggserve.v1 API (tools/gen_proto.py); do not edit."""
