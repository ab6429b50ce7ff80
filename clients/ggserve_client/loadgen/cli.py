"""`python -m ggserve_client.loadgen` / `ggserve bench`: run load levels and report them.

Closed loop (`--concurrency 1,2,4,8`: that many streams, each sending its next request when the
last ends) or open loop (`--rate 0.5,1`: Poisson arrivals per second). Each level is bounded by
`--requests` and `--duration`. Output: a table (or `--json`), optionally `--output FILE.json` and
`--plot FILE.png`. Exit code 0, or 1 when no request succeeded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ggserve_client.aio import AsyncClient
from ggserve_client.channel import ChannelConfig
from ggserve_client.cli.options import channel_config, connection_parser
from ggserve_client.loadgen.plot import PlotUnavailableError, write_plot
from ggserve_client.loadgen.progress import ProgressBar
from ggserve_client.loadgen.report import document, level_label, table
from ggserve_client.loadgen.runner import run_level
from ggserve_client.loadgen.stats import LevelSummary, summarize
from ggserve_client.loadgen.workload import Workload


def _levels(kind: type[int] | type[float]) -> Any:
    def parse(text: str) -> list[int] | list[float]:
        try:
            values = [kind(part) for part in text.split(",") if part.strip()]
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"expected comma-separated numbers: {text!r}") from exc
        if not values or any(v <= 0 for v in values):
            raise argparse.ArgumentTypeError(f"levels must be positive: {text!r}")
        return values

    return parse


def build_parser(prog: str) -> argparse.ArgumentParser:
    """The load generator's flags."""
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__, parents=[connection_parser()],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    load = parser.add_mutually_exclusive_group()
    load.add_argument("--concurrency", type=_levels(int), default=[1], metavar="N[,N...]",
                      help="closed-loop levels: concurrent streams (default 1)")  # fmt: skip
    load.add_argument("--rate", type=_levels(float), metavar="R[,R...]",
                      help="open-loop levels: Poisson arrivals per second")  # fmt: skip
    parser.add_argument("--requests", type=int, default=20, help="requests per level (20)")
    parser.add_argument("--duration", type=float, default=60.0,
                        help="seconds per level after which no request starts (60)")  # fmt: skip
    parser.add_argument("--request-timeout", type=float, default=120.0,
                        help="deadline of each request in seconds (120)")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured requests first (1)")
    parser.add_argument("--max-tokens", type=int, default=64, help="max_tokens per request (64)")
    parser.add_argument("--temperature", type=float, default=0.0, help="temperature (0: greedy)")
    parser.add_argument("--seed", type=int, default=0, help="arrival and sampling seed (0)")
    parser.add_argument("--tools-ratio", type=float, default=0.0,
                        help="share of requests that carry tools, 0..1 (0)")  # fmt: skip
    parser.add_argument("--model", default="", help="model alias (default: the server's)")
    parser.add_argument("--json", action="store_true", help="print the JSON report, not a table")
    parser.add_argument("--output", type=Path, metavar="FILE", help="also write the JSON report")
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="PNG",
        help="write a plot of latency and throughput vs level (needs matplotlib)",
    )
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="show the progress bar (default: when stderr is a terminal)",
    )
    progress.add_argument("--no-progress", dest="progress", action="store_false")
    return parser  # fmt: skip


async def run(args: argparse.Namespace, config: ChannelConfig) -> list[LevelSummary]:
    """Warm up, then run every level in order; the summaries."""
    workload = Workload(
        max_tokens=args.max_tokens, temperature=args.temperature,
        tools_ratio=args.tools_ratio, model=args.model, seed=args.seed,
    )  # fmt: skip
    levels: list[tuple[int | None, float | None]] = (
        [(None, r) for r in args.rate] if args.rate else [(c, None) for c in args.concurrency]
    )
    enabled = sys.stderr.isatty() if args.progress is None else args.progress
    bar = ProgressBar(len(levels) * args.requests, sys.stderr, enabled=enabled)
    summaries: list[LevelSummary] = []
    async with AsyncClient(args.target, config=config) as client:
        if args.warmup:
            await run_level(
                client, workload, concurrency=1, requests=args.warmup,
                duration_s=args.duration, deadline_s=args.request_timeout,
            )  # fmt: skip
        for concurrency, rate in levels:
            level = await run_level(
                client, workload, concurrency=concurrency, rate=rate, requests=args.requests,
                duration_s=args.duration, deadline_s=args.request_timeout,
                progress=bar.advance, seed=args.seed,
            )  # fmt: skip
            summaries.append(summarize(level))
            bar.level(level_label(summaries[-1]))
    bar.close()
    return summaries


def _config(args: argparse.Namespace) -> dict[str, Any]:
    keys = ("target", "concurrency", "rate", "requests", "duration", "request_timeout",
            "warmup", "max_tokens", "temperature", "seed", "tools_ratio", "model")  # fmt: skip
    config = {key: getattr(args, key) for key in keys}
    config["mode"] = "open" if args.rate else "closed"
    return config


def main(argv: Sequence[str] | None = None, *, prog: str = "ggserve-loadgen") -> int:
    """Run the load generator; returns the exit code."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.requests < 1 or args.duration <= 0 or not 0 <= args.tools_ratio <= 1:
        parser.error("--requests must be >= 1, --duration > 0, --tools-ratio in [0, 1]")
    try:
        summaries = asyncio.run(run(args, channel_config(args)))
    except KeyboardInterrupt:
        return 130
    report = document(summaries, _config(args))
    if args.output:
        args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2) if args.json else table(summaries))
    if args.plot:
        try:
            write_plot(summaries, args.plot)
        except PlotUnavailableError as exc:
            parser.exit(2, f"{prog}: error: {exc}\n")
    return 0 if any(s.ok for s in summaries) else 1
