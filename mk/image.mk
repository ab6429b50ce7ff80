# The container image (Dockerfile), built and tested here without a Docker engine: buildah and
# podman from Debian, base images made locally (tools/image/bases.sh), `--isolation chroot`.
# Not part of `make test` (a first build takes about half an hour on 2 cores; see the README).
#   make image                 CPU image on the local bases, tagged $(IMAGE)
#   make image ACCEL=cuda      CUDA variant on nvidia/cuda images (needs a registry that has them)
#   make image-test            build, then serve from the image and check it with grpcurl + probe

IMAGE ?= localhost/ggserve:latest
ACCEL ?= cpu
IMAGE_TOOLS := buildah podman debootstrap
LOCAL_DEBIAN_BASE := localhost/ggserve-base/debian:bookworm
LOCAL_TOOLCHAIN_BASE := localhost/ggserve-base/toolchain:bookworm
CUDA_VERSION ?= 12.8.1

ifeq ($(ACCEL),cuda)
IMAGE_ARGS := --build-arg BUILD_IMAGE=nvidia/cuda:$(CUDA_VERSION)-devel-ubuntu24.04 \
	--build-arg RUNTIME_IMAGE=nvidia/cuda:$(CUDA_VERSION)-runtime-ubuntu24.04 \
	--build-arg "LLAMA_CMAKE_ARGS=-DGGML_CUDA=on -DGGML_NATIVE=OFF"
IMAGE_BASES :=
else
IMAGE_ARGS := --build-arg BUILD_IMAGE=$(LOCAL_DEBIAN_BASE) \
	--build-arg RUNTIME_IMAGE=$(LOCAL_DEBIAN_BASE) \
	--build-arg RUST_IMAGE=$(LOCAL_TOOLCHAIN_BASE) \
	--build-arg GO_IMAGE=$(LOCAL_TOOLCHAIN_BASE)
IMAGE_BASES := image-bases
endif

.PHONY: image image-test image-tools image-bases

# Installs the image tools from Debian's archive when one is missing (needs root).
image-tools:
	@missing=$$(for tool in $(IMAGE_TOOLS); do command -v $$tool >/dev/null || echo $$tool; done); \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

image-bases: image-tools
	DEBIAN_BASE=$(LOCAL_DEBIAN_BASE) TOOLCHAIN_BASE=$(LOCAL_TOOLCHAIN_BASE) tools/image/bases.sh

image: image-tools $(IMAGE_BASES)
	time buildah bud --isolation chroot --layers --format docker $(IMAGE_ARGS) -t $(IMAGE) .
	podman image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' $(IMAGE)

image-test: image venv
	IMAGE=$(IMAGE) GRPCURL=$(abspath $(VENV))/bin/grpcurl tools/image/test_image.sh
