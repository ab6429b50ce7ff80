"""Running the real coding agents headless against a ggserve HTTP gateway.

The agents come from npm, pinned in tools/agents/package-lock.json and installed into
.tools/agents by `make agents`. Each run gets a scratch HOME (and CODEX_HOME), a scratch working
directory, and an environment built from nothing but PATH and the agent's own variables, so no
key or endpoint of the machine leaks in; every variable that keeps an agent's traffic local is
set (no telemetry, update checks, error reports). An agent's final answer is read from its own
non-interactive output (`claude -p --output-format json`, `qwen -p --output-format json`, the last
message of `codex exec`).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AGENTS_BIN = ROOT / ".tools" / "agents" / "node_modules" / ".bin"
API_KEY = "ggserve-agent-test"

# Every switch the three agents document for keeping their traffic to the API alone.
LOCAL_ONLY = {
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "DISABLE_BUG_COMMAND": "1",
    "NO_UPDATE_NOTIFIER": "1",
    "QWEN_TELEMETRY_ENABLED": "false",
    "OTEL_SDK_DISABLED": "true",
}


@dataclass(frozen=True)
class Scratch:
    """The folders of one agent run: its HOME and its working directory."""

    home: Path
    work: Path


@dataclass(frozen=True)
class AgentRun:
    """A finished agent run."""

    agent: str
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    answer: str  # the agent's final answer ("" when it gave none)
    is_error: bool  # the agent itself reported an error (an API error, a failed turn)

    def describe(self, lines: int = 40) -> str:
        """Exit status, answer and the last lines of output, for a failure message."""
        out = (self.stdout[-4000:] + "\n" + self.stderr).strip().splitlines()
        return (
            f"{self.agent}: exit {self.returncode} after {self.seconds:.1f} s, "
            f"is_error={self.is_error}, answer={self.answer!r}\n" + "\n".join(out[-lines:])
        )


def _json_result(stdout: str) -> tuple[str, bool]:
    """(result, is_error) of Claude Code's / qwen-code's JSON output (an object or a list)."""
    try:
        data: Any = json.loads(stdout)
    except json.JSONDecodeError:
        return "", True
    items = data if isinstance(data, list) else [data]
    for item in reversed(items):
        if isinstance(item, dict) and item.get("type") == "result":
            return str(item.get("result") or ""), bool(item.get("is_error"))
    return "", True


class Agent:
    """One agent: how to configure it, start it and read its answer."""

    name = ""
    binary = ""

    def installed(self) -> bool:
        """Whether `make agents` installed it."""
        return (AGENTS_BIN / self.binary).exists()

    def prepare(self, scratch: Scratch, base_url: str, model: str) -> None:
        """Write the agent's config files into the scratch HOME (if it needs any)."""

    def env(self, scratch: Scratch, base_url: str, model: str) -> dict[str, str]:
        """The agent's own variables (besides PATH, HOME and LOCAL_ONLY)."""
        raise NotImplementedError

    def argv(self, task: str) -> list[str]:
        """The non-interactive command line for `task`."""
        raise NotImplementedError

    def result(self, stdout: str) -> tuple[str, bool]:
        """(final answer, is_error) from the agent's stdout."""
        return _json_result(stdout)

    def output_cap(self, tokens: int) -> dict[str, str]:
        """The agent's own setting that caps its output budget at `tokens` (empty: none)."""
        return {}

    def run(
        self,
        scratch: Scratch,
        base_url: str,
        model: str,
        task: str,
        timeout: float,
        *,
        extra_env: Mapping[str, str] | None = None,
    ) -> AgentRun:
        """Run the agent on `task` in `scratch.work` against `base_url` (the server's root)."""
        self.prepare(scratch, base_url, model)
        env = {
            "PATH": f"{AGENTS_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(scratch.home),
            "LANG": "C.UTF-8",
            **LOCAL_ONLY,
            **self.env(scratch, base_url, model),
            **(extra_env or {}),
        }
        started = time.monotonic()
        try:
            done = subprocess.run(
                [str(AGENTS_BIN / self.binary), *self.argv(task)],
                cwd=scratch.work,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            code, stdout, stderr = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as exc:
            code = -1
            stdout = _text(exc.stdout)
            stderr = _text(exc.stderr) + f"\n(timed out after {timeout:.0f} s)"
        seconds = time.monotonic() - started
        answer, is_error = self.result(stdout)
        return AgentRun(self.name, code, stdout, stderr, seconds, answer, is_error)


def _text(output: bytes | str | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="replace")
    return output or ""


class ClaudeCode(Agent):
    """Claude Code over the Anthropic Messages API (`ANTHROPIC_BASE_URL`, no `/v1`)."""

    name = "claude-code"
    binary = "claude"

    def env(self, scratch: Scratch, base_url: str, model: str) -> dict[str, str]:
        return {
            "ANTHROPIC_BASE_URL": base_url,
            "ANTHROPIC_API_KEY": API_KEY,
            "ANTHROPIC_MODEL": model,
            # Side queries (titles, summaries) go to the "small fast" model: the same one here.
            "ANTHROPIC_SMALL_FAST_MODEL": model,
            "ANTHROPIC_DEFAULT_HAIKU_MODEL": model,
            "API_TIMEOUT_MS": "600000",
        }

    def output_cap(self, tokens: int) -> dict[str, str]:
        return {"CLAUDE_CODE_MAX_OUTPUT_TOKENS": str(tokens)}

    def argv(self, task: str) -> list[str]:
        # `--allowedTools Bash`: -p mode asks no questions, so the shell must be allowed up front
        # (--dangerously-skip-permissions is refused as root).
        return ["-p", task, "--output-format", "json", "--allowedTools", "Bash"]


class QwenCode(Agent):
    """qwen-code over OpenAI Chat Completions (`OPENAI_BASE_URL` with `/v1`)."""

    name = "qwen-code"
    binary = "qwen"

    def env(self, scratch: Scratch, base_url: str, model: str) -> dict[str, str]:
        return {
            "OPENAI_BASE_URL": f"{base_url}/v1",
            "OPENAI_API_KEY": API_KEY,
            "OPENAI_MODEL": model,
        }

    def argv(self, task: str) -> list[str]:
        # `--yolo`: without it a non-interactive run has no shell tool at all.
        return ["--auth-type", "openai", "--yolo", "-p", task, "--output-format", "json"]


class Codex(Agent):
    """Codex CLI over the OpenAI Responses API (a provider in `$CODEX_HOME/config.toml`)."""

    name = "codex"
    binary = "codex"

    def prepare(self, scratch: Scratch, base_url: str, model: str) -> None:
        (scratch.home / "config.toml").write_text(
            f'model = "{model}"\n'
            'model_provider = "ggserve"\n'
            "[model_providers.ggserve]\n"
            'name = "ggserve"\n'
            f'base_url = "{base_url}/v1"\n'
            'env_key = "GGSERVE_API_KEY"\n'
            'wire_api = "responses"\n'
        )

    def env(self, scratch: Scratch, base_url: str, model: str) -> dict[str, str]:
        return {"CODEX_HOME": str(scratch.home), "GGSERVE_API_KEY": API_KEY}

    def argv(self, task: str) -> list[str]:
        # The last message goes to stdout; progress and errors to stderr. No sandbox: the
        # machine may have no usable bubblewrap, and the command is the script's own.
        return [
            "exec",
            "--skip-git-repo-check",
            "--sandbox",
            "danger-full-access",
            task,
        ]

    def result(self, stdout: str) -> tuple[str, bool]:
        answer = stdout.strip()
        return answer, not answer


AGENTS: Mapping[str, Agent] = {a.name: a for a in (ClaudeCode(), QwenCode(), Codex())}
