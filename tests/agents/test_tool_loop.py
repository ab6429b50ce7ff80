"""The real coding agents complete a tool loop against ggserve over a scripted core.

Each agent (the npm package, run non-interactively as a user would) gets a task; the scripted
model answers its first request with a call to the agent's own shell tool in the Qwen3/Hermes
wire format, the agent runs the command (it writes a file) and sends the result back, and the
model's next answer is the scripted final one. Side requests the agents make (memory passes,
titles, …) get a plain answer. The agent must exit 0 without reporting an error, the file must
exist with what the command wrote, and the agent's final answer must be the scripted one.
"""

from __future__ import annotations

import pytest

from .conftest import MODEL, ScriptedGateway
from .launch import AGENTS, Scratch
from .scripted_model import FINAL_ANSWER, MARKER, TASK, TEST_FILE

AGENT_TIMEOUT_S = 240


@pytest.mark.parametrize("name", list(AGENTS))
def test_agent_completes_a_tool_loop(
    name: str, scripted_gateway: ScriptedGateway, scratch: Scratch
) -> None:
    agent = AGENTS[name]
    if not agent.installed():
        pytest.fail(f"{agent.binary} is not installed: run `make agents` (tools/agents)")

    run = agent.run(scratch, scripted_gateway.base_url, MODEL, TASK, AGENT_TIMEOUT_S)

    trace = f"{run.describe()}\nrequests:\n{scripted_gateway.script.summary()}"
    assert run.returncode == 0, trace
    assert not run.is_error, trace
    kinds = scripted_gateway.script.kinds()
    assert "failed" not in kinds, trace
    assert kinds[kinds.index("call") if "call" in kinds else 0 :].count("final") >= 1, trace
    written = scratch.work / TEST_FILE
    assert written.is_file(), trace
    assert written.read_text().strip() == MARKER
    assert run.answer.strip().endswith(FINAL_ANSWER), trace
