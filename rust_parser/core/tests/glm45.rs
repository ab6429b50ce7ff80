//! `glm45` cases: GLM-4.5/4.6 (newlines) and GLM-4.7/5 (compact), schema typing, sglang#35564.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use ggserve_parser_core::{Options, Tools};

const F: &str = "glm45";

fn weather() -> Tools {
    tools_with(&[(
        "get_weather",
        r#"{"city":{"type":"string"},"date":{"type":"string"},"days":{"type":"integer"},"opts":{"type":"object"}}"#,
    )])
}

#[test]
fn reference_glm45_example() {
    let text = "<think>Check weather.</think>\n<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>北京</arg_value>\n<arg_key>date</arg_key>\n<arg_value>2024-06-27</arg_value>\n</tool_call>";
    check(
        F,
        text,
        &weather(),
        &msg(
            "",
            "Check weather.",
            vec![call(
                "",
                "get_weather",
                "{\"city\": \"北京\", \"date\": \"2024-06-27\"}",
            )],
        ),
    );
}

#[test]
fn reference_glm47_compact_example() {
    let text = "<tool_call>get_weather<arg_key>city</arg_key><arg_value>北京</arg_value></tool_call>";
    check(
        F,
        text,
        &weather(),
        &msg("", "", vec![call("", "get_weather", "{\"city\": \"北京\"}")]),
    );
}

#[test]
fn integer_is_a_number_streamed_and_one_shot() {
    // sglang#35564: `123` came out as `"123"` in streaming; the harness checks every split.
    let t = tools_with(&[("get_weather", r#"{"get_weather":{"type":"integer"}}"#)]);
    let text = "<tool_call>get_weather<arg_key>get_weather</arg_key><arg_value>123</arg_value></tool_call>";
    check(
        F,
        text,
        &t,
        &msg("", "", vec![call("", "get_weather", "{\"get_weather\": 123}")]),
    );
}

#[test]
fn json_values_for_non_string_params_and_strings_otherwise() {
    let text = "<tool_call>get_weather\n<arg_key>days</arg_key>\n<arg_value>3</arg_value>\n<arg_key>opts</arg_key>\n<arg_value>{\"unit\": \"C\"}</arg_value>\n<arg_key>city</arg_key>\n<arg_value>42</arg_value>\n<arg_key>note</arg_key>\n<arg_value>[1]</arg_value>\n</tool_call>";
    check(
        F,
        text,
        &weather(),
        &msg(
            "",
            "",
            vec![call(
                "",
                "get_weather",
                "{\"days\": 3, \"opts\": {\"unit\": \"C\"}, \"city\": \"42\", \"note\": [1]}",
            )],
        ),
    );
}

#[test]
fn undeclared_values_are_json_when_their_text_is() {
    // vLLM test_glm4_moe_tool_parser.py "numeric deserialization": the tool is not in the
    // request's tools, so nothing declares a type; GLM's template writes non-strings as JSON
    // text, and vLLM, SGLang and llama.cpp read such a value as JSON. Strings stay raw, with
    // their whitespace.
    let text = "<tool_call>calculate\n<arg_key>operation</arg_key>\n<arg_value>add</arg_value>\n<arg_key>a</arg_key>\n<arg_value>42</arg_value>\n<arg_key>b</arg_key>\n<arg_value>3.14</arg_value>\n<arg_key>enabled</arg_key>\n<arg_value>true</arg_value>\n<arg_key>s</arg_key>\n<arg_value>  x y </arg_value>\n</tool_call>";
    let args = "{\"operation\": \"add\", \"a\": 42, \"b\": 3.14, \"enabled\": true, \"s\": \"  x y \"}";
    for tools in [weather(), Tools::default()] {
        check(F, text, &tools, &msg("", "", vec![call("", "calculate", args)]));
    }
}

#[test]
fn parallel_calls_prose_and_no_args() {
    let text = "Let me look.\n<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n</tool_call>\n<tool_call>get_time</tool_call>\nDone.";
    check(
        F,
        text,
        &weather(),
        &msg(
            "Let me look.\n\nDone.",
            "",
            vec![
                call("", "get_weather", "{\"city\": \"Paris\"}"),
                call("", "get_time", "{}"),
            ],
        ),
    );
}

#[test]
fn reasoning_variants() {
    let forced = Options {
        reasoning: true,
        thinking_forced_open: true,
    };
    check_with(
        F,
        "plan\n</think>\nok<tool_call>f<arg_key>a</arg_key><arg_value>x</arg_value></tool_call>",
        &Tools::default(),
        forced,
        &msg("\nok", "plan\n", vec![call("", "f", "{\"a\": \"x\"}")]),
    );
    check(
        F,
        "<think>plan<tool_call>f</tool_call>",
        &Tools::default(),
        &msg("", "plan", vec![call("", "f", "{}")]),
    );
    let off = Options {
        reasoning: false,
        thinking_forced_open: false,
    };
    check_with(
        F,
        "<think>plan</think>ok",
        &Tools::default(),
        off,
        &msg("<think>plan</think>ok", "", vec![]),
    );
}

#[test]
fn values_kept_exactly_and_literal_close_tag() {
    let raw = "\n line </arg_value> more\n";
    let text = format!("<tool_call>f<arg_key>a</arg_key><arg_value>{raw}</arg_value></tool_call>");
    let expected = msg(
        "",
        "",
        vec![call(
            "",
            "f",
            &format!("{{\"a\": {}}}", serde_json::to_string(raw).unwrap()),
        )],
    );
    check(F, &text, &Tools::default(), &expected);
}

#[test]
fn cut_off_and_malformed() {
    for text in [
        "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Par",
        "<tool_call>get_weather\n<arg_key>days</arg_key>\n<arg_value>1",
    ] {
        check(F, text, &weather(), &msg(text, "", vec![]));
    }
    for (text, args) in [
        (
            "<tool_call>get_weather\n<arg_key>days</arg_key>\n<arg_value>1</arg_value>",
            "{\"days\": 1}",
        ),
        ("<tool_call>get_weather\n", "{}"),
    ] {
        let expected = msg("", "", vec![call("", "get_weather", args)]);
        check(F, text, &weather(), &expected);
        assert_args_json(&expected);
    }
    check(
        F,
        "<tool_call>get_weather\n<arg_key>ci",
        &weather(),
        &msg("<arg_key>ci", "", vec![call("", "get_weather", "{}")]),
    );
    for text in [
        "<tool_call>{\"name\": \"f\"}</tool_call>",
        "<tool_call>\n</tool_call>",
        "a <tool_call> b c\n",
        "<tool_call>",
    ] {
        // Trailing whitespace after text is kept; a lone structure's is glue.
        let want = if text.starts_with('a') {
            text
        } else {
            text.trim_end()
        };
        check(F, text, &weather(), &msg(want, "", vec![]));
    }
}

/// Heads are decided on their first 513 bytes only (`MAX_HEAD` + 1): a parameter head whose
/// `<arg_value>` straddles that point is not a head on every split (it used to be one when the
/// input arrived whole and not one when cut inside `<arg_value>`), and an overlong call head
/// gives the section back with its trailing whitespace.
#[test]
fn heads_at_the_length_limit() {
    let k = "k".repeat(491);
    let text =
        format!("a <tool_call>get_weather\n<arg_key>{k}</arg_key><arg_value>1</arg_value></tool_call> ");
    check(
        F,
        &text,
        &weather(),
        &msg(
            &format!("a <arg_key>{k}</arg_key><arg_value>1</arg_value>"),
            "",
            vec![call("", "get_weather", "{}")],
        ),
    );
    let e = "é".repeat(300);
    let text = format!("a <tool_call>{e} ");
    check(F, &text, &weather(), &msg(&text, "", vec![]));
}

#[test]
fn tool_markup_inside_a_closed_think_is_reasoning() {
    // vLLM's and llama.cpp's reasoning parsers read up to `</think>`: a call quoted in the
    // thinking is reasoning text; only the call after the close counts.
    let text = "<think>The format is <tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>X</arg_value>\n</tool_call>. Done.</think>\n<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n</tool_call>";
    check(
        F,
        text,
        &weather(),
        &msg(
            "",
            "The format is <tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>X</arg_value>\n</tool_call>. Done.",
            vec![call("", "get_weather", "{\"city\": \"Paris\"}")],
        ),
    );
    // A block that never closes and ends with a call still makes it.
    check(
        F,
        "<think>Need it.<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n</tool_call>",
        &weather(),
        &msg("", "Need it.", vec![call("", "get_weather", "{\"city\": \"Paris\"}")]),
    );
}
