# Client-side tooling: ghz, the load generator demo and the service benchmarks.
# Included by the Makefile (`-include mk/*.mk`); `make test` needs ghz (tests/load).

GHZ_VERSION := v0.121.0
GHZ := .tools/bin/ghz
LOADGEN_PORT ?= 50061
LOADGEN_TARGET := 127.0.0.1:$(LOADGEN_PORT)

TEST_PREREQS += $(GHZ)

.PHONY: ghz bench-service loadgen-demo

# ghz from the Go module proxy, pinned; editing the pin here re-installs it (the rule depends
# on this file).
$(GHZ): mk/clients.mk
	GOBIN=$(abspath .tools/bin) go install github.com/bojand/ghz/cmd/ghz@$(GHZ_VERSION)
	touch $@

ghz: $(GHZ)

# Service benchmarks (bare llama-cpp-python vs the service, loop stall, per-message cost,
# concurrency 1-16 with --parallel 1 and 8 against llama-server, prefix cache): figures and
# ratios measured in one run. Keep the machine otherwise idle. llama-server is built on demand
# (mk/llama_server.mk, ~7 minutes once). BENCH_THREADS=1,2 adds the 2-thread comparison.
BENCH_THREADS ?= 1
bench-service: dev llama-server
	$(PY) bench/service_vs_bare.py
	$(PY) bench/service_loop_stall.py
	$(PY) bench/service_stream_cost.py
	$(PY) bench/service_concurrency.py --threads $(BENCH_THREADS)
	$(PY) bench/service_prefix_cache.py

# Serve the bundled model on $(LOADGEN_TARGET) and run the load generator against it:
# table on stdout, JSON report and PNG plot in build/.
loadgen-demo: dev
	mkdir -p build
	$(PY) -m ggserve serve --port $(LOADGEN_PORT) --threads 1 --log-level WARNING & server=$$!; \
	trap 'kill $$server; wait $$server' EXIT; \
	for _ in $$(seq 120); do \
		$(VENV)/bin/ggserve-client models --target $(LOADGEN_TARGET) --timeout 1 >/dev/null 2>&1 && break; \
		sleep 0.5; \
	done; \
	$(PY) -m ggserve_client.loadgen --target $(LOADGEN_TARGET) --concurrency 1,2,4,8 \
		--requests 16 --max-tokens 64 --tools-ratio 0.25 --progress \
		--output build/loadgen.json --plot build/loadgen.png
