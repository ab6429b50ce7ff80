"""The speculative-decoding flags of `ggserve serve` (`--speculative`, `--draft-model`,
`--draft-max`, `--draft-min`, `--draft-p-min`), each with its GGSERVE_* variable, in
llama-server's spirit."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from ggserve.engine.ngram import DraftOptions
from ggserve.env_flags import EnvFlags

MODES = ("off", "ngram", "draft")
_DEFAULTS = DraftOptions()


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:  # also refuses nan
        raise argparse.ArgumentTypeError(
            f"must be a probability from 0 to 1 (0.75 is llama-server's default), got {text}"
        )
    return value


def add_drafting_arguments(flags: EnvFlags) -> None:
    """Register the flags."""
    flags.add(
        "speculative", choices=MODES, default="off",
        about="speculative decoding: `ngram` drafts tokens by prompt lookup (no second model; "
        "pays off when answers repeat the prompt: edits, quotes, diffs) and checks them in the "
        "same batch as the other requests' tokens, keeping only those the model would have "
        "written; `draft` drafts with a small model of the same family (--draft-model) "
        "(default off)",
    )  # fmt: skip
    flags.add(
        "draft_model", metavar="PATH", default="",
        about="the draft GGUF for --speculative draft: loaded beside the model, same vocabulary "
        "required",
    )  # fmt: skip
    flags.add(
        "draft_max", type=_count, metavar="N", default=_DEFAULTS.max_tokens,
        about=f"most tokens drafted per step (default {_DEFAULTS.max_tokens})",
    )  # fmt: skip
    flags.add(
        "draft_min", type=_count, metavar="N", default=_DEFAULTS.min_tokens,
        about=f"fewest tokens worth drafting (default {_DEFAULTS.min_tokens})",
    )  # fmt: skip
    flags.add(
        "draft_p_min", type=_probability, metavar="P", default=_DEFAULTS.p_min,
        about="--speculative draft: a draft stops before a token the draft model gives less than "
        f"this probability (0 to 1, default {_DEFAULTS.p_min})",
    )  # fmt: skip


def drafting_from_args(args: argparse.Namespace) -> DraftOptions | None:
    """The drafting options the flags ask for; None when speculation is off."""
    mode = getattr(args, "speculative", "off")
    model_path = getattr(args, "draft_model", "") or None
    if mode == "draft" and model_path is None:
        _usage_error("--speculative draft needs --draft-model PATH (a small GGUF, same family)")
    if mode != "draft" and model_path is not None:
        _usage_error(f"--draft-model is only used with --speculative draft (it is {mode})")
    if mode == "off":
        return None
    draft_max, draft_min = _count(str(args.draft_max)), _count(str(args.draft_min))
    if draft_min > draft_max:
        _usage_error(f"--draft-min {draft_min} is more than --draft-max {draft_max}")
    p_min = _probability(str(args.draft_p_min))  # argparse parsed it (a GGSERVE_* one too)
    return DraftOptions(draft_max, draft_min, model_path=model_path, p_min=p_min)


def _usage_error(message: str) -> NoReturn:
    # A usage error like argparse's own (exit code 2): these flags are only checked together,
    # after parsing.
    print(f"ggserve serve: error: {message}", file=sys.stderr)
    raise SystemExit(2)
