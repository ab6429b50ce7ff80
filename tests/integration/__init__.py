"""Integration tests: a real gRPC server on loopback, in-process or as a subprocess."""
