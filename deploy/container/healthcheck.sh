#!/bin/sh
# The image's HEALTHCHECK: grpc.health.v1 status of ggserve.v1.ChatService (SERVING once the
# model is loaded), asked over the Unix socket or the TCP port the server listens on.
set -eu
if [ -n "${GGSERVE_UNIX_SOCKET:-}" ]; then
    addr="unix://${GGSERVE_UNIX_SOCKET}"
else
    addr="127.0.0.1:${GGSERVE_PORT:-50051}"
fi
exec grpc_health_probe -addr="$addr" -service=ggserve.v1.ChatService \
    -connect-timeout=2s -rpc-timeout=2s
