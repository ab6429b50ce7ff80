//! The shared rules on the tier-2 families: a broken or cut call is not a call (its
//! `tool_call_end` says why and its text comes back as content); whole arguments without the
//! closing markup make a complete call; tool markup inside an open thinking block is reasoning
//! text unless the block ends with complete calls; whitespace is content.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use ggserve_parser_core::{CallStatus, Event, Options, Tools};

fn t() -> Tools {
    Tools::default()
}

fn statuses(format: &str, text: &str) -> Vec<CallStatus> {
    run(format, &[text], &t(), Options::default())
        .into_iter()
        .filter_map(|e| match e {
            Event::ToolCallEnd { status, .. } => Some(status),
            _ => None,
        })
        .collect()
}

#[test]
fn broken_calls_are_invalid_and_given_back() {
    for (format, text) in [
        (
            "nemotron_v2",
            r#"<TOOLCALL>[{"name": "f", "arguments": {"a": 1]}]</TOOLCALL>"#,
        ),
        ("granite", r#"<|tool_call|>[{"name": "f", "arguments": {"a" 1}}]"#),
        (
            "apertus",
            r#"<|tools_prefix|>[{"f": {"a": tru}}]<|tools_suffix|>"#,
        ),
        ("pythonic", "[f(a=1, 'positional')]"),
        ("lfm2", "<|tool_call_start|>[f(1)]<|tool_call_end|>"),
        ("gemma4", "<|tool_call>call:f{a:1]}<tool_call|>"),
        ("functionary_v3_2", "f\n{\"a\": }"),
    ] {
        assert_eq!(statuses(format, text), [CallStatus::Invalid], "{format}");
        // Nothing lost: the broken call and what follows it are content, byte for byte.
        check(format, text, &t(), &msg(text, "", vec![]));
    }
}

#[test]
fn cut_calls_are_truncated() {
    for (format, text) in [
        ("nemotron_v2", r#"<TOOLCALL>[{"name": "f", "arguments": {"a": 1"#),
        (
            "command_r7b",
            r#"<|START_ACTION|>[{"tool_call_id": "0", "tool_name": "f", "parameters": {"#,
        ),
        ("pythonic", "[f(a='x"),
        ("gemma4", "<|tool_call>call:f{a:[1,"),
    ] {
        assert_eq!(statuses(format, text), [CallStatus::Truncated], "{format}");
        check(format, text, &t(), &msg(text, "", vec![]));
    }
}

#[test]
fn whole_arguments_without_closing_markup_are_complete() {
    for (format, text, name) in [
        (
            "nemotron_v2",
            r#"<TOOLCALL>[{"name": "f", "arguments": {"a": 1}}"#,
            "f",
        ),
        (
            "granite",
            r#"<tool_call>{"name": "f", "arguments": {"a": 1}}"#,
            "f",
        ),
        ("apertus", r#"<|tools_prefix|>[{"f": {"a": 1}}"#, "f"),
        (
            "command_r7b",
            r#"<|START_ACTION|>[{"tool_call_id": "0", "tool_name": "f", "parameters": {"a": 1}}"#,
            "f",
        ),
        ("lfm2", "<|tool_call_start|>[f(a=1)", "f"),
        ("pythonic", "<|python_start|>[f(a=1)", "f"),
        ("gemma4", "<|tool_call>call:f{a:1}", "f"),
        ("functionary_v3_1", r#"<function=f>{"a": 1}"#, "f"),
    ] {
        assert_eq!(statuses(format, text), [CallStatus::Complete], "{format}");
        let id = if format == "command_r7b" { "0" } else { "" };
        check(
            format,
            text,
            &t(),
            &msg("", "", vec![call(id, name, r#"{"a": 1}"#)]),
        );
    }
}

#[test]
fn tool_markup_inside_thinking_is_reasoning_text() {
    for (format, open, close, markup) in [
        (
            "nemotron_v2",
            "<think>",
            "</think>",
            r#"<TOOLCALL>[{"name": "f", "arguments": {}}]</TOOLCALL>"#,
        ),
        (
            "granite",
            "<think>",
            "</think>",
            r#"<|tool_call|>[{"name": "f", "arguments": {}}]"#,
        ),
        (
            "apertus",
            "<|inner_prefix|>",
            "<|inner_suffix|>",
            r#"<|tools_prefix|>[{"f": {}}]<|tools_suffix|>"#,
        ),
        (
            "lfm2",
            "<think>",
            "</think>",
            "<|tool_call_start|>[f()]<|tool_call_end|>",
        ),
        (
            "command_r7b",
            "<|START_THINKING|>",
            "<|END_THINKING|>",
            r#"<|START_ACTION|>[{"tool_name": "f", "parameters": {}}]<|END_ACTION|>"#,
        ),
        (
            "gemma4",
            "<|channel>thought\n",
            "<channel|>",
            "<|tool_call>call:f{}<tool_call|>",
        ),
    ] {
        let reasoning = format!("I could write {markup} but no.");
        let text = format!("{open}{reasoning}{close}Answer");
        check(format, &text, &t(), &msg("Answer", &reasoning, vec![]));
        // A block that ends with a complete call (the close forgotten) still makes it.
        let at_end = format!("{open}Let me call.{markup}");
        check(
            format,
            &at_end,
            &t(),
            &msg("", "Let me call.", vec![call("", "f", "{}")]),
        );
    }
}

#[test]
fn text_after_a_section_keeps_its_whitespace() {
    let f = || vec![call("", "f", "{}")];
    for (format, text) in [
        (
            "nemotron_v2",
            "<TOOLCALL>[{\"name\": \"f\", \"arguments\": {}}]</TOOLCALL>\n\nDone. ",
        ),
        (
            "granite",
            "<|tool_call|>[{\"name\": \"f\", \"arguments\": {}}]\n\nDone. ",
        ),
        ("pythonic", "[f()]\n\nDone. "),
        ("gemma4", "<|tool_call>call:f{}\n\nDone. "),
        ("lfm2", "<|tool_call_start|>[f()]<|tool_call_end|>\n\nDone. "),
    ] {
        check(format, text, &t(), &msg("\n\nDone. ", "", f()));
    }
    // Glue between sections and after the last one is not content.
    check(
        "gemma4",
        "<|tool_call>call:f{}<tool_call|>\n<|tool_call>call:f{}<tool_call|>\n",
        &t(),
        &msg("", "", vec![call("", "f", "{}"), call("", "f", "{}")]),
    );
}

#[test]
fn whitespace_is_content() {
    check(
        "nemotron_v2",
        "<think>\n plan \n</think>\n\nSure.\n<TOOLCALL>[{\"name\": \"f\", \"arguments\": {}}]</TOOLCALL>\n",
        &t(),
        &msg("\n\nSure.\n", "\n plan \n", vec![call("", "f", "{}")]),
    );
    check(
        "granite",
        "<think> a </think> <response> b </response>",
        &t(),
        &msg("  b ", " a ", vec![]),
    );
    check_with(
        "nemotron_v2",
        "plan</think>\n<TOOLCALL>[{\"name\": \"f\", \"arguments\": {}}]</TOOLCALL>",
        &t(),
        Options {
            reasoning: true,
            thinking_forced_open: true,
        },
        &msg("", "plan", vec![call("", "f", "{}")]),
    );
}

#[test]
fn an_end_of_turn_token_ends_the_output() {
    // llama.cpp tests/test-chat.cpp: Nemotron Nano v2's turn ends with `<SPECIAL_12>`, Apertus's
    // with `<|assistant_end|>`; leaked into the text, each ends the message.
    let f = || vec![call("", "f", "{}")];
    check(
        "nemotron_v2",
        "<TOOLCALL>[{\"name\": \"f\", \"arguments\": {}}]</TOOLCALL><SPECIAL_12>\n\nUser: more",
        &t(),
        &msg("", "", f()),
    );
    check(
        "nemotron_v2",
        "Hi.\n<SPECIAL_12>",
        &t(),
        &msg("Hi.\n", "", vec![]),
    );
    check(
        "apertus",
        "<|tools_prefix|>[{\"f\": {}}]<|tools_suffix|><|assistant_end|>junk",
        &t(),
        &msg("", "", f()),
    );
    check("apertus", "Hi.<|assistant_end|>", &t(), &msg("Hi.", "", vec![]));
}

#[test]
fn a_later_gemma4_thought_channel_is_reasoning() {
    // llama.cpp tests/test-chat.cpp (Gemma 4): the grammar repeats `channel content`, so a thought
    // channel may follow text or a call; with reasoning off it stays text as written.
    check(
        "gemma4",
        "<|channel>thought\n<channel|>Hi<|channel>thought\n<channel|>",
        &t(),
        &msg("Hi", "", vec![]),
    );
    check(
        "gemma4",
        "<|channel>thought\nA<channel|><|tool_call>call:f{}<tool_call|><|channel>thought\nB<channel|>Done",
        &t(),
        &msg("Done", "AB", vec![call("", "f", "{}")]),
    );
    check(
        "gemma4",
        "Hi<|channel>thought\ncut",
        &t(),
        &msg("Hi", "cut", vec![]),
    );
    let text = "Hi<|channel>thought\nB<channel|>Done";
    check_with(
        "gemma4",
        text,
        &t(),
        Options {
            reasoning: false,
            ..Options::default()
        },
        &msg(text, "", vec![]),
    );
}

#[test]
fn a_gemma4_channel_without_its_name_is_a_thought() {
    // vLLM tests/reasoning/test_gemma4_reasoning_parser.py: `<|channel>` opens the thought even
    // when the `thought` name is missing or the text only starts like it.
    for (text, content, reasoning) in [
        ("<|channel>Plan<channel|>Rest", "Rest", "Plan"),
        (
            "<|channel>thousand reasons<channel|>Done",
            "Done",
            "thousand reasons",
        ),
        ("<|channel>Cut", "", "Cut"),
        ("Before\n<|channel>Plan<channel|>\nRest", "Before\n\nRest", "Plan"),
        ("Hi<|channel>thought", "Hi", ""),
        ("Hi<|channel>thought<channel|>!", "Hi!", ""),
    ] {
        check("gemma4", text, &t(), &msg(content, reasoning, vec![]));
    }
}
