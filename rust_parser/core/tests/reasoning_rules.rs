//! Reasoning rules shared by the families (issue 9, classes 1-3), each streamed and split:
//! whitespace is content; tool markup inside an open thinking block means what the family says;
//! a closing marker without an opening one ends reasoning the prompt opened.

mod common;

use common::{call, check, check_with, msg, tools_with};
use ggserve_parser_core::Options;

const H_CALL: &str = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n</tool_call>";

fn forced() -> Options {
    Options {
        reasoning: true,
        thinking_forced_open: true,
    }
}

fn none() -> ggserve_parser_core::Tools {
    ggserve_parser_core::Tools::default()
}

#[test]
fn whitespace_is_content_as_written() {
    let text = format!("<think>\n plan \n</think>\n\nLet me check.\n\n{H_CALL}");
    check(
        "hermes",
        &text,
        &none(),
        &msg(
            "\n\nLet me check.\n\n",
            "\n plan \n",
            vec![call("", "f", "{\"a\": 1}")],
        ),
    );
    // Glue between and after calls is not content; text after a call keeps its whitespace.
    let two = format!("{H_CALL}\n{H_CALL}\n");
    let calls = vec![call("", "f", "{\"a\": 1}"), call("", "f", "{\"a\": 1}")];
    check("hermes", &two, &none(), &msg("", "", calls));
    let after = format!("{H_CALL}\n\nDone. ");
    check(
        "hermes",
        &after,
        &none(),
        &msg("\n\nDone. ", "", vec![call("", "f", "{\"a\": 1}")]),
    );
}

/// Hermes/Qwen3, Qwen3-Coder, DeepSeek V3.1 and Mistral: markup inside the thinking block is
/// reasoning text; only calls after the close count.
#[test]
fn tool_markup_inside_thinking_is_reasoning_text() {
    let inside = format!("<think>I could use {H_CALL} but no.</think>Answer");
    let reasoning = format!("I could use {H_CALL} but no.");
    check("hermes", &inside, &none(), &msg("Answer", &reasoning, vec![]));
    let then_call = format!("<think>maybe {H_CALL}</think>{H_CALL}");
    check(
        "hermes",
        &then_call,
        &none(),
        &msg("", &format!("maybe {H_CALL}"), vec![call("", "f", "{\"a\": 1}")]),
    );
    // The same forced open, and with text after the markup but no close.
    let forced_text = format!("x {H_CALL} more");
    check_with(
        "hermes",
        &forced_text,
        &none(),
        forced(),
        &msg("", &forced_text, vec![]),
    );

    let coder = "<think>try <tool_call>\n<function=f>\n<parameter=a>\n1\n</parameter>\n</function>\n</tool_call> no</think>ok";
    let t = tools_with(&[("f", r#"{"a": {"type": "integer"}}"#)]);
    check(
        "qwen3_coder",
        coder,
        &t,
        &msg(
            "ok",
            "try <tool_call>\n<function=f>\n<parameter=a>\n1\n</parameter>\n</function>\n</tool_call> no",
            vec![],
        ),
    );
    let v31 = "<think>use <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>{\"a\": 1}<｜tool▁call▁end｜><｜tool▁calls▁end｜> later</think>fine";
    check(
        "deepseek_v31",
        v31,
        &none(),
        &msg(
            "fine",
            "use <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>{\"a\": 1}<｜tool▁call▁end｜><｜tool▁calls▁end｜> later",
            vec![],
        ),
    );
    let mistral = "[THINK]maybe [TOOL_CALLS]f[ARGS]{\"a\": 1} no[/THINK]ok";
    check(
        "mistral",
        mistral,
        &none(),
        &msg("ok", "maybe [TOOL_CALLS]f[ARGS]{\"a\": 1} no", vec![]),
    );
}

/// A thinking block that is never closed but ends with complete calls: they are calls.
#[test]
fn calls_ending_an_unclosed_thinking_block_are_calls() {
    let one = format!("<think>I need it.\n{H_CALL}");
    check(
        "hermes",
        &one,
        &none(),
        &msg("", "I need it.\n", vec![call("", "f", "{\"a\": 1}")]),
    );
    let two = format!("<think>x {H_CALL}\n{H_CALL}\n");
    let calls = vec![call("", "f", "{\"a\": 1}"), call("", "f", "{\"a\": 1}")];
    check("hermes", &two, &none(), &msg("", "x ", calls));
    // A cut-off call at the end is not a call: all of it is reasoning.
    let cut = "<think>x <tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1";
    check("hermes", cut, &none(), &msg("", &cut["<think>".len()..], vec![]));
    let mistral = "[THINK]plan [TOOL_CALLS]f[ARGS]{\"a\": 1}";
    check(
        "mistral",
        mistral,
        &none(),
        &msg("", "plan ", vec![call("", "f", "{\"a\": 1}")]),
    );
    let v31 = "plan<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>{\"a\": 1}<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
    check_with(
        "deepseek_v31",
        v31,
        &none(),
        forced(),
        &msg("", "plan", vec![call("", "f", "{\"a\": 1}")]),
    );
}

/// Kimi-K2 (Thinking) calls inside its thinking block; the reasoning resumes after the section.
#[test]
fn kimi_calls_inside_thinking_and_reasoning_resumes() {
    let section = "<|tool_calls_section_begin|><|tool_call_begin|>functions.f:0<|tool_call_argument_begin|>{\"a\": 1}<|tool_call_end|><|tool_calls_section_end|>";
    let text = format!("<think>first {section} then more</think>answer");
    check(
        "kimi_k2",
        &text,
        &none(),
        &msg(
            "answer",
            "first  then more",
            vec![call("functions.f:0", "f", "{\"a\": 1}")],
        ),
    );
    // Markup that is no call inside thinking stays reasoning, in place.
    let junk = "<think>a <|tool_calls_section_begin|>oops<|tool_calls_section_end|> b</think>c";
    check(
        "kimi_k2",
        junk,
        &none(),
        &msg(
            "c",
            "a <|tool_calls_section_begin|>oops<|tool_calls_section_end|> b",
            vec![],
        ),
    );
}

/// With reasoning on, a closing marker without an opening one: the prompt opened the block.
#[test]
fn reasoning_close_without_open() {
    // Hermes/Qwen3: the prompt opened the block (Qwen3, QwQ); the service turns reasoning off
    // for models that never think, so their answers are not held.
    check(
        "hermes",
        "I'm\nthinking</think>Hello, world!\nWhat's up?",
        &none(),
        &msg("Hello, world!\nWhat's up?", "I'm\nthinking", vec![]),
    );
    check(
        "hermes",
        "I think</think>answer",
        &none(),
        &msg("answer", "I think", vec![]),
    );
    let then_call = format!("I'm\nthinking</think>\n{H_CALL}");
    check(
        "hermes",
        &then_call,
        &none(),
        &msg("", "I'm\nthinking", vec![call("", "f", "{\"a\": 1}")]),
    );
    check_with(
        "hermes",
        &then_call,
        &none(),
        forced(),
        &msg("", "I'm\nthinking", vec![call("", "f", "{\"a\": 1}")]),
    );
    let minimax = "Need weather.\n</think>\n\n<minimax:tool_call>\n<invoke name=\"f\">\n<parameter name=\"a\">1</parameter>\n</invoke>\n</minimax:tool_call>";
    check(
        "minimax_m2",
        minimax,
        &none(),
        &msg("", "Need weather.\n", vec![call("", "f", "{\"a\": \"1\"}")]),
    );
    let r1 = "Need.</think>\n\n<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n{\"a\": 1}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
    check(
        "deepseek_r1",
        r1,
        &none(),
        &msg("", "Need.", vec![call("", "f", "{\"a\": 1}")]),
    );
    // No close: the answer. A call before any close: the text before it is the answer.
    check(
        "hermes",
        "Hello world ",
        &none(),
        &msg("Hello world ", "", vec![]),
    );
    let call_first = format!("Sure.{H_CALL}");
    check(
        "hermes",
        &call_first,
        &none(),
        &msg("Sure.", "", vec![call("", "f", "{\"a\": 1}")]),
    );
    // An opening marker after text: no block was open; it is all content.
    check(
        "deepseek_r1",
        "Before <think>x</think> after",
        &none(),
        &msg("Before <think>x</think> after", "", vec![]),
    );
    // Reasoning off: the close is text.
    let off = Options {
        reasoning: false,
        thinking_forced_open: false,
    };
    check_with(
        "hermes",
        "a</think>b",
        &none(),
        off,
        &msg("a</think>b", "", vec![]),
    );
}

/// While it is not known whether the output began inside reasoning, markers that only make sense
/// in an answer (DeepSeek R1's `function<`) do not decide it.
#[test]
fn answer_only_markers_do_not_end_undecided_text() {
    check(
        "deepseek_r1",
        "use std::function<void()> here\n</think>ok",
        &none(),
        &msg("ok", "use std::function<void()> here\n", vec![]),
    );
}
