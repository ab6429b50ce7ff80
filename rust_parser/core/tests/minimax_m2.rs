//! `minimax_m2` cases: `<minimax:tool_call><invoke>` blocks, schema typing, forced-open thinking.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use ggserve_parser_core::{Options, Tools};

const F: &str = "minimax_m2";

fn weather() -> Tools {
    tools_with(&[(
        "get_weather",
        r#"{"location":{"type":"string"},"days":{"type":"integer"},"units":{"type":"array"}}"#,
    )])
}

const FORCED: Options = Options {
    reasoning: true,
    thinking_forced_open: true,
};

#[test]
fn reference_example() {
    let text = "<think>\nNeed weather.\n</think>\n\n<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"location\">Tokyo</parameter>\n<parameter name=\"days\">3</parameter>\n</invoke>\n</minimax:tool_call>";
    let expected = msg(
        "",
        "\nNeed weather.\n",
        vec![call("", "get_weather", "{\"location\": \"Tokyo\", \"days\": 3}")],
    );
    check(F, text, &weather(), &expected);
}

#[test]
fn forced_open_thinking_from_the_generation_prompt() {
    // The prompt ends with `]~b]ai\n<think>\n`: output starts inside reasoning.
    let text = "Need weather.\n</think>\n\nChecking.\n<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"location\">Tokyo</parameter>\n</invoke>\n</minimax:tool_call>";
    check_with(
        F,
        text,
        &weather(),
        FORCED,
        &msg(
            "\n\nChecking.\n",
            "Need weather.\n",
            vec![call("", "get_weather", "{\"location\": \"Tokyo\"}")],
        ),
    );
    // A tool block before `</think>` ends the reasoning.
    check_with(
        F,
        "thinking<minimax:tool_call><invoke name=\"f\"></invoke></minimax:tool_call>",
        &Tools::default(),
        FORCED,
        &msg("", "thinking", vec![call("", "f", "{}")]),
    );
    let off = Options {
        reasoning: false,
        thinking_forced_open: false,
    };
    check_with(
        F,
        "<think>a</think>b",
        &Tools::default(),
        off,
        &msg("<think>a</think>b", "", vec![]),
    );
}

#[test]
fn several_invokes_are_parallel_calls() {
    let text = "<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"location\">Tokyo</parameter>\n<parameter name=\"units\">[\"C\"]</parameter>\n</invoke>\n<invoke name=\"get_weather\">\n<parameter name=\"location\">Paris</parameter>\n</invoke>\n</minimax:tool_call>\nBoth requested.";
    check(
        F,
        text,
        &weather(),
        &msg(
            "\nBoth requested.",
            "",
            vec![
                call("", "get_weather", "{\"location\": \"Tokyo\", \"units\": [\"C\"]}"),
                call("", "get_weather", "{\"location\": \"Paris\"}"),
            ],
        ),
    );
}

#[test]
fn values_kept_exactly_and_untyped_without_schema() {
    let raw = "\nline1\n</parameter> still value\n";
    let text = format!("<minimax:tool_call><invoke name=\"w\"><parameter name=\"body\">{raw}</parameter><parameter name=\"n\">3</parameter></invoke></minimax:tool_call>");
    let expected = msg(
        "",
        "",
        vec![call(
            "",
            "w",
            &format!(
                "{{\"body\": {}, \"n\": \"3\"}}",
                serde_json::to_string(raw).unwrap()
            ),
        )],
    );
    check(F, &text, &Tools::default(), &expected);
}

#[test]
fn missing_parameter_close() {
    check(
        F,
        "<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"location\">Tokyo</invoke>\n</minimax:tool_call>",
        &weather(),
        &msg("", "", vec![call("", "get_weather", "{\"location\": \"Tokyo\"}")]),
    );
}

#[test]
fn cut_off_and_malformed() {
    // Cut inside a value: truncated, given back as content.
    for text in [
        "<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"location\">Tok",
        "<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"units\">[1, 2",
    ] {
        check(F, text, &weather(), &msg(text, "", vec![]));
    }
    // Whole arguments, section close missing: a call.
    for (text, args) in [
        ("<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"days\">3</parameter>\n</invoke>", "{\"days\": 3}"),
        ("<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"days\">3</parameter>", "{\"days\": 3}"),
    ] {
        let expected = msg("", "", vec![call("", "get_weather", args)]);
        check(F, text, &weather(), &expected);
        assert_args_json(&expected);
    }
    for text in [
        "<minimax:tool_call>\n<invoke nam=\"x\">\n</minimax:tool_call>",
        "<minimax:tool_call>\n<invoke name=\"x",
        "say <minimax:tool_call",
    ] {
        check(F, text, &weather(), &msg(text, "", vec![]));
    }
}

#[test]
fn tool_markup_inside_a_closed_think_is_reasoning() {
    // vLLM's MiniMax-M2 reasoning parser: everything before `</think>` is reasoning.
    let quoted = "I could write <minimax:tool_call><invoke name=\"get_weather\"><parameter name=\"location\">X</parameter></invoke></minimax:tool_call> later.";
    let text = format!("{quoted}</think>\n<minimax:tool_call><invoke name=\"get_weather\"><parameter name=\"location\">Tokyo</parameter></invoke></minimax:tool_call>");
    check_with(
        F,
        &text,
        &weather(),
        FORCED,
        &msg(
            "",
            quoted,
            vec![call("", "get_weather", "{\"location\": \"Tokyo\"}")],
        ),
    );
}
