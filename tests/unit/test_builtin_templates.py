"""Built-in chat templates and how a model's template is chosen (`--chat-template`, GGUF, arch)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ggserve.templates import ChatTemplate, TemplateError
from ggserve.templates.builtin import (
    ARCHITECTURE_TEMPLATES,
    BUILTIN_NAMES,
    builtin_template,
    choose_template,
)

SYSTEM = {"role": "system", "content": "Be brief."}
HI = {"role": "user", "content": "Hi"}
HELLO = {"role": "assistant", "content": "Hello!"}
AGAIN = {"role": "user", "content": "Again"}
CONVERSATION = [SYSTEM, HI, HELLO, AGAIN]

# Expected prompts, written from each family's reference chat template.
EXPECTED = {
    "chatml": "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
    "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nAgain<|im_end|>\n"
    "<|im_start|>assistant\n",
    "gemma": "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n"
    "Hello!<end_of_turn>\n<start_of_turn>user\nAgain<end_of_turn>\n<start_of_turn>model\n",
    "llama3": "<bos><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
    "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
    "<|start_header_id|>user<|end_header_id|>\n\nAgain<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\n",
    "llama2": "<bos>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! <eos>"
    "<bos>[INST] Again [/INST]",
    "mistral": "<bos>[INST] Hi[/INST] Hello!<eos>[INST] Be brief.\n\nAgain[/INST]",
    "phi3": "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n"
    "<|user|>\nAgain<|end|>\n<|assistant|>\n",
    "qwen": "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
    "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nAgain<|im_end|>\n"
    "<|im_start|>assistant\n",
    "deepseek": "Be brief.### Instruction:\nHi\n### Response:\nHello!\n<|EOT|>\n"
    "### Instruction:\nAgain\n### Response:\n",
    "deepseek3": "<bos>Be brief.<｜User｜>Hi<｜Assistant｜>Hello!<｜end▁of▁sentence｜>"
    "<｜User｜>Again<｜Assistant｜>",
}


def render(name: str, messages: list[dict[str, str]]) -> str:
    template = ChatTemplate(builtin_template(name), bos_token="<bos>", eos_token="<eos>")
    return template.render(messages).text


def test_the_issue_s_families_are_built_in() -> None:
    required = {"chatml", "llama2", "llama3", "mistral", "gemma", "phi3", "deepseek", "qwen"}
    assert required <= set(BUILTIN_NAMES)
    assert set(ARCHITECTURE_TEMPLATES.values()) <= set(BUILTIN_NAMES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_builtin_renders_the_family_s_layout(name: str) -> None:
    assert render(name, CONVERSATION) == EXPECTED[name]


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_every_builtin_renders_a_conversation_with_tools(name: str) -> None:
    template = ChatTemplate(builtin_template(name), bos_token="<s>", eos_token="</s>")
    tool = {"type": "function", "function": {"name": "get_time", "parameters": {}}}
    prompt = template.render([SYSTEM, HI], [tool]).text
    # Built-ins carry no tool syntax of their own: the Hermes instructions go in the prompt.
    assert "get_time" in prompt
    assert "Be brief." in prompt
    assert template.tool_format == "hermes"


def test_strict_templates_reject_roles_that_do_not_alternate() -> None:
    with pytest.raises(TemplateError, match="alternate"):
        render("gemma", [HI, HI])


def test_option_names_a_builtin_or_a_file(tmp_path: Path) -> None:
    choice = choose_template("gemma", "{{ 'gguf' }}", "llama", "m.gguf")
    assert choice.origin == "builtin:gemma"
    assert "<start_of_turn>" in choice.source
    path = tmp_path / "mine.jinja"
    path.write_text("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    choice = choose_template(str(path), "{{ 'gguf' }}", "llama", "m.gguf")
    assert choice.origin == f"file:{path.resolve()}"
    assert choice.source == path.read_text()


def test_bad_options_say_what_exists(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"neither a built-in \(chatml, .*\) nor a Jinja file"):
        choose_template("klingon", None, "llama", "m.gguf")
    binary = tmp_path / "t.jinja"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(TemplateError, match="not UTF-8"):
        choose_template(str(binary), None, "llama", "m.gguf")


def test_the_gguf_s_own_template_wins_without_an_option(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        choice = choose_template(None, "{{ 'own' }}", "gemma3", "m.gguf")
    assert choice.origin == "gguf"
    assert not caplog.records


def test_no_template_picks_the_architecture_s_builtin_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        choice = choose_template(None, "  ", "gemma3", "gemma.gguf")
    assert choice.origin == "builtin:gemma"
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "gemma.gguf has no chat template" in message
    assert "'gemma'" in message
    assert "gemma3" in message
    assert "--chat-template" in message


def test_ambiguous_architecture_falls_back_to_chatml_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        choice = choose_template(None, None, "llama", "m.gguf")
    assert choice.origin == "builtin:chatml"
    message = caplog.records[0].getMessage()
    assert "architecture llama has no known one" in message
    assert "--chat-template" in message
