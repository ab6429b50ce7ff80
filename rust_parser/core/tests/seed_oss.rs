//! `seed_oss` cases: the Qwen3-Coder XML shape with `seed:` markers and `<seed:think>`.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use ggserve_parser_core::{Options, Tools};

const F: &str = "seed_oss";

fn weather() -> Tools {
    tools_with(&[(
        "get_weather",
        r#"{"location":{"type":"string"},"days":{"type":"integer"}}"#,
    )])
}

#[test]
fn reference_compact_example() {
    let text = "<seed:tool_call><function=get_weather><parameter=location>Tokyo</parameter><parameter=days>3</parameter></function></seed:tool_call>";
    check(
        F,
        text,
        &weather(),
        &msg(
            "",
            "",
            vec![call("", "get_weather", "{\"location\": \"Tokyo\", \"days\": 3}")],
        ),
    );
}

#[test]
fn think_prose_and_multiline_call() {
    let text = "<seed:think>Need the weather.</seed:think>\nLet me check.\n<seed:tool_call>\n<function=get_weather>\n<parameter=location>\nTokyo\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</seed:tool_call>";
    check(
        F,
        text,
        &weather(),
        &msg(
            "\nLet me check.\n",
            "Need the weather.",
            vec![call("", "get_weather", "{\"location\": \"Tokyo\", \"days\": 3}")],
        ),
    );
}

#[test]
fn reasoning_forced_open_off_and_implicit_end() {
    let forced = Options {
        reasoning: true,
        thinking_forced_open: true,
    };
    check_with(
        F,
        "hm</seed:think>Answer",
        &Tools::default(),
        forced,
        &msg("Answer", "hm", vec![]),
    );
    let off = Options {
        reasoning: false,
        thinking_forced_open: false,
    };
    check_with(
        F,
        "<seed:think>hm</seed:think>Answer",
        &Tools::default(),
        off,
        &msg("<seed:think>hm</seed:think>Answer", "", vec![]),
    );
    check(
        F,
        "<seed:think>hm<seed:tool_call><function=f><parameter=a>1</parameter></function></seed:tool_call>",
        &Tools::default(),
        &msg("", "hm", vec![call("", "f", "{\"a\": \"1\"}")]),
    );
}

#[test]
fn parallel_calls_in_one_block_and_in_two() {
    let text = "<seed:tool_call><function=get_weather><parameter=location>Tokyo</parameter></function><function=get_weather><parameter=location>Paris</parameter></function></seed:tool_call><seed:tool_call><function=g></function></seed:tool_call>after";
    check(
        F,
        text,
        &weather(),
        &msg(
            "after",
            "",
            vec![
                call("", "get_weather", "{\"location\": \"Tokyo\"}"),
                call("", "get_weather", "{\"location\": \"Paris\"}"),
                call("", "g", "{}"),
            ],
        ),
    );
}

#[test]
fn literal_close_tag_in_value_and_non_ascii() {
    let raw = "北京 😀 </parameter> x";
    let text = format!("<seed:tool_call><function=get_weather><parameter=location>{raw}</parameter></function></seed:tool_call>");
    let expected = msg(
        "",
        "",
        vec![call(
            "",
            "get_weather",
            &format!("{{\"location\": {}}}", serde_json::to_string(raw).unwrap()),
        )],
    );
    check(F, &text, &weather(), &expected);
    assert_args_json(&expected);
}

#[test]
fn cut_off_and_malformed() {
    let cut = "<seed:tool_call><function=get_weather><parameter=location>Tok";
    check(F, cut, &weather(), &msg(cut, "", vec![]));
    for (text, args) in [
        (
            "<seed:tool_call><function=get_weather><parameter=days>3</parameter>",
            "{\"days\": 3}",
        ),
        ("<seed:tool_call><function=get_weather>", "{}"),
    ] {
        let expected = msg("", "", vec![call("", "get_weather", args)]);
        check(F, text, &weather(), &expected);
        assert_args_json(&expected);
    }
    for text in [
        "<seed:tool_call>oops</seed:tool_call>",
        "x <seed:tool_call>",
        "<seed:tool",
    ] {
        check(F, text, &weather(), &msg(text, "", vec![]));
    }
}

#[test]
fn tool_markup_inside_a_closed_think_is_reasoning() {
    // vLLM test_seed_oss_tool_parser.py "unlimited thinking budget": the thinking quotes the
    // call it is about to make; only the call after `</seed:think>` is made.
    let call_text = "<seed:tool_call>\n<function=get_weather>\n<parameter=location>Barcelona, Spain</parameter>\n</function>\n</seed:tool_call>";
    let thinking = format!("\nThe format is {call_text}. Let me go with that.");
    let text = format!("<seed:think>{thinking}</seed:think>{call_text}");
    check(
        F,
        &text,
        &weather(),
        &msg(
            "",
            &thinking,
            vec![call("", "get_weather", "{\"location\": \"Barcelona, Spain\"}")],
        ),
    );
}
