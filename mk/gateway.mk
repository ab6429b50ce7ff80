# The HTTP gateway (gateway/): its benchmark.
.PHONY: bench-gateway bench-gateway-responses

# Added time per streamed token through the gateway vs gRPC direct, 1 and 8 streams.
bench-gateway: dev
	$(PY) bench/gateway_cost.py

# Per-token cost of the Responses stream vs the Chat Completions stream, 8 streams.
bench-gateway-responses: dev
	$(PY) bench/gateway_responses_cost.py
