# The HTTP gateway (gateway/): its benchmarks.
.PHONY: bench-gateway bench-gateway-responses bench-first-byte

# Added time per streamed token through the gateway vs gRPC direct, 1 and 8 streams.
bench-gateway: dev
	$(PY) bench/gateway_cost.py

# Per-token cost of the Responses stream vs the Chat Completions stream, 8 streams.
bench-gateway-responses: dev
	$(PY) bench/gateway_responses_cost.py

# First response byte after admission (issue 15: ≤ 1 s) for ~1k/4k/8k-token prompts through each
# API, real bundled model: minutes on one thread. FIRST_BYTE_THREADS=2 for two.
FIRST_BYTE_THREADS ?= 1
bench-first-byte: dev
	$(PY) bench/gateway_first_byte.py --threads $(FIRST_BYTE_THREADS)
