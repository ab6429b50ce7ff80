"""`models`: list the served models and their state (a table, or JSON with `--json`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from ggserve_client.channel import ChannelConfig
from ggserve_client.cli.jsonl import model_json, write_line
from ggserve_client.sync import Client

_COLUMNS = ("alias", "state", "architecture", "context", "tool format", "backend", "file")


def add_parser(commands: Any, parents: Sequence[argparse.ArgumentParser]) -> None:
    """Register the `models` subcommand."""
    parser = commands.add_parser(
        "models", parents=parents, help="list the served models", description=__doc__
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array")


def run(args: argparse.Namespace, config: ChannelConfig) -> int:
    """List the models; returns the exit code."""
    with Client(args.target, config=config, timeout=args.timeout) as client:
        served = client.list_models()
    if args.json:
        write_line(sys.stdout, [model_json(m) for m in served])
        return 0
    rows = [
        (
            m.alias + (" *" if m.is_default else ""),
            m.state + (f" ({m.state_reason})" if m.state_reason else ""),
            m.architecture,
            str(m.context_length),
            m.tool_call_format,
            m.backend + (f" ({m.gpu_layers} layers)" if m.gpu_layers else ""),
            m.file_name,
        )
        for m in served
    ]
    widths = [max(len(row[i]) for row in (_COLUMNS, *rows)) for i in range(len(_COLUMNS))]
    for row in (_COLUMNS, *rows):
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0
