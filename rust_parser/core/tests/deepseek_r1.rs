//! `deepseek_r1` cases: the reference's example, llama.cpp's opener spellings, the four shapes of
//! ik_llama.cpp PR #652, reasoning (forced open, implicit end), and ik_llama.cpp#690.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use ggserve_parser_core::{parse, Options, Tools};

const F: &str = "deepseek_r1";

const SB: &str = "<｜tool▁calls▁begin｜>";
const SE: &str = "<｜tool▁calls▁end｜>";
const CB: &str = "<｜tool▁call▁begin｜>";
const CE: &str = "<｜tool▁call▁end｜>";
const SEP: &str = "<｜tool▁sep｜>";
const EOS: &str = "<｜end▁of▁sentence｜>";

fn none() -> Tools {
    Tools::default()
}

fn forced() -> Options {
    Options {
        reasoning: true,
        thinking_forced_open: true,
    }
}

fn r1_call(name: &str, args: &str) -> String {
    format!("{CB}function{SEP}{name}\n```json\n{args}\n```{CE}")
}

#[test]
fn reference_example() {
    let text = format!(
        "<think>\nNeed the weather.\n</think>\n\n{SB}{}{SE}",
        r1_call("get_weather", "{\"location\": \"Tokyo\"}")
    );
    check(
        F,
        &text,
        &none(),
        &msg(
            "",
            "\nNeed the weather.\n",
            vec![call("", "get_weather", "{\"location\": \"Tokyo\"}")],
        ),
    );
}

#[test]
fn the_reference_markers_are_the_ones_parsed() {
    // Bytes copied from reference/tool-call-formats.md: U+FF5C and U+2581.
    assert_eq!(SB.as_bytes()[1..4], [0xEF, 0xBD, 0x9C]);
    assert!(SB.contains('\u{2581}') && SB.contains('\u{FF5C}'));
    assert!(!SB.contains('|') && !SB.contains('_'));
}

#[test]
fn opener_spellings() {
    for opener in [
        "<｜tool▁calls▁begin｜>",
        "<｜tool_calls_begin｜>",
        "<｜tool calls begin｜>",
        "<｜tool\\_calls\\_begin｜>",
        "<｜tool▁calls｜>",
    ] {
        let text = format!("{opener}{}{SE}", r1_call("f", "{\"a\": 1}"));
        check(F, &text, &none(), &msg("", "", vec![call("", "f", "{\"a\": 1}")]));
    }
}

#[test]
fn format1_with_newlines_and_parallel_calls() {
    // ik_llama.cpp function_calls.md layout.
    let text = format!(
        "Checking both.\n{SB}\n{CB}\nfunction{SEP}get_weather\n```json\n{{\"location\": \"Tokyo\"}}\n```\n{CE}\n{CB}\nfunction{SEP}get_time\n```json\n{{\"tz\": \"Asia/Tokyo\"}}\n```\n{CE}\n{SE}\nDone."
    );
    check(
        F,
        &text,
        &none(),
        &msg(
            "Checking both.\n\nDone.",
            "",
            vec![
                call("", "get_weather", "{\"location\": \"Tokyo\"}"),
                call("", "get_time", "{\"tz\": \"Asia/Tokyo\"}"),
            ],
        ),
    );
}

#[test]
fn optional_call_markers() {
    // llama.cpp's regex makes the call begin optional; the call end may be missing.
    let text =
        format!("{SB}function{SEP}a\n```json\n{{}}\n```{CE}function{SEP}b\n```json\n{{\"x\": [1]}}\n```{SE}");
    check(
        F,
        &text,
        &none(),
        &msg("", "", vec![call("", "a", "{}"), call("", "b", "{\"x\": [1]}")]),
    );
    let bare = format!("{}{}", r1_call("a", "{}"), r1_call("b", "{}"));
    check(
        F,
        &bare,
        &none(),
        &msg("", "", vec![call("", "a", "{}"), call("", "b", "{}")]),
    );
}

#[test]
fn format2_function_angle_name() {
    let bare = "function<Read>\n```json\n{\"file_path\": \"/path/to/file.txt\"}\n```";
    check(
        F,
        bare,
        &none(),
        &msg(
            "",
            "",
            vec![call("", "Read", "{\"file_path\": \"/path/to/file.txt\"}")],
        ),
    );
    let in_section =
        format!("{SB}{CB}function<get_weather>\n```json\n{{\"location\": \"Tokyo\"}}\n```{CE}{SE}");
    check(
        F,
        &in_section,
        &none(),
        &msg("", "", vec![call("", "get_weather", "{\"location\": \"Tokyo\"}")]),
    );
}

#[test]
fn format3_tools_array() {
    let text = "function\n```json\n{\n  \"tools\": [\n    {\n      \"name\": \"Read\",\n      \"arguments\": {\n        \"file_path\": \"/path/to/example/SystemProcessor.java\"\n      }\n    },\n    {\n      \"name\": \"Edit\", \n      \"arguments\": {\n        \"file_path\": \"/path/to/file.java\",\n        \"old_string\": \"old code\",\n        \"new_string\": \"new code\"\n      }\n    }\n  ]\n}\n```";
    check(
        F,
        text,
        &none(),
        &msg(
            "",
            "",
            vec![
                call(
                    "",
                    "Read",
                    "{\n        \"file_path\": \"/path/to/example/SystemProcessor.java\"\n      }",
                ),
                call(
                    "",
                    "Edit",
                    "{\n        \"file_path\": \"/path/to/file.java\",\n        \"old_string\": \"old code\",\n        \"new_string\": \"new code\"\n      }",
                ),
            ],
        ),
    );
}

#[test]
fn format4_xml_wrapped() {
    let text = "<tool_call>\nfunction</think>Read\n```json\n{\n  \"file_path\": \"/path/to/example.txt\"\n}\n```\n</tool_call>";
    let expected = msg(
        "",
        "",
        vec![call(
            "",
            "Read",
            "{\n  \"file_path\": \"/path/to/example.txt\"\n}",
        )],
    );
    check(F, text, &none(), &expected);
    // With the prompt's `<think>` open, the call counts when it ends the output (the model
    // forgot `</think>`; its `</think>` comes after the type word)…
    let forced_text = format!("I will read it.\n{text}");
    check_with(
        F,
        &forced_text,
        &none(),
        forced(),
        &msg(
            "",
            "I will read it.\n",
            vec![call(
                "",
                "Read",
                "{\n  \"file_path\": \"/path/to/example.txt\"\n}",
            )],
        ),
    );
    // …and is reasoning text when the thinking goes on after it.
    let quoted = format!("I will read it.\n{text}\nOK.");
    check_with(F, &quoted, &none(), forced(), &msg("", &quoted, vec![]));
}

#[test]
fn tool_markup_in_open_reasoning_is_reasoning_text() {
    // ik_llama.cpp tests/test-chat.cpp (DeepSeek-R1-Distill-Llama-8B, forced open), vLLM's
    // deepseek_r1 reasoning parser and SGLang's DeepSeekR1Detector: everything before
    // `</think>` is reasoning, tool markers included.
    let quoted = "I need to remember the correct syntax. It starts with <｜tool▁calls▁begin｜> and ends with";
    check_with(F, quoted, &none(), forced(), &msg("", quoted, vec![]));
    let planned = format!("Plan: {SB}{}{SE} then answer.\n</think>Done.", r1_call("f", "{}"));
    check_with(
        F,
        &planned,
        &none(),
        forced(),
        &msg("Done.", &planned[..planned.len() - "</think>Done.".len()], vec![]),
    );
    // Calls that end the thinking block and the output count, also when the end of output is
    // the end-of-sentence token the engine did not stop on.
    let ended = format!(
        "Plan: {SB}{}{SE}\n</think>\n<｜end▁of▁sentence｜>",
        r1_call("f", "{}")
    );
    check_with(
        F,
        &ended,
        &none(),
        forced(),
        &msg("", "Plan: ", vec![call("", "f", "{}")]),
    );
    // Calls after the close count.
    let after = format!("Plan.</think>{SB}{}{SE}", r1_call("f", "{}"));
    check_with(
        F,
        &after,
        &none(),
        forced(),
        &msg("", "Plan.", vec![call("", "f", "{}")]),
    );
}

#[test]
fn reasoning_forced_open_and_implicit_end() {
    check_with(
        F,
        "Need weather.\n</think>\n\nSure.",
        &none(),
        forced(),
        &msg("\n\nSure.", "Need weather.\n", vec![]),
    );
    // The model repeats the prompt's `<think>`.
    check_with(
        F,
        "<think>\nNeed weather.\n</think>\n\nSure.",
        &none(),
        forced(),
        &msg("\n\nSure.", "\nNeed weather.\n", vec![]),
    );
    let implicit = format!("I should call it{SB}{}{SE}", r1_call("f", "{}"));
    check_with(
        F,
        &implicit,
        &none(),
        forced(),
        &msg("", "I should call it", vec![call("", "f", "{}")]),
    );
    // In reasoning, `function<…>` is prose or code, not a call.
    check_with(
        F,
        "use std::function<void()> here\n</think>ok",
        &none(),
        forced(),
        &msg("ok", "use std::function<void()> here\n", vec![]),
    );
}

#[test]
fn answer_text_around_think_is_kept() {
    // ik_llama.cpp#690: answer text lost or merged around `<think>`.
    check(
        F,
        "<think>\nI think.\n</think>\n\nThe answer is 42.",
        &none(),
        &msg("\n\nThe answer is 42.", "\nI think.\n", vec![]),
    );
    check(
        F,
        "<think>still thinking when cut",
        &none(),
        &msg("", "still thinking when cut", vec![]),
    );
    check(
        F,
        "Before <think>x</think> after",
        &none(),
        &msg("Before <think>x</think> after", "", vec![]),
    );
    let off = Options {
        reasoning: false,
        thinking_forced_open: false,
    };
    check_with(
        F,
        "<think>\nI think.\n</think>\n\nThe answer.",
        &none(),
        off,
        &msg("<think>\nI think.\n</think>\n\nThe answer.", "", vec![]),
    );
}

#[test]
fn end_of_sentence_ends_the_output() {
    check(F, &format!("Hi.{EOS}"), &none(), &msg("Hi.", "", vec![]));
    let text = format!("{SB}{}{SE}{EOS}<｜User｜>more", r1_call("f", "{}"));
    check(F, &text, &none(), &msg("", "", vec![call("", "f", "{}")]));
}

#[test]
fn cut_off_output() {
    // Cut inside the arguments: truncated, given back as content.
    let text = format!("{SB}{CB}function{SEP}write\n```json\n{{\"path\": \"a\", \"text\": \"hel");
    check(F, &text, &none(), &msg(&text, "", vec![]));
    let mid_name = format!("Hi {SB}{CB}function{SEP}get_wea");
    check(F, &mid_name, &none(), &msg(&mid_name, "", vec![]));
    let mid_fence = format!("{SB}{CB}function{SEP}get_weather\n```js");
    check(F, &mid_fence, &none(), &msg(&mid_fence, "", vec![]));
    let fenced_done_no_end = format!("{SB}{CB}function{SEP}f\n```json\n{{\"a\": 1}}\n```");
    check(
        F,
        &fenced_done_no_end,
        &none(),
        &msg("", "", vec![call("", "f", "{\"a\": 1}")]),
    );
    let tools_cut = "function\n```json\n{\"tools\": [{\"name\": \"a\", \"arguments\": {\"x\": 1";
    let p = parse(F, tools_cut, none(), Options::default()).unwrap();
    assert_eq!(p.tool_calls.len(), 0, "{p:?}");
    assert_eq!(p.content, tools_cut);
}

#[test]
fn malformed_degrades_to_content() {
    for text in [
        format!("{SB}oops{SE} ok"),
        "std::function<void()> f;".to_owned(),
        "function\n```json\n{\"location\": \"Tokyo\"}\n```".to_owned(),
        "function\n```json\n{\"tools\": []}\n```".to_owned(),
        "<tool_call>\n{\"name\": 1}\n</tool_call>".to_owned(),
        format!("{SB}{CB}function{SEP}f\nnot a fence{CE}{SE}"),
        "a function<b> c".to_owned(),
    ] {
        check(F, &text, &none(), &msg(&text, "", vec![]));
    }
    // Broken JSON after the call started: invalid, not a call; all of it is content.
    let broken = format!("{SB}{CB}function{SEP}f\n```json\n{{\"a\": 1 x}}\n```{CE}{SE}");
    check(F, &broken, &none(), &msg(&broken, "", vec![]));
}

#[test]
fn non_ascii_and_markers_in_strings() {
    let args = format!("{{\"text\": \"北京 café 😀 \\ud83d\\ude00 {CE}{SE} ``` </think>\"}}");
    let text = format!("{SB}{}{SE}", r1_call("say", &args));
    check(F, &text, &none(), &msg("", "", vec![call("", "say", &args)]));
}

#[test]
fn string_encoded_arguments_are_decoded() {
    let text = format!("{SB}{}{SE}", r1_call("f", "\"{\\\"a\\\": 1}\""));
    check(F, &text, &none(), &msg("", "", vec![call("", "f", "{\"a\": 1}")]));
}
