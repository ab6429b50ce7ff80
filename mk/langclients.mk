# The Go and TypeScript clients (clients/go, clients/ts): pinned code generators, dependencies,
# builds and tests. Included by the Makefile (`-include mk/*.mk`).
#
# Pins: the protoc plugins here (editing one re-installs it: the rules depend on this file), the
# Go modules in clients/go/go.mod + go.sum, the npm packages in clients/ts/package-lock.json.
# protoc itself is the one bundled with grpcio-tools (requirements/dev.lock).

PROTOC_GEN_GO_VERSION := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.2
PROTOC_GEN_GO := .tools/bin/protoc-gen-go
PROTOC_GEN_GO_GRPC := .tools/bin/protoc-gen-go-grpc
GO_CLIENT := clients/go
TS_CLIENT := clients/ts
TS_MODULES := $(TS_CLIENT)/node_modules/.stamp
GO_MODULES := .tools/go-client-modules.stamp

# `make gen` / `make check-gen` run every language's generator.
GEN_PREREQS += $(PROTOC_GEN_GO) $(PROTOC_GEN_GO_GRPC) $(TS_MODULES)
# tests/langclients runs `go test` and `node --test` against real servers; the builds happen
# here, outside the tests' time limits (a cold grpc-go build takes minutes on a busy machine).
TEST_PREREQS += go-client ts-client

.PHONY: go-client ts-client test-go-client test-ts-client

$(PROTOC_GEN_GO): mk/langclients.mk
	GOBIN=$(abspath .tools/bin) go install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	touch $@

$(PROTOC_GEN_GO_GRPC): mk/langclients.mk
	GOBIN=$(abspath .tools/bin) go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)
	touch $@

# npm packages exactly as locked (reinstalled when the lock changes).
$(TS_MODULES): $(TS_CLIENT)/package.json $(TS_CLIENT)/package-lock.json
	cd $(TS_CLIENT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Go modules from the Go proxy, checked against go.sum (re-fetched when go.sum changes).
$(GO_MODULES): $(GO_CLIENT)/go.mod $(GO_CLIENT)/go.sum
	cd $(GO_CLIENT) && go mod download && go mod verify
	mkdir -p $(@D) && touch $@

# Builds the Go packages and test binaries into Go's build cache (seconds once cached).
go-client: $(GO_MODULES)
	cd $(GO_CLIENT) && go build ./... && go test -count=1 -run '^$$' ./... >/dev/null

ts-client: $(TS_MODULES)
	cd $(TS_CLIENT) && npm run --silent build

# Only these clients' tests (servers started by pytest, which passes their addresses).
test-go-client: dev go-client
	$(VENV)/bin/pytest tests/langclients/test_go_client.py

test-ts-client: dev ts-client
	$(VENV)/bin/pytest tests/langclients/test_ts_client.py
