//! `kimi_k2` cases: the reference's examples and variants, and the peers' Kimi bugs.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use ggserve_parser_core::{parse, Event, Options, ToolCallStream, Tools};

const F: &str = "kimi_k2";

const SB: &str = "<|tool_calls_section_begin|>";
const SE: &str = "<|tool_calls_section_end|>";
const CB: &str = "<|tool_call_begin|>";
const AB: &str = "<|tool_call_argument_begin|>";
const CE: &str = "<|tool_call_end|>";

fn none() -> Tools {
    Tools::default()
}

fn weather_tools() -> Tools {
    tools_with(&[
        ("get_weather", r#"{"city": {"type": "string"}}"#),
        ("get_time", r#"{"tz": {"type": "string"}}"#),
    ])
}

fn one_call(id: &str, args: &str) -> String {
    format!("{CB}{id}{AB}{args}{CE}")
}

#[test]
fn reference_example() {
    let text = format!(
        "<think>The user wants weather.</think>{SB}{}{SE}",
        one_call("functions.get_weather:0", "{\"city\": \"Beijing\"}")
    );
    check(
        F,
        &text,
        &none(),
        &msg(
            "",
            "The user wants weather.",
            vec![call(
                "functions.get_weather:0",
                "get_weather",
                "{\"city\": \"Beijing\"}",
            )],
        ),
    );
}

#[test]
fn ik_doc_layout_with_newlines() {
    let text = format!("{SB}\n{CB}\nfunctions.get_weather:0{AB}\n{{\"location\": \"Tokyo\"}}\n{CE}\n{SE}");
    check(
        F,
        &text,
        &none(),
        &msg(
            "",
            "",
            vec![call(
                "functions.get_weather:0",
                "get_weather",
                "{\"location\": \"Tokyo\"}",
            )],
        ),
    );
}

#[test]
fn content_before_and_after_section() {
    let text = format!(
        "Let me check.\n{SB}{}{SE}\nDone.",
        one_call("functions.get_weather:0", "{\"city\": \"Paris\"}")
    );
    check(
        F,
        &text,
        &none(),
        &msg(
            "Let me check.\n\nDone.",
            "",
            vec![call(
                "functions.get_weather:0",
                "get_weather",
                "{\"city\": \"Paris\"}",
            )],
        ),
    );
}

#[test]
fn many_calls_per_section() {
    // ik_llama.cpp#955 (only the first call parsed), vllm#24478 (several calls mis-parsed).
    let text = format!(
        "{SB}{}\n{}\n{}{SE}",
        one_call("functions.get_weather:0", "{\"city\": \"Paris\"}"),
        one_call("functions.get_time:1", "{\"tz\": \"Europe/Paris\"}"),
        one_call(
            "functions.get_weather:2",
            "{\"city\": \"Rome\", \"days\": [1, 2]}"
        ),
    );
    check(
        F,
        &text,
        &none(),
        &msg(
            "",
            "",
            vec![
                call("functions.get_weather:0", "get_weather", "{\"city\": \"Paris\"}"),
                call("functions.get_time:1", "get_time", "{\"tz\": \"Europe/Paris\"}"),
                call(
                    "functions.get_weather:2",
                    "get_weather",
                    "{\"city\": \"Rome\", \"days\": [1, 2]}",
                ),
            ],
        ),
    );
}

#[test]
fn tool_call_after_think_and_inside_unclosed_think() {
    // ik_llama.cpp#955: call after `</think>`; llama.cpp#17376: call inside `<think>`.
    let after = format!(
        "<think>\nI need the weather.\n</think>\n\n{SB}{}{SE}",
        one_call("functions.get_weather:0", "{}")
    );
    check(
        F,
        &after,
        &none(),
        &msg(
            "",
            "\nI need the weather.\n",
            vec![call("functions.get_weather:0", "get_weather", "{}")],
        ),
    );
    let inside = format!(
        "<think>I should call it{SB}{}{SE}",
        one_call("functions.get_weather:0", "{\"city\": \"Oslo\"}")
    );
    check(
        F,
        &inside,
        &none(),
        &msg(
            "",
            "I should call it",
            vec![call(
                "functions.get_weather:0",
                "get_weather",
                "{\"city\": \"Oslo\"}",
            )],
        ),
    );
    let bare_inside = format!("<think>hm {}", one_call("functions.f:0", "{\"a\": 1}"));
    check(
        F,
        &bare_inside,
        &none(),
        &msg("", "hm ", vec![call("functions.f:0", "f", "{\"a\": 1}")]),
    );
}

#[test]
fn singular_section_markers() {
    // llama.cpp#17376: `<|tool_call_section_begin|>` / `<|tool_call_section_end|>`.
    let text = format!(
        "<|tool_call_section_begin|>{}<|tool_call_section_end|>after",
        one_call("functions.f:0", "{\"a\": 1}")
    );
    check(
        F,
        &text,
        &none(),
        &msg("after", "", vec![call("functions.f:0", "f", "{\"a\": 1}")]),
    );
}

#[test]
fn missing_section_markers() {
    let text = format!(
        "Sure. {}{}",
        one_call("functions.a:0", "{\"x\": 1}"),
        one_call("functions.b:1", "{\"y\": 2}")
    );
    check(
        F,
        &text,
        &none(),
        &msg(
            "Sure. ",
            "",
            vec![
                call("functions.a:0", "a", "{\"x\": 1}"),
                call("functions.b:1", "b", "{\"y\": 2}"),
            ],
        ),
    );
}

#[test]
fn missing_call_end() {
    let expected = msg(
        "",
        "",
        vec![
            call("functions.a:0", "a", "{\"x\": 1}"),
            call("functions.b:1", "b", "{\"y\": 2}"),
        ],
    );
    let closed = format!("{SB}{CB}functions.a:0{AB}{{\"x\": 1}}{CB}functions.b:1{AB}{{\"y\": 2}}{SE}");
    check(F, &closed, &none(), &expected);
    let eof = format!("{SB}{CB}functions.a:0{AB}{{\"x\": 1}}\n{CB}functions.b:1{AB}{{\"y\": 2}}");
    check(F, &eof, &none(), &expected);
    let bare = format!("{CB}functions.a:0{AB}{{\"x\": 1}}{CB}functions.b:1{AB}{{\"y\": 2}}");
    check(F, &bare, &none(), &expected);
}

#[test]
fn any_id_token_is_passed_through_and_the_name_derived() {
    let t = weather_tools();
    let cases = [
        ("get_weather:0", "get_weather"),
        ("functions.get_time:3", "get_time"),
        // sglang#25358: an id copied from history; exo#2281: sanitised ids.
        ("functions_get_weather_1", "get_weather"),
        ("call_get_time_7", "get_time"),
        ("call00003", "call00003"),
    ];
    for (id, name) in cases {
        let text = format!("{SB}{}{SE}", one_call(id, "{\"tz\": \"UTC\"}"));
        check(
            F,
            &text,
            &t,
            &msg("", "", vec![call(id, name, "{\"tz\": \"UTC\"}")]),
        );
    }
    // Without tools: the prefix and the index are stripped.
    for (id, name) in [
        ("functions_get_weather_1", "get_weather"),
        ("get_weather:0", "get_weather"),
        ("call00003", "call00003"),
    ] {
        let text = one_call(id, "{}");
        check(F, &text, &none(), &msg("", "", vec![call(id, name, "{}")]));
    }
    // Without tools, an id whose remainder is not a function name makes no call; its text stays
    // content and the next call is made (vLLM test_invalid_funcall_id_skipped).
    let bad = format!(
        "Help. {SB}{}{}{SE}",
        one_call("functions.invalid.0", "{}"),
        one_call("functions.valid:1", "{}")
    );
    let kept = format!("Help. {SB}{}", one_call("functions.invalid.0", "{}"));
    check(
        F,
        &bad,
        &none(),
        &msg(&kept, "", vec![call("functions.valid:1", "valid", "{}")]),
    );
    // One declared tool: an id that names nothing is a call of that tool.
    let only = tools_with(&[("get_weather", r#"{"city": {"type": "string"}}"#)]);
    check(
        F,
        &one_call("call00003", "{\"city\": \"Kyiv\"}"),
        &only,
        &msg(
            "",
            "",
            vec![call("call00003", "get_weather", "{\"city\": \"Kyiv\"}")],
        ),
    );
}

#[test]
fn string_encoded_arguments_are_decoded() {
    // MoonshotAI/Kimi-K2#26.
    let text = format!(
        "{SB}{}{SE}",
        one_call(
            "functions.TodoWrite:0",
            "\"{\\\"todos\\\": [{\\\"content\\\": \\\"a\\\"}]}\""
        )
    );
    check(
        F,
        &text,
        &none(),
        &msg(
            "",
            "",
            vec![call(
                "functions.TodoWrite:0",
                "TodoWrite",
                "{\"todos\": [{\"content\": \"a\"}]}",
            )],
        ),
    );
    // A string that is not JSON stays a (valid JSON) string.
    let plain = one_call("functions.f:0", "\"just text\"");
    check(
        F,
        &plain,
        &none(),
        &msg("", "", vec![call("functions.f:0", "f", "\"just text\"")]),
    );
    // Cut inside the encoded object: truncated, given back.
    let cut = format!("{CB}functions.f:0{AB}\"{{\\\"a\\\": [1, 2");
    check(F, &cut, &none(), &msg(&cut, "", vec![]));
}

#[test]
fn xml_fallback_is_typed_from_the_schema() {
    let text = "<tool_call>\n<invoke name=\"Write\">\n<parameter name=\"file_path\">/path/to/file.txt</parameter>\n<parameter name=\"content\">File content here</parameter>\n</invoke>\n</tool_call>";
    check(
        F,
        text,
        &none(),
        &msg(
            "",
            "",
            vec![call(
                "",
                "Write",
                "{\"file_path\": \"/path/to/file.txt\", \"content\": \"File content here\"}",
            )],
        ),
    );
    let t = tools_with(&[(
        "Read",
        r#"{"file_path": {"type": "string"}, "limit": {"type": "integer"}, "raw": {"type": "boolean"}}"#,
    )]);
    let typed = "Reading.\n<tool_call>\n<invoke name=\"Read\">\n<parameter name=\"file_path\">\n/a b.txt\n</parameter>\n<parameter name=\"limit\">20</parameter>\n<parameter name=\"raw\">true</parameter>\n</invoke>\n</tool_call>";
    check(
        F,
        typed,
        &t,
        &msg(
            "Reading.\n",
            "",
            vec![call(
                "",
                "Read",
                "{\"file_path\": \"/a b.txt\", \"limit\": 20, \"raw\": true}",
            )],
        ),
    );
}

#[test]
fn bare_simple_form() {
    check(
        F,
        "functions.get_weather:0{\"location\": \"Tokyo\"}",
        &none(),
        &msg(
            "",
            "",
            vec![call(
                "functions.get_weather:0",
                "get_weather",
                "{\"location\": \"Tokyo\"}",
            )],
        ),
    );
    check(
        F,
        "Checking. functions.get_weather:0{\"location\": \"Tokyo\"} functions.get_time:1{}",
        &none(),
        &msg(
            "Checking. ",
            "",
            vec![
                call(
                    "functions.get_weather:0",
                    "get_weather",
                    "{\"location\": \"Tokyo\"}",
                ),
                call("functions.get_time:1", "get_time", "{}"),
            ],
        ),
    );
}

#[test]
fn prose_mentioning_functions_is_content() {
    let prose = "Use functions. Or functions.get_weather, functions.get:x, functions.get:0 and functions.:1{} — functions.";
    check(F, prose, &none(), &msg(prose, "", vec![]));
    // In reasoning the bare form is not a marker at all.
    let thinking = "<think>call functions.get_weather:0{\"a\": 1} maybe</think>ok";
    check(
        F,
        thinking,
        &none(),
        &msg("ok", "call functions.get_weather:0{\"a\": 1} maybe", vec![]),
    );
}

#[test]
fn im_end_ends_the_output() {
    // ik_llama.cpp PR #958: `content: "<|im_end|>"` must not happen.
    check(F, "Hello!<|im_end|>", &none(), &msg("Hello!", "", vec![]));
    check(F, "<|im_end|>", &none(), &msg("", "", vec![]));
    let after_call = format!(
        "{SB}{}{SE}<|im_end|><|im_user|>user<|im_middle|>hi",
        one_call("functions.f:0", "{}")
    );
    check(
        F,
        &after_call,
        &none(),
        &msg("", "", vec![call("functions.f:0", "f", "{}")]),
    );
    let no_section_end = format!("{SB}{}<|im_end|>", one_call("functions.f:0", "{}"));
    check(
        F,
        &no_section_end,
        &none(),
        &msg("", "", vec![call("functions.f:0", "f", "{}")]),
    );
    check(
        F,
        "<think>thinking<|im_end|>",
        &none(),
        &msg("", "thinking", vec![]),
    );
}

#[test]
fn reasoning_off_and_forced_open() {
    let off = Options {
        reasoning: false,
        thinking_forced_open: false,
    };
    check_with(
        F,
        "<think>hm</think>Answer",
        &none(),
        off,
        &msg("<think>hm</think>Answer", "", vec![]),
    );
    let forced = Options {
        reasoning: true,
        thinking_forced_open: true,
    };
    check_with(
        F,
        "Let me think.</think>The answer.",
        &none(),
        forced,
        &msg("The answer.", "Let me think.", vec![]),
    );
    // A repeated `<think>` at the start of a forced-open output is the prompt's own.
    check_with(
        F,
        "<think>Let me think.</think>The answer.",
        &none(),
        forced,
        &msg("The answer.", "Let me think.", vec![]),
    );
    let call_in_forced = format!("plan{}", one_call("functions.f:0", "{}"));
    check_with(
        F,
        &call_in_forced,
        &none(),
        forced,
        &msg("", "plan", vec![call("functions.f:0", "f", "{}")]),
    );
}

#[test]
fn cut_off_output_is_repaired() {
    // Cut inside the arguments (or before them): truncated, given back as content.
    let mid_args = format!("{SB}{CB}functions.write:0{AB}{{\"path\": \"a.txt\", \"content\": \"hel");
    check(F, &mid_args, &none(), &msg(&mid_args, "", vec![]));
    let after_arg_begin = format!("{SB}{CB}functions.f:0{AB}");
    check(F, &after_arg_begin, &none(), &msg(&after_arg_begin, "", vec![]));
    let mid_key = format!("{CB}functions.f:0{AB}{{\"a\": 1, \"ke");
    check(F, &mid_key, &none(), &msg(&mid_key, "", vec![]));
    // Whole arguments, closing markers missing: a call.
    let no_end = format!("{SB}{CB}functions.f:0{AB}{{\"a\": 1}}");
    check(
        F,
        &no_end,
        &none(),
        &msg("", "", vec![call("functions.f:0", "f", "{\"a\": 1}")]),
    );
    // Cut before the arguments: nothing is a call, everything is content.
    let mid_id = format!("Hi {SB}{CB}functions.get_wea");
    check(F, &mid_id, &none(), &msg(&mid_id, "", vec![]));
    let just_section = format!("Hi {SB}");
    check(F, &just_section, &none(), &msg(&just_section, "", vec![]));
}

#[test]
fn malformed_sections_degrade_to_content() {
    let junk = format!("{SB}oops{SE} ok");
    check(F, &junk, &none(), &msg(&junk, "", vec![]));
    let no_arg_begin = format!("{CB}functions.f:0{{\"a\": 1}}{CE}");
    check(F, &no_arg_begin, &none(), &msg(&no_arg_begin, "", vec![]));
    let xml_junk = "<tool_call>not xml</tool_call>";
    check(F, xml_junk, &none(), &msg(xml_junk, "", vec![]));
    // Text between calls of a section is content; the calls survive.
    let between = format!(
        "{SB}{} and {}{SE}",
        one_call("functions.a:0", "{}"),
        one_call("functions.b:1", "{}")
    );
    check(
        F,
        &between,
        &none(),
        &msg(
            "and ",
            "",
            vec![call("functions.a:0", "a", "{}"), call("functions.b:1", "b", "{}")],
        ),
    );
    // Broken JSON: not a call; all of its text is content, nothing is lost.
    let broken = format!("{SB}{CB}functions.a:0{AB}{{\"x\": 1 oops}}{CE}{SE}");
    check(F, &broken, &none(), &msg(&broken, "", vec![]));
}

#[test]
fn empty_arguments() {
    let text = format!("{SB}{CB}functions.now:0{AB}{CE}{SE}");
    check(
        F,
        &text,
        &none(),
        &msg("", "", vec![call("functions.now:0", "now", "{}")]),
    );
}

#[test]
fn non_ascii_arguments_are_byte_identical() {
    let args = "{\"text\": \"北京 café 😀 \\ud83d\\ude00\"}";
    let text = format!("{SB}{}{SE}", one_call("functions.say:0", args));
    check(
        F,
        &text,
        &none(),
        &msg("", "", vec![call("functions.say:0", "say", args)]),
    );
}

#[test]
fn markers_inside_argument_strings_are_data() {
    let args = format!("{{\"code\": \"{CE}{SE}{CB}<|im_end|>\"}}");
    let text = format!("{SB}{}{SE}after", one_call("functions.run:0", &args));
    check(
        F,
        &text,
        &none(),
        &msg("after", "", vec![call("functions.run:0", "run", &args)]),
    );
}

#[test]
fn large_argument_streams_incrementally() {
    // vllm#41182: a 30k-character argument section must stream, not wait for the end.
    let big: String = "lorem ipsum ".repeat(2600);
    let args = format!("{{\"content\": \"{big}\"}}");
    let text = format!("{SB}{}{SE}", one_call("functions.write:0", &args));
    let mut s = ToolCallStream::new(F, none(), Options::default()).unwrap();
    let mut streamed = 0usize;
    let mut args_events = 0usize;
    let half = text.len() / 2;
    let mut fed = 0;
    let mut before_half = 0usize;
    for chunk in text.as_bytes().chunks(7) {
        let piece = std::str::from_utf8(chunk).unwrap_or_default();
        fed += piece.len();
        for e in s.push(piece) {
            if let Event::ToolCallArgs { text, .. } = e {
                streamed += text.len();
                args_events += 1;
            }
        }
        if fed <= half {
            before_half = streamed;
        }
    }
    for e in s.finish() {
        if let Event::ToolCallArgs { text, .. } = e {
            streamed += text.len();
        }
    }
    assert_eq!(streamed, args.len());
    assert!(args_events > 1000, "{args_events} argument events");
    assert!(
        before_half > 10_000,
        "only {before_half} bytes streamed by half way"
    );
    let p = parse(F, &text, none(), Options::default()).unwrap_or_default();
    assert_eq!(p.tool_calls[0].arguments, args);
}

/// Ids and bare names longer than the limit (256 bytes) are given back at the same text
/// position on every split, so trailing whitespace after them is kept the same way.
#[test]
fn overlong_id_is_given_back_at_a_fixed_position() {
    let e = "é".repeat(200);
    let x = "x".repeat(300);
    let digits = "1".repeat(300);
    for text in [
        format!("a {CB}{e} "),
        format!("a {CB}{e}{AB}{{}}{CE} \n"),
        format!("a {SB}{CB}functions.{x}:0{AB}{{}}{CE}{SE} "),
        format!("a functions.{x} "),
        format!("a functions.{x}:0{{}} "),
        format!("a functions.x:{digits} "),
    ] {
        check(F, &text, &none(), &msg(&text, "", vec![]));
    }
    // 256 bytes is still an id.
    let id = format!("functions.{}:0", "é".repeat(122));
    let name = "é".repeat(122);
    let text = one_call(&id, "{}");
    check(F, &text, &none(), &msg("", "", vec![call(&id, &name, "{}")]));
}
