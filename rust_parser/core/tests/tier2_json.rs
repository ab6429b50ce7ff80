//! Tier-2 formats whose calls are JSON lists in a wrapper: `granite`, `nemotron_v2`,
//! `command_r7b`, `apertus`, `firefunction_v2`, and `lfm2`'s JSON form. Cases follow the peers'
//! own tests (llama.cpp `tests/test-chat.cpp`, vLLM `tests/tool_use`), each checked one-shot,
//! char by char, at every two-way split and over random splits.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use ggserve_parser_core::{parse, Options, Tools};

fn t() -> Tools {
    Tools::default()
}

const SPECIAL: &str = r#"{"arg1": 1}"#;

#[test]
fn granite_3_list() {
    check(
        "granite",
        r#"<|tool_call|>[{"name": "special_function", "arguments": {"arg1": 1}}]"#,
        &t(),
        &msg("", "", vec![call("", "special_function", SPECIAL)]),
    );
    check(
        "granite",
        r#"<|tool_call|>[{"name": "get_current_weather", "arguments": {"city": "Dallas", "state": "TX", "unit": "fahrenheit"}}, {"name": "get_current_weather", "arguments": {"city": "Orlando", "state": "FL", "unit": "fahrenheit"}}]"#,
        &t(),
        &msg(
            "",
            "",
            vec![
                call(
                    "",
                    "get_current_weather",
                    r#"{"city": "Dallas", "state": "TX", "unit": "fahrenheit"}"#,
                ),
                call(
                    "",
                    "get_current_weather",
                    r#"{"city": "Orlando", "state": "FL", "unit": "fahrenheit"}"#,
                ),
            ],
        ),
    );
    // A single object instead of a list; prose before the marker.
    check(
        "granite",
        r#"Checking.<|tool_call|>{"name": "f", "arguments": {"x": "é😀"}}"#,
        &t(),
        &msg("Checking.", "", vec![call("", "f", r#"{"x": "é😀"}"#)]),
    );
}

#[test]
fn granite_3_3_thinking_and_response() {
    check(
        "granite",
        "<think>I'm\nthinking</think><response>Hello, world!\nWhat's up?</response>",
        &t(),
        &msg("Hello, world!\nWhat's up?", "I'm\nthinking", vec![]),
    );
    check_with(
        "granite",
        "<think>I'm\nthinking</think><response>Hello</response>",
        &t(),
        Options {
            reasoning: false,
            thinking_forced_open: false,
        },
        &msg("<think>I'm\nthinking</think>Hello", "", vec![]),
    );
}

#[test]
fn granite_4_tool_call_blocks() {
    check(
        "granite",
        "<tool_call>\n{\"name\": \"special_function\", \"arguments\": {\"arg1\": 1}}\n</tool_call>\n<tool_call>\n{\"name\": \"g\", \"arguments\": {}}\n</tool_call>",
        &t(),
        &msg("", "", vec![call("", "special_function", SPECIAL), call("", "g", "{}")]),
    );
    // Granite 3.1 writes the list after a plain-text `<tool_call>`.
    check(
        "granite",
        r#"<tool_call>[{"name": "f", "arguments": {"a": [1, 2]}}]"#,
        &t(),
        &msg("", "", vec![call("", "f", r#"{"a": [1, 2]}"#)]),
    );
}

#[test]
fn granite_20b_fc() {
    check(
        "granite",
        r#"<function_call> {"name": "get_current_weather", "arguments": {"city": "Dallas", "state": "TX"}} <function_call> {"name": "get_current_weather", "arguments": {"city": "Orlando"}}"#,
        &t(),
        &msg(
            "",
            "",
            vec![
                call("", "get_current_weather", r#"{"city": "Dallas", "state": "TX"}"#),
                call("", "get_current_weather", r#"{"city": "Orlando"}"#),
            ],
        ),
    );
}

#[test]
fn nemotron_v2() {
    check(
        "nemotron_v2",
        r#"<TOOLCALL>[{"name": "special_function", "arguments": {"arg1": 1}}]</TOOLCALL>"#,
        &t(),
        &msg("", "", vec![call("", "special_function", SPECIAL)]),
    );
    check(
        "nemotron_v2",
        r#"<think>I'm
thinking</think><TOOLCALL>[{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {"y": "z"}}]</TOOLCALL>"#,
        &t(),
        &msg(
            "",
            "I'm\nthinking",
            vec![call("", "a", r#"{"x": 1}"#), call("", "b", r#"{"y": "z"}"#)],
        ),
    );
    // A call marker ends an unclosed think.
    check(
        "nemotron_v2",
        r#"<think>hmm<TOOLCALL>[{"name": "a", "arguments": {}}]</TOOLCALL>"#,
        &t(),
        &msg("", "hmm", vec![call("", "a", "{}")]),
    );
    // Not a list: given back as content.
    check(
        "nemotron_v2",
        "<TOOLCALL>oops</TOOLCALL>",
        &t(),
        &msg("<TOOLCALL>oops</TOOLCALL>", "", vec![]),
    );
}

#[test]
fn command_r7b_actions_with_ids() {
    check(
        "command_r7b",
        "<|START_THINKING|>I'm\nthinking<|END_THINKING|><|START_ACTION|>[\n    {\"tool_call_id\": \"0\", \"tool_name\": \"special_function\", \"parameters\": {\"arg1\": 1}},\n    {\"tool_call_id\": \"1\", \"tool_name\": \"special_function_with_opt\", \"parameters\": {\"arg1\": 1, \"arg2\": 2}}\n]<|END_ACTION|>",
        &t(),
        &msg(
            "",
            "I'm\nthinking",
            vec![
                call("0", "special_function", SPECIAL),
                call("1", "special_function_with_opt", r#"{"arg1": 1, "arg2": 2}"#),
            ],
        ),
    );
}

#[test]
fn command_r7b_response_and_end_of_turn() {
    check(
        "command_r7b",
        "<|START_RESPONSE|>Hello, world!\nWhat's up?<|END_RESPONSE|>",
        &t(),
        &msg("Hello, world!\nWhat's up?", "", vec![]),
    );
    check(
        "command_r7b",
        "<|START_THINKING|>Plan.<|END_THINKING|><|START_RESPONSE|>Done.<|END_RESPONSE|><|END_OF_TURN_TOKEN|>junk",
        &t(),
        &msg("Done.", "Plan.", vec![]),
    );
    check_with(
        "command_r7b",
        "Plan.<|END_THINKING|><|START_RESPONSE|>Done.<|END_RESPONSE|>",
        &t(),
        Options {
            reasoning: true,
            thinking_forced_open: true,
        },
        &msg("Done.", "Plan.", vec![]),
    );
}

#[test]
fn apertus_name_keyed() {
    check(
        "apertus",
        r#"<|tools_prefix|>[{"special_function": {"arg1": 1}}]<|tools_suffix|>"#,
        &t(),
        &msg("", "", vec![call("", "special_function", SPECIAL)]),
    );
    check(
        "apertus",
        "<|inner_prefix|>I'm\nthinking<|inner_suffix|>Hello, world!",
        &t(),
        &msg("Hello, world!", "I'm\nthinking", vec![]),
    );
    check(
        "apertus",
        r#"Sure.<|tools_prefix|>[{"get_weather": {"location": "Tokyo"}}, {"get_time": {"tz": "東京"}}]<|tools_suffix|>"#,
        &t(),
        &msg(
            "Sure.",
            "",
            vec![
                call("", "get_weather", r#"{"location": "Tokyo"}"#),
                call("", "get_time", r#"{"tz": "東京"}"#),
            ],
        ),
    );
    // An object that is not name-keyed is content.
    check(
        "apertus",
        "<|tools_prefix|>[42]",
        &t(),
        &msg("<|tools_prefix|>[42]", "", vec![]),
    );
}

#[test]
fn firefunction_v2() {
    check(
        "firefunction_v2",
        r#" functools[{"name": "special_function", "arguments": {"arg1": 1}}]"#,
        &t(),
        &msg("", "", vec![call("", "special_function", SPECIAL)]),
    );
    check(
        "firefunction_v2",
        "I like functools a lot.",
        &t(),
        &msg("I like functools a lot.", "", vec![]),
    );
}

#[test]
fn lfm2_json_lists() {
    check(
        "lfm2",
        r#"<|tool_call_start|>[{"name": "get_current_time", "arguments": {"location": "Paris"}}]<|tool_call_end|>"#,
        &t(),
        &msg(
            "",
            "",
            vec![call("", "get_current_time", r#"{"location": "Paris"}"#)],
        ),
    );
    check(
        "lfm2",
        r#"Let me check.<|tool_call_start|>[{"name": "a", "arguments": {}}]<|tool_call_end|>Done.<|tool_call_start|>[{"name": "b", "arguments": {"x": true}}]<|tool_call_end|><|im_end|>"#,
        &t(),
        &msg(
            "Let me check.Done.",
            "",
            vec![call("", "a", "{}"), call("", "b", r#"{"x": true}"#)],
        ),
    );
}

#[test]
fn cut_lists_are_truncated_and_given_back() {
    for (format, text) in [
        ("granite", r#"<|tool_call|>[{"name": "f", "arguments": {"a": "x"#),
        ("nemotron_v2", r#"<TOOLCALL>[{"name": "f", "arguments": {"a": [1"#),
        (
            "command_r7b",
            r#"<|START_ACTION|>[{"tool_call_id": "0", "tool_name": "f", "parameters": {"a": 1"#,
        ),
        ("apertus", r#"<|tools_prefix|>[{"f": {"a": "x"#),
        (
            "firefunction_v2",
            r#" functools[{"name": "f", "arguments": {"a": nu"#,
        ),
        ("lfm2", r#"<|tool_call_start|>[{"name": "f", "arguments": {"#),
    ] {
        // No prefix has whole arguments: each is all content, byte for byte.
        for cut in (0..=text.len()).filter(|&c| text.is_char_boundary(c)) {
            let p = parse(format, &text[..cut], t(), Options::default()).unwrap();
            assert_eq!(p, msg(&text[..cut], "", vec![]), "{format} cut at {cut}");
        }
        // Cut inside the arguments: not a call; its text comes back as content.
        check(format, text, &t(), &msg(text, "", vec![]));
    }
}

#[test]
fn llama_cpp_generic_json() {
    let f = "llama_cpp_generic_json";
    check(
        f,
        "{\n  \"tool_call\": {\n    \"name\": \"special_function\",\n    \"arguments\": {\n      \"arg1\": 1\n    }\n  }\n}",
        &t(),
        &msg("", "", vec![call("", "special_function", "{\n      \"arg1\": 1\n    }")]),
    );
    check(
        f,
        r#"{"tool_calls": [{"name": "a", "arguments": {"x": 1}}, {"id": "c2", "name": "b", "arguments": {}}]}"#,
        &t(),
        &msg("", "", vec![call("", "a", r#"{"x": 1}"#), call("c2", "b", "{}")]),
    );
    // llama.cpp's schema order is name, arguments, id: an id after the arguments is the
    // call's id (llama.cpp tests/test-chat.cpp, the generic block's message_assist_call_id).
    check(
        f,
        "{\n  \"tool_calls\": [\n    {\n      \"name\": \"special_function\",\n      \"arguments\": {\n        \"arg1\": 1\n      },\n      \"id\": \"123456789\"\n    }\n  ]\n}",
        &t(),
        &msg(
            "",
            "",
            vec![call("123456789", "special_function", "{\n        \"arg1\": 1\n      }")],
        ),
    );
    check(
        f,
        r#"{"tool_call": {"name": "a", "arguments": {"x": 1}, "id": "c1"}}"#,
        &t(),
        &msg("", "", vec![call("c1", "a", r#"{"x": 1}"#)]),
    );
    check(
        f,
        r#"{"response": "Hello, world!\nWhat's up? \u00e9 \ud83d\ude00 \"q\""}"#,
        &t(),
        &msg("Hello, world!\nWhat's up? é 😀 \"q\"", "", vec![]),
    );
    check(
        f,
        r#"{"response": {"a": [1]}}"#,
        &t(),
        &msg(r#"{"a": [1]}"#, "", vec![]),
    );
    // Not the generic object: content as written.
    for text in ["Hello", r#"{"a": 1}"#, "{}", r#"{"tool_call": 42}"#, " {\"x\"} "] {
        check(f, text, &t(), &msg(text, "", vec![]));
    }
    // Cut: a response keeps what arrived; a cut call is given back.
    check(f, r#"{"response": "Hel"#, &t(), &msg("Hel", "", vec![]));
    let cut = r#"{"tool_call": {"name": "f", "arguments": {"a": "#;
    check(f, cut, &t(), &msg(cut, "", vec![]));
}
