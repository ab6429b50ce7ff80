#!/bin/sh
# Makes a base image fit the Dockerfile's stages. python:*-slim images already have Python;
# CUDA and plain Debian/Ubuntu images get Debian's python3 + venv. `--build` adds compilers,
# `--runtime` adds the OpenMP runtime llama.cpp links (libgomp1). Leaves no apt lists behind.
set -eu
packages=""
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    packages="python3 python3-venv"
fi
case "${1:-}" in
    --build) packages="$packages build-essential cmake" ;;
    --runtime) packages="$packages libgomp1" ;;
esac
if [ -n "$packages" ]; then
    apt-get update
    # shellcheck disable=SC2086 # a list of package names
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages
    rm -rf /var/lib/apt/lists/*
fi
