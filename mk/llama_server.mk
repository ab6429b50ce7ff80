# llama.cpp's own llama-server, built on demand from the llama.cpp sources vendored in the same
# llama-cpp-python sdist the service runs on (same commit, same default CMake options as the
# wheel: Release, GGML_NATIVE). The concurrency benchmark's baseline; not part of `make test`.
# About 7 minutes on 2 cores; the binary is kept in .tools/ and rebuilt when this file changes.

LLAMA_CPP_PYTHON_VERSION := 0.3.36
LLAMA_SERVER_DIR := .tools/llama-server
LLAMA_SERVER := $(LLAMA_SERVER_DIR)/bin/llama-server
LLAMA_SERVER_JOBS ?= 2

.PHONY: llama-server

$(LLAMA_SERVER): mk/llama_server.mk | venv
	rm -rf $(LLAMA_SERVER_DIR)/src $(LLAMA_SERVER_DIR)/build
	mkdir -p $(LLAMA_SERVER_DIR)/src $(LLAMA_SERVER_DIR)/bin
	$(PY) -m pip download -q --no-deps --no-binary :all: \
		llama-cpp-python==$(LLAMA_CPP_PYTHON_VERSION) -d $(LLAMA_SERVER_DIR)/src
	tar -xzf $(LLAMA_SERVER_DIR)/src/llama_cpp_python-$(LLAMA_CPP_PYTHON_VERSION).tar.gz \
		-C $(LLAMA_SERVER_DIR)/src
	cmake -S $(LLAMA_SERVER_DIR)/src/llama_cpp_python-$(LLAMA_CPP_PYTHON_VERSION)/vendor/llama.cpp \
		-B $(LLAMA_SERVER_DIR)/build -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
		-DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
		-DLLAMA_BUILD_SERVER=ON > $(LLAMA_SERVER_DIR)/cmake.log
	nice -n 10 cmake --build $(LLAMA_SERVER_DIR)/build --target llama-server \
		-j $(LLAMA_SERVER_JOBS) > $(LLAMA_SERVER_DIR)/build.log
	cp $(LLAMA_SERVER_DIR)/build/bin/llama-server $@

llama-server: $(LLAMA_SERVER)
