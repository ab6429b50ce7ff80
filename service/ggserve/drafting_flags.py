"""The speculative-decoding flags of `ggserve serve` (`--speculative`, `--draft-max`,
`--draft-min`), each with its GGSERVE_* variable, in llama-server's spirit."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from ggserve.engine.ngram import DraftOptions

ENV_PREFIX = "GGSERVE_"
MODES = ("off", "ngram")
_DEFAULTS = DraftOptions()


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_drafting_arguments(parser: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    """Register the flags; each also reads its GGSERVE_* variable."""
    parser.add_argument(
        "--speculative", choices=MODES, default=environ.get(ENV_PREFIX + "SPECULATIVE", "off"),
        help="speculative decoding: `ngram` drafts tokens by prompt lookup (no second model; "
        "pays off when answers repeat the prompt: edits, quotes, diffs) and checks them in the "
        "same batch as the other requests' tokens, keeping only those the model would have "
        "written (default off) "
        "[GGSERVE_SPECULATIVE]",
    )  # fmt: skip
    parser.add_argument(
        "--draft-max", type=_count, metavar="N",
        default=environ.get(ENV_PREFIX + "DRAFT_MAX", _DEFAULTS.max_tokens),
        help=f"most tokens drafted per step (default {_DEFAULTS.max_tokens}) "
        "[GGSERVE_DRAFT_MAX]",
    )  # fmt: skip
    parser.add_argument(
        "--draft-min", type=_count, metavar="N",
        default=environ.get(ENV_PREFIX + "DRAFT_MIN", _DEFAULTS.min_tokens),
        help=f"fewest tokens worth drafting (default {_DEFAULTS.min_tokens}) [GGSERVE_DRAFT_MIN]",
    )  # fmt: skip


def drafting_from_args(args: argparse.Namespace) -> DraftOptions | None:
    """The drafting options the flags ask for; None when speculation is off."""
    if getattr(args, "speculative", "off") == "off":
        return None
    draft_max, draft_min = _count(str(args.draft_max)), _count(str(args.draft_min))
    if draft_min > draft_max:
        # A usage error like argparse's own (exit code 2): the two flags are only checked
        # together, after parsing.
        print(
            f"ggserve serve: error: --draft-min {draft_min} is more than --draft-max {draft_max}",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return DraftOptions(max_tokens=draft_max, min_tokens=draft_min)
