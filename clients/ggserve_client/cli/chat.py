"""`chat`: send one prompt and stream the answer live (or print it whole, or as JSON lines)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ggserve_client.channel import ChannelConfig
from ggserve_client.cli.jsonl import event_json, result_json, write_line
from ggserve_client.cli.render import StreamPrinter, progress_line, stats_line
from ggserve_client.request import ChatOptions
from ggserve_client.sync import Client
from ggserve_client.types import ChatDone, ChatResult, PromptProgress, Tool


class UsageError(Exception):
    """A flag's value cannot be used (exit code 2)."""


def add_parser(commands: Any, parents: Sequence[argparse.ArgumentParser]) -> None:
    """Register the `chat` subcommand."""
    parser = commands.add_parser(
        "chat", parents=parents, help="chat with the model", description=__doc__
    )
    parser.add_argument("prompt", help='the user message ("-" reads it from stdin)')
    parser.add_argument("--system", help="system message")
    parser.add_argument("--model", default="", help="model alias (default: the server's)")
    parser.add_argument("--tools", type=Path, metavar="FILE", help="JSON file of tool definitions")
    parser.add_argument(
        "--tool-choice", metavar="MODE", help="auto, none, required, or a function name"
    )
    parser.add_argument("--max-tokens", type=int, metavar="N", help="generate at most N tokens")
    parser.add_argument("--temperature", type=float, help="sampling temperature (0: greedy)")
    parser.add_argument("--seed", type=int, help="sampling seed")
    thinking = parser.add_mutually_exclusive_group()
    thinking.add_argument("--thinking", dest="thinking", action="store_true", default=None)
    thinking.add_argument("--no-thinking", dest="thinking", action="store_false")
    parser.add_argument(
        "--chat-template-kwargs", metavar="JSON", type=template_kwargs,
        help='extra chat-template variables as a JSON object, e.g. \'{"enable_thinking": false}\'',
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="JSON output, one object per line")
    parser.add_argument(
        "--no-stream", action="store_true", help="use the unary Chat call and print the result"
    )
    parser.add_argument("--no-color", action="store_true", help="no ANSI colors")
    parser.add_argument("--stats", action="store_true", help="print usage and timings to stderr")
    parser.add_argument(
        "--progress", action="store_true", help="print prompt-evaluation progress to stderr"
    )


def template_kwargs(text: str) -> dict[str, Any]:
    """`--chat-template-kwargs`: a JSON object (llama-server's flag of the same name)."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('expected a JSON object, e.g. {"enable_thinking": false}')
    return value


def load_tools(path: Path) -> list[Tool]:
    """Tools from a JSON file: a list (OpenAI or `{name, ...}` shape) or `{"tools": [...]}`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read tools from {path}: {exc}") from exc
    if isinstance(data, dict) and "tools" in data:
        data = data["tools"]
    if not isinstance(data, list):
        raise UsageError(f"{path}: expected a JSON list of tools")
    try:
        return [Tool.from_dict(item) for item in data]
    except (ValueError, AttributeError) as exc:
        raise UsageError(f"{path}: {exc}") from exc


def chat_options(args: argparse.Namespace) -> ChatOptions:
    """The request options the flags ask for."""
    options = ChatOptions(model=args.model)
    if args.system is not None:
        options["system"] = args.system
    if args.tools is not None:
        options["tools"] = load_tools(args.tools)
    if args.tool_choice is not None:
        options["tool_choice"] = args.tool_choice
    if args.max_tokens is not None:
        options["max_tokens"] = args.max_tokens
    if args.temperature is not None:
        options["temperature"] = args.temperature
    if args.seed is not None:
        options["seed"] = args.seed
    if args.thinking is not None:
        options["thinking"] = args.thinking
    if args.chat_template_kwargs:
        options["chat_template_kwargs"] = args.chat_template_kwargs
    return options


def run(args: argparse.Namespace, config: ChannelConfig, *, color: bool) -> int:
    """Send the prompt and print the answer; returns the exit code."""
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    options = chat_options(args)
    printer = StreamPrinter(sys.stdout, color=color)
    result: ChatResult | None = None
    with Client(args.target, config=config, timeout=args.timeout) as client:
        if args.no_stream:
            result = client.chat(prompt, **options)
            if args.json:
                write_line(sys.stdout, result_json(result))
            else:
                printer.result(result)
        else:
            for event in client.chat_stream(prompt, **options):
                if args.json:
                    write_line(sys.stdout, event_json(event))
                else:
                    printer.event(event)
                if args.progress and isinstance(event, PromptProgress):
                    print(progress_line(event), file=sys.stderr, flush=True)
                if isinstance(event, ChatDone):
                    result = event.result
    if args.stats and result is not None:
        print(stats_line(result), file=sys.stderr)
    return 0
