"""`make agents-smoke`: the real agents, default settings, against the real bundled model.

Not part of `make test` (it takes minutes on a CPU). Starts `ggserve serve --http-port` with the
bundled SmolLM2 model (`--n-ctx 24576 --threads 2`, as a user with a small machine would), runs
each agent once non-interactively with its default settings (no budget caps: the server treats
`max_tokens` as a ceiling), a second Claude Code session right after the first (same HOME and
working directory, as a user's next session), and prints per run: whether an answer came back
without an API error, the seconds to that answer, and the share of the run's prompt tokens served
from the prefix cache (from the server's Prometheus counters).

    python -m tests.agents.smoke [--agents claude-code,qwen-code,codex] [--timeout 3600]
        [--cap-output TOKENS]

A first agent prompt (13-21k tokens) takes minutes to evaluate on a CPU, more on a busy one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .launch import AGENTS, ROOT, AgentRun, Scratch

TASK = "Reply with one short sentence: what is 2 + 2?"
N_CTX = 24576
THREADS = 2  # the setting; on a machine other processes keep busy, 1 is faster
_COUNTER = re.compile(r"^(ggserve_(?:cached_)?prompt_tokens)_total\{[^}]*\} ([0-9.e+]+)$", re.M)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    """A running `ggserve serve` process: its HTTP root and metrics URL."""

    base_url: str
    metrics_url: str
    model: str

    def prompt_counters(self) -> tuple[float, float]:
        """(prompt tokens, of them from the prefix cache) counted so far."""
        text = urllib.request.urlopen(self.metrics_url, timeout=10).read().decode()
        counts = {name: float(value) for name, value in _COUNTER.findall(text)}
        return counts.get("ggserve_prompt_tokens", 0.0), counts.get(
            "ggserve_cached_prompt_tokens", 0.0
        )


def _loaded_model(base: str, process: subprocess.Popen[bytes], log: Path) -> str:
    """The served model's id, once the server lists it (the model loads after startup)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ggserve exited with {process.returncode}: see {log}")
        try:
            listed = json.loads(urllib.request.urlopen(f"{base}/v1/models", timeout=5).read())
            if listed.get("data"):
                return str(listed["data"][0]["id"])
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(1)
    raise RuntimeError(f"ggserve listed no model in 300 s: see {log}")


@contextmanager
def serving(log: Path, threads: int) -> Iterator[Server]:
    """`ggserve serve` over the bundled model, stopped with SIGTERM afterwards."""
    http, grpc_port, metrics = _free_port(), _free_port(), _free_port()
    command = [
        sys.executable, "-m", "ggserve", "serve",
        "--port", str(grpc_port), "--http-port", str(http), "--metrics-port", str(metrics),
        "--n-ctx", str(N_CTX), "--threads", str(threads),
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{http}"
        yield Server(base, f"http://127.0.0.1:{metrics}/metrics", _loaded_model(base, process, log))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def scratches(names: list[str]) -> Iterator[dict[str, Scratch]]:
    """One HOME and one working directory per agent, kept across its runs and removed at the
    end: a user's second session runs in the same project with the same HOME, and Claude Code's
    system prompt names both (its memory folder, the working directory), so fresh folders per
    run would make every session's prompt differ from the first few hundred tokens on."""
    (ROOT / ".tools").mkdir(exist_ok=True)
    made: dict[str, Scratch] = {}
    try:
        for name in names:
            home = Path(tempfile.mkdtemp(prefix="smoke-home-", dir=ROOT / ".tools"))
            made[name] = Scratch(home, Path(tempfile.mkdtemp(prefix="smoke-work-")))
        yield made
    finally:
        for scratch in made.values():
            shutil.rmtree(scratch.home, ignore_errors=True)
            shutil.rmtree(scratch.work, ignore_errors=True)


def _run_once(
    server: Server, name: str, scratch: Scratch, timeout: float, cap: int | None
) -> tuple[AgentRun, float]:
    """One agent run: the run and the share of its prompt tokens from the prefix cache."""
    agent = AGENTS[name]
    extra = agent.output_cap(cap) if cap else {}
    before = server.prompt_counters()
    run = agent.run(scratch, server.base_url, server.model, TASK, timeout, extra_env=extra)
    after = server.prompt_counters()
    prompt, cached = after[0] - before[0], after[1] - before[1]
    return run, (cached / prompt if prompt else 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--agents", default="claude-code,qwen-code,codex")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per agent run")
    parser.add_argument(
        "--threads", type=int, default=THREADS,
        help="decode threads (llama.cpp's spin-waiting threads collapse when the cores are busy)",
    )  # fmt: skip
    parser.add_argument(
        "--cap-output", type=int, metavar="TOKENS",
        help="cap each agent's output budget where it has a setting for it (Claude Code: "
        "CLAUDE_CODE_MAX_OUTPUT_TOKENS); not default settings: for measuring the prefix cache "
        "with a model that does not end its turns at agent prompt lengths",
    )  # fmt: skip
    args = parser.parse_args(argv)
    names = [n for n in args.agents.split(",") if n]
    missing = [n for n in names if n not in AGENTS or not AGENTS[n].installed()]
    if missing:
        print(f"not installed (run `make agents`): {', '.join(missing)}", file=sys.stderr)
        return 2
    log = Path(tempfile.gettempdir()) / f"ggserve-agents-smoke-{os.getpid()}.log"
    failures = 0
    print(f"ggserve serve --n-ctx {N_CTX} --threads {args.threads} (bundled model); log: {log}")
    print(f"{'run':<22} {'answer':<8} {'seconds':>8} {'cached':>7}  answer text")
    with serving(log, args.threads) as server, scratches(names) as scratch:
        runs = [(n, n) for n in names]
        if "claude-code" in names:  # right after the first: its prefix is still in the cache
            runs.insert(names.index("claude-code") + 1, ("claude-code (again)", "claude-code"))
        for label, name in runs:
            run, share = _run_once(server, name, scratch[name], args.timeout, args.cap_output)
            ok = run.returncode == 0 and not run.is_error and bool(run.answer.strip())
            failures += not ok
            text = " ".join(run.answer.split())[:60]
            print(
                f"{label:<22} {'ok' if ok else 'FAILED':<8} {run.seconds:>8.1f} "
                f"{share:>6.0%}  {text}",
                flush=True,
            )
            if not ok:
                print(run.describe(20), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
