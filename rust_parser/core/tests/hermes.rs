//! `hermes` cases: the reference's examples, wrapper variants, and the peers' bugs.

mod common;
use common::*;
use ggserve_parser_core::{Options, Tools};

const F: &str = "hermes";

#[test]
fn plain_content() {
    check(
        F,
        "Hello, world!",
        &Tools::default(),
        &msg("Hello, world!", "", vec![]),
    );
}

#[test]
fn reference_parallel_calls_with_prose() {
    let text = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Tokyo\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"tz\": \"Asia/Tokyo\"}}\n</tool_call>";
    check(
        F,
        text,
        &Tools::default(),
        &msg(
            "Let me check.\n",
            "",
            vec![
                call("", "get_weather", "{\"location\": \"Tokyo\"}"),
                call("", "get_time", "{\"tz\": \"Asia/Tokyo\"}"),
            ],
        ),
    );
}

#[test]
fn think_then_call() {
    let text =
        "<think>\nNeed weather.\n</think>\n\n<tool_call>\n{\"name\": \"w\", \"arguments\": {}}\n</tool_call>";
    check(
        F,
        text,
        &Tools::default(),
        &msg("", "\nNeed weather.\n", vec![call("", "w", "{}")]),
    );
}

#[test]
fn forced_open_thinking() {
    let text = "Need weather.\n</think>\n\nSure.";
    let opts = Options {
        reasoning: true,
        thinking_forced_open: true,
    };
    check_with(
        F,
        text,
        &Tools::default(),
        opts,
        &msg("\n\nSure.", "Need weather.\n", vec![]),
    );
}

#[test]
fn reasoning_off_keeps_think_verbatim() {
    let text = "<think>hm</think>Answer";
    let opts = Options {
        reasoning: false,
        thinking_forced_open: false,
    };
    check_with(
        F,
        text,
        &Tools::default(),
        opts,
        &msg("<think>hm</think>Answer", "", vec![]),
    );
}

#[test]
fn tool_call_ends_unclosed_think() {
    let text = "<think>I should call it<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1}}</tool_call>";
    check(
        F,
        text,
        &Tools::default(),
        &msg("", "I should call it", vec![call("", "f", "{\"a\": 1}")]),
    );
}

#[test]
fn arguments_before_name_and_string_arguments() {
    let text = "<tool_call>{\"arguments\": {\"a\": [1, 2]}, \"name\": \"f\"}</tool_call><tool_call>{\"name\": \"g\", \"arguments\": \"{\\\"b\\\": true}\"}</tool_call>";
    check(
        F,
        text,
        &Tools::default(),
        &msg(
            "",
            "",
            vec![call("", "f", "{\"a\": [1, 2]}"), call("", "g", "{\"b\": true}")],
        ),
    );
}

#[test]
fn wrapper_variants_and_function_tags() {
    for (open, close) in [
        ("<function_call>", "</function_call>"),
        ("<tools>", "</tools>"),
        ("<JSON>", "</JSON>"),
    ] {
        let text = format!("{open}{{\"name\": \"f\", \"arguments\": {{\"x\": 1}}}}{close}");
        check(
            F,
            &text,
            &Tools::default(),
            &msg("", "", vec![call("", "f", "{\"x\": 1}")]),
        );
    }
    check(
        F,
        "<function=get_weather>{\"location\": \"Tokyo\"}</function>",
        &Tools::default(),
        &msg("", "", vec![call("", "get_weather", "{\"location\": \"Tokyo\"}")]),
    );
    check(
        F,
        "<function name=\"get_weather\">{\"location\": \"Tokyo\"}</function>",
        &Tools::default(),
        &msg("", "", vec![call("", "get_weather", "{\"location\": \"Tokyo\"}")]),
    );
    check(
        F,
        "```json\n<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>\n```",
        &Tools::default(),
        &msg("", "", vec![call("", "f", "{}")]),
    );
}

#[test]
fn code_fence_in_content_is_content() {
    let text = "Here:\n```python\nprint('<tool_call>')\n```";
    let p = ggserve_parser_core::parse(F, text, Tools::default(), Options::default()).unwrap_or_default();
    assert_eq!(p.tool_calls.len(), 0, "{p:?}");
    assert!(p.content.contains("```python"), "{p:?}");
}

#[test]
fn malformed_call_degrades_to_content() {
    let text = "<tool_call>not json at all</tool_call> ok";
    check(
        F,
        text,
        &Tools::default(),
        &msg("<tool_call>not json at all</tool_call> ok", "", vec![]),
    );
    let nameless = "<tool_call>{\"arguments\": {}}</tool_call>";
    check(F, nameless, &Tools::default(), &msg(nameless, "", vec![]));
}

#[test]
fn cut_call_is_given_back_whole_arguments_are_a_call() {
    // Output ended inside the arguments: truncated, not a call; its text is content.
    for text in [
        "<tool_call>{\"name\": \"write\", \"arguments\": {\"path\": \"a.txt\", \"content\": \"hel",
        "<tool_call>{\"name\": \"f\", \"arguments\": {\"n\": 12",
        "<tool_call>{\"name\": \"f\"",
    ] {
        check(F, text, &Tools::default(), &msg(text, "", vec![]));
    }
    // Arguments whole, closing brace and tag missing: a call.
    for text in [
        "<tool_call>{\"name\": \"f\", \"arguments\": {\"n\": 12}",
        "<tool_call>{\"name\": \"f\", \"arguments\": {\"n\": 12}}",
    ] {
        check(
            F,
            text,
            &Tools::default(),
            &msg("", "", vec![call("", "f", "{\"n\": 12}")]),
        );
    }
}

#[test]
fn invalid_arguments_are_given_back() {
    let text = "Hi <tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1 oops}}</tool_call> bye";
    check(F, text, &Tools::default(), &msg(text, "", vec![]));
    // A later complete call still counts.
    let two = format!("{text}<tool_call>{{\"name\": \"g\", \"arguments\": {{}}}}</tool_call>");
    check(
        F,
        &two,
        &Tools::default(),
        &msg(text, "", vec![call("", "g", "{}")]),
    );
}

#[test]
fn non_ascii_arguments_are_byte_identical() {
    let args = "{\"text\": \"漢字 😀 \\ud83d\\ude00 caf\\u00e9\"}";
    let text = format!("<tool_call>{{\"name\": \"say\", \"arguments\": {args}}}</tool_call>");
    check(
        F,
        &text,
        &Tools::default(),
        &msg("", "", vec![call("", "say", args)]),
    );
}

#[test]
fn marker_inside_argument_string_is_data() {
    let args = "{\"code\": \"print('</tool_call><tool_call>')\"}";
    let text = format!("<tool_call>{{\"name\": \"run\", \"arguments\": {args}}}</tool_call>after");
    check(
        F,
        &text,
        &Tools::default(),
        &msg("after", "", vec![call("", "run", args)]),
    );
}

#[test]
fn plain_lt_is_not_swallowed() {
    // llama.cpp#14060: a plain `<` must come out as `<`, never as a marker.
    check(
        F,
        "a < b and <thin",
        &Tools::default(),
        &msg("a < b and <thin", "", vec![]),
    );
}

#[test]
fn several_calls_in_one_block_and_one_piece() {
    let text = "<tool_call>{\"name\": \"a\", \"arguments\": {}}\n{\"name\": \"b\", \"arguments\": {\"x\": null}}</tool_call>";
    check(
        F,
        text,
        &Tools::default(),
        &msg("", "", vec![call("", "a", "{}"), call("", "b", "{\"x\": null}")]),
    );
}

/// A function name longer than the limit (256 bytes) is given back at the same text position on
/// every split, so trailing whitespace after it is kept (or dropped) the same way.
#[test]
fn overlong_function_name_is_given_back_at_a_fixed_position() {
    let x = "x".repeat(300);
    for text in [
        format!("a <function={x} "),
        format!("a <function name=\"{x} \n"),
        format!("a <function={x}>{{}}</function> "),
    ] {
        check(F, &text, &Tools::default(), &msg(&text, "", vec![]));
    }
    let name = "x".repeat(256);
    let text = format!("<function={name}>{{}}</function>");
    check(
        F,
        &text,
        &Tools::default(),
        &msg("", "", vec![call("", &name, "{}")]),
    );
}

/// Fenced blocks (```` ```json ````, ```` ```xml ````, bare ```` ``` ````) around a call object,
/// indented or after blank lines, with or without a wrapper tag (llama.cpp's Hermes 2 Pro cases).
#[test]
fn fenced_calls_indented_or_after_whitespace() {
    let obj = "{\"name\": \"special_function\", \"arguments\": {\"arg1\": 1}}";
    let want = msg("", "", vec![call("", "special_function", "{\"arg1\": 1}")]);
    for text in [
        format!("```xml\n  {obj}\n```"),
        format!("```\n  {obj}\n```"),
        format!("```\n{obj}\n```"),
        format!("```json\n  {obj}\n```"),
        format!("```json\n\n                    <function_call> {obj} \n                    </function_call> \n``` "),
        format!("```xml\n<response>\n    {obj}\n</response>\n```"),
        format!("<tool>\n  {obj}\n</tool>"),
        "<xml>\n  {\n    \"name\": \"special_function\", \"arguments\": {\"arg1\": 1}\n  }\n</xml>".to_owned(),
    ] {
        check(F, &text, &Tools::default(), &want);
    }
    // A fenced JSON example without arguments is not a call.
    for text in [
        "Example:\n```json\n{\"name\": \"John\", \"age\": 3}\n```\nDone.",
        "```json\n{\"a\": 1}\n```",
        "```\nplain code\n```",
    ] {
        check(F, text, &Tools::default(), &msg(text, "", vec![]));
    }
}

#[test]
fn empty_name_is_not_a_call() {
    // ik_llama.cpp test-function-calls.cpp "missing required fields": a call object whose name
    // is empty (or blank) is not a call; its text stays content, like a nameless object.
    for text in [
        "<tool_call>\n{\"name\": \"\", \"arguments\": {\"param\": \"value\"}}\n</tool_call>",
        "<tool_call>{\"arguments\": {\"a\": 1}, \"name\": \" \"}</tool_call>",
    ] {
        check(F, text, &Tools::default(), &msg(text, "", vec![]));
    }
}

#[test]
fn call_that_ends_the_thinking_and_the_output_is_made() {
    // vLLM test_qwen3_tool_call_recovery.py: the call inside `<think>`, then `</think>`, then
    // nothing: the call is made. With an answer after the close it was quoted (reasoning text).
    let c = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n</tool_call>";
    check(
        F,
        &format!("<think>Checked.\n{c}\n</think>\n"),
        &Tools::default(),
        &msg("", "Checked.\n", vec![call("", "f", "{\"a\": 1}")]),
    );
    let quoted = format!("<think>Checked.\n{c}\n</think>Answer.");
    check(
        F,
        &quoted,
        &Tools::default(),
        &msg("Answer.", &format!("Checked.\n{c}\n"), vec![]),
    );
}
