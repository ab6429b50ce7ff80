"""`ggserve-client` (and `ggserve chat|models|bench`): chat with a server, list its models, load it.

Exit codes: 0 success; 1 another error (INTERNAL, UNKNOWN…); 2 usage (bad flags, unreadable
tools file); 3 the server rejected the request (INVALID_ARGUMENT, NOT_FOUND); 4 the server is
unavailable or at capacity (UNAVAILABLE, RESOURCE_EXHAUSTED: retry later); 5 the deadline
passed; 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import grpc

from ggserve_client.cli import chat, models
from ggserve_client.cli.jsonl import error_json, write_line
from ggserve_client.cli.options import channel_config, connection_parser
from ggserve_client.errors import GgserveError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3
EXIT_UNAVAILABLE = 4
EXIT_DEADLINE = 5
EXIT_INTERRUPTED = 130

_EXIT_CODES = {
    grpc.StatusCode.INVALID_ARGUMENT: EXIT_REJECTED,
    grpc.StatusCode.NOT_FOUND: EXIT_REJECTED,
    grpc.StatusCode.UNAVAILABLE: EXIT_UNAVAILABLE,
    grpc.StatusCode.RESOURCE_EXHAUSTED: EXIT_UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: EXIT_DEADLINE,
}


def exit_code(error: GgserveError) -> int:
    """The process exit code of a failed call."""
    return _EXIT_CODES.get(error.code, EXIT_ERROR)


def build_parser(prog: str) -> argparse.ArgumentParser:
    """The command line: `chat`, `models` and `bench` subcommands."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Talk to a ggserve gRPC server.",
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = [connection_parser()]
    chat.add_parser(commands, common)
    models.add_parser(commands, common)
    commands.add_parser("bench", help="load-test the server (see `bench --help`)", add_help=False)
    return parser


def _use_color(args: argparse.Namespace) -> bool:
    return not args.no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def main(argv: Sequence[str] | None = None, *, prog: str = "ggserve-client") -> int:
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "bench":
        from ggserve_client.loadgen.cli import main as bench_main

        return bench_main(argv[1:], prog=f"{prog} bench")
    parser = build_parser(prog)
    args = parser.parse_args(argv)  # exits with EXIT_USAGE on bad flags
    try:
        config = channel_config(args)
        if args.command == "models":
            return models.run(args, config)
        return chat.run(args, config, color=_use_color(args))
    except chat.UsageError as exc:
        parser.exit(EXIT_USAGE, f"{prog}: error: {exc}\n")
    except (ValueError, OSError) as exc:
        parser.exit(EXIT_USAGE, f"{prog}: error: {exc}\n")
    except GgserveError as exc:
        if getattr(args, "json", False):
            write_line(sys.stdout, error_json(exc))
        request = f" (request {exc.request_id})" if exc.request_id else ""
        print(f"{prog}: error: {exc}{request}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
