# The coding agents of the agent tests (tests/agents) and `make agents-smoke`: Claude Code, Codex
# CLI and qwen-code, pinned in tools/agents/package-lock.json and installed from that lock into
# .tools/agents (reinstalled when the lock changes). Node 20 runs them (with engine warnings).
# Included by the Makefile (`-include mk/*.mk`).

AGENTS_DIR := .tools/agents
AGENTS := $(AGENTS_DIR)/node_modules/.stamp

# tests/agents runs the agents over a scripted core (part of `make test`).
TEST_PREREQS += agents

.PHONY: agents test-agents agents-smoke

$(AGENTS): tools/agents/package.json tools/agents/package-lock.json
	mkdir -p $(AGENTS_DIR)
	cp tools/agents/package.json tools/agents/package-lock.json $(AGENTS_DIR)/
	# Not `npm ci`: it refuses this lock because qwen-code's clipboard package names optional
	# per-platform packages that were never published. `npm install` from the lock, then the lock
	# must be unchanged (nothing resolved anew). Claude Code's postinstall copies its native
	# binary out of the platform package (nothing is downloaded).
	cd $(AGENTS_DIR) && npm install --no-audit --no-fund --loglevel=error
	cmp tools/agents/package-lock.json $(AGENTS_DIR)/package-lock.json
	touch $@

agents: $(AGENTS)

# Only the agent tests (scripted core: seconds per agent).
test-agents: dev agents
	$(VENV)/bin/pytest tests/agents

# The agents with their default settings against the real bundled model (minutes on a CPU; not
# part of `make test`): time to the first answer and the prefix-cache share of the prompt tokens.
agents-smoke: dev agents
	$(PY) -m tests.agents.smoke
