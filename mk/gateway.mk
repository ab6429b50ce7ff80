# The HTTP gateway (gateway/): its benchmark.
.PHONY: bench-gateway

# Added time per streamed token through the gateway vs gRPC direct, 1 and 8 streams.
bench-gateway: dev
	$(PY) bench/gateway_cost.py
