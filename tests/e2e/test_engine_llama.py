"""LlamaEngine on the real SmolLM2-135M GGUF: sampling, limits, grammar, admission, cancellation.

Kept fast on 2 cores: one thread, a 2048-token context, short generations, and one engine shared
by the module (loading takes ~0.1 s, so tests that close an engine make their own).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from ggserve.domain import FinishReason, Message, Role, Sampling
from ggserve.engine.base import (
    ContextOverflow,
    EngineClosed,
    EventStream,
    GenerationDone,
    GenerationRequest,
    GrammarError,
    ModelLoadError,
    QueueFull,
    TextDelta,
)
from ggserve.engine.grammar import json_schema_to_gbnf
from ggserve.engine.llama import LlamaEngine
from ggserve.engine.stream import GenerationStream
from ggserve.templates import ChatTemplate

pytestmark = pytest.mark.e2e

T = TypeVar("T")
GREEDY = Sampling(temperature=0.0)
# Forces a long output with no chance of an early end-of-generation token.
LONG_GRAMMAR = 'root ::= "x"{1000}'


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def chat(user: str) -> str:
    return f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"


@pytest.fixture(scope="module")
def engine(smollm2_path: Path) -> Iterator[LlamaEngine]:
    engine = LlamaEngine(smollm2_path, alias="smollm2", n_ctx=2048, n_threads=1, queue_size=1)
    yield engine
    run(engine.close())


def request(engine: LlamaEngine, user: str, max_tokens: int = 24, **kw: Any) -> GenerationRequest:
    tokens = tuple(engine.tokenize(chat(user)))
    return GenerationRequest("test", tokens, max_tokens, **kw)


async def collect(stream: EventStream) -> tuple[str, GenerationDone]:
    text, done = [], None
    async for event in stream:
        if isinstance(event, TextDelta):
            text.append(event.text)
        elif isinstance(event, GenerationDone):
            done = event
    assert done is not None
    return "".join(text), done


def generate(engine: LlamaEngine, req: GenerationRequest) -> tuple[str, GenerationDone]:
    async def go() -> tuple[str, GenerationDone]:
        return await collect(engine.generate(req))

    return run(go())


def test_info_reads_gguf_metadata(engine: LlamaEngine, smollm2_path: Path) -> None:
    info = engine.info
    assert (info.alias, info.path, info.architecture) == ("smollm2", str(smollm2_path), "llama")
    assert (info.context_length, info.train_context_length) == (2048, 8192)
    assert info.chat_template is not None
    assert "<|im_start|>" in info.chat_template
    assert (info.bos_token, info.eos_token) == ("<|im_start|>", "<|im_end|>")
    assert (info.backend, info.gpu_layers) == ("cpu", 0)


def test_tokenize_detokenize_round_trip(engine: LlamaEngine) -> None:
    text = chat("héllo 🙂" + " " * 64 + "#" * 70)
    assert engine.detokenize(engine.tokenize(text)) == text


def test_greedy_is_deterministic_and_reuses_the_prompt_cache(engine: LlamaEngine) -> None:
    req = request(engine, "Name three colors.", sampling=GREEDY)
    first_text, first = generate(engine, req)
    second_text, second = generate(engine, req)
    assert first_text == second_text
    assert first_text.strip()
    assert "<|im_end|>" not in first_text  # end-of-generation tokens are not text
    assert second.usage.cached_tokens == len(req.prompt_tokens) - 1
    assert second.usage.prompt_tokens == len(req.prompt_tokens)
    assert first.timings.ttft_ms > 0
    assert first.timings.tokens_per_second > 0


def test_same_seed_same_output(engine: LlamaEngine) -> None:
    sampling = Sampling(temperature=1.2, top_p=0.98, top_k=100, min_p=0.0, seed=1234)
    req = request(engine, "Tell me a story about a dragon.", sampling=sampling)
    texts = {generate(engine, req)[0] for _ in range(2)}
    assert len(texts) == 1


def test_max_tokens_ends_with_length(engine: LlamaEngine) -> None:
    req = request(engine, "Write a long essay about the ocean.", max_tokens=5, sampling=GREEDY)
    _, done = generate(engine, req)
    assert done.finish_reason is FinishReason.LENGTH
    assert done.usage.completion_tokens == 5


def test_stop_string_cuts_the_text(engine: LlamaEngine) -> None:
    prompt = "Write a long essay about the ocean."
    full, _ = generate(engine, request(engine, prompt, max_tokens=32, sampling=GREEDY))
    words = full.split()
    assert len(words) > 4
    stop = " " + words[3]
    req = request(engine, prompt, max_tokens=32, sampling=GREEDY, stop=(stop,))
    text, done = generate(engine, req)
    assert (done.finish_reason, done.matched_stop) == (FinishReason.STOP, stop)
    assert text == full[: full.index(stop)]


def test_json_schema_grammar_output_parses(engine: LlamaEngine) -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 12},
            "age": {"type": "integer", "minimum": 0, "maximum": 120},
        },
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    grammar = json_schema_to_gbnf(json.dumps(schema))
    req = request(engine, "Describe a person as JSON.", max_tokens=64, grammar=grammar)
    text, done = generate(engine, req)
    assert done.finish_reason is FinishReason.STOP
    value = json.loads(text)
    assert set(value) == {"name", "age"}
    assert isinstance(value["age"], int)


def test_invalid_grammar_raises_before_generation(engine: LlamaEngine) -> None:
    async def go() -> None:
        with pytest.raises(GrammarError, match="invalid GBNF"):
            engine.generate(request(engine, "hi", grammar='root ::= "unterminated'))
        assert engine.stats().waiting == 0

    run(go())


def test_context_overflow(engine: LlamaEngine) -> None:
    async def go() -> None:
        req = request(engine, "hi " * 2100, max_tokens=1)
        with pytest.raises(ContextOverflow) as info:
            engine.generate(req)
        assert info.value.prompt_tokens == len(req.prompt_tokens) > 2048
        assert info.value.context_length == 2048

    run(go())


def test_aclose_frees_the_slot_for_the_next_request(engine: LlamaEngine) -> None:
    async def go() -> None:
        first = engine.generate(request(engine, "x", max_tokens=1000, grammar=LONG_GRAMMAR))
        assert isinstance(await anext(first), TextDelta)
        await first.aclose()
        assert isinstance(first, GenerationStream)
        assert first.done is not None
        assert first.done.finish_reason is FinishReason.CANCELLED
        assert engine.stats().running == 0
        _text, done = await collect(engine.generate(request(engine, "Say hi.", max_tokens=4)))
        assert done.usage.completion_tokens > 0

    run(go())


def test_cancelled_consumer_stops_the_sequence_and_the_next_runs(engine: LlamaEngine) -> None:
    async def go() -> None:
        first = engine.generate(request(engine, "x", max_tokens=1000, grammar=LONG_GRAMMAR))
        started = asyncio.Event()

        async def consume() -> None:
            async for _ in first:
                started.set()

        task = asyncio.create_task(consume())
        await started.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        # The next request queues behind the cancelled one and must start once its slot is freed.
        _, done = await collect(engine.generate(request(engine, "Say hi.", max_tokens=4)))
        assert done.usage.completion_tokens > 0
        await first.aclose()
        assert isinstance(first, GenerationStream)
        assert first.done is not None
        assert first.done.finish_reason is FinishReason.CANCELLED
        assert first.done.usage.completion_tokens < 1000

    run(go())


def test_queue_full(engine: LlamaEngine) -> None:
    async def go() -> None:
        running = engine.generate(request(engine, "x", max_tokens=1000, grammar=LONG_GRAMMAR))
        waiting = engine.generate(request(engine, "y", max_tokens=8))
        with pytest.raises(QueueFull):
            engine.generate(request(engine, "z", max_tokens=8))
        await running.aclose()
        _, done = await collect(waiting)
        assert done.usage.completion_tokens > 0

    run(go())


def test_close_cancels_running_and_rejects_new_requests(smollm2_path: Path) -> None:
    async def go() -> None:
        engine = LlamaEngine(smollm2_path, n_ctx=1024, n_threads=1)
        stream = engine.generate(request(engine, "x", max_tokens=1000, grammar=LONG_GRAMMAR))
        later = request(engine, "hi")
        assert isinstance(await anext(stream), TextDelta)
        await engine.close()
        _, done = await collect(stream)
        assert done.finish_reason is FinishReason.CANCELLED
        with pytest.raises(EngineClosed):
            engine.generate(later)
        with pytest.raises(EngineClosed):
            engine.tokenize("the model is gone")

    run(go())


def test_engine_seed_applies_to_requests_without_one(smollm2_path: Path) -> None:
    async def go() -> set[str]:
        texts = set()
        for _ in range(2):
            engine = LlamaEngine(smollm2_path, n_ctx=512, n_threads=1, seed=7)
            try:
                req = request(engine, "Tell me a joke.", sampling=Sampling(temperature=1.5))
                texts.add((await collect(engine.generate(req)))[0])
            finally:
                await engine.close()
        return texts

    assert len(run(go())) == 1


def test_gguf_chat_template_drives_a_real_generation(engine: LlamaEngine) -> None:
    info = engine.info
    template = ChatTemplate(
        info.chat_template, bos_token=info.bos_token, eos_token=info.eos_token, model_name="SmolLM2"
    )
    tool = {
        "type": "function",
        "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
    }
    prompt = template.render([Message(Role.USER, "What time is it?")], [tool])
    assert (prompt.tool_format, prompt.tools_in_template) == ("hermes", False)
    tokens = tuple(engine.tokenize(prompt.text, add_bos=False, special=True))
    assert tokens[0] == engine.tokenize(info.bos_token)[0]  # markers parse to control tokens
    text, done = generate(engine, GenerationRequest("t", tokens, 24, sampling=GREEDY))
    assert text
    assert done.usage.prompt_tokens == len(tokens)


def test_load_errors_are_readable(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="not found"):
        LlamaEngine(tmp_path / "missing.gguf", n_threads=1)
    text_file = tmp_path / "notes.gguf"
    text_file.write_text("hello")
    with pytest.raises(ModelLoadError, match="not a GGUF model"):
        LlamaEngine(text_file, n_threads=1)
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ModelLoadError, match="could not load"):
        LlamaEngine(broken, n_threads=1)
