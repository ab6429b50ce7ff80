//! `gpt_oss` (harmony) cases: channels, recipient placements (llama.cpp PR #15181), tool calls on
//! the analysis channel, several analysis blocks, endings, content types, malformed headers.

mod common;
use common::*;
use ggserve_parser_core::{Options, Tools};

const F: &str = "gpt_oss";

fn none() -> Tools {
    Tools::default()
}

const NO_REASONING: Options = Options {
    reasoning: false,
    thinking_forced_open: false,
};

#[test]
fn plain_text_is_content() {
    check(F, "Hello, world!", &none(), &msg("Hello, world!", "", vec![]));
    check(F, "to be or not", &none(), &msg("to be or not", "", vec![]));
}

#[test]
fn reference_analysis_then_call() {
    let text = "<|channel|>analysis<|message|>Need to call weather tool.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"location\":\"Tokyo\"}<|call|>";
    check(
        F,
        text,
        &none(),
        &msg(
            "",
            "Need to call weather tool.",
            vec![call("", "get_weather", "{\"location\":\"Tokyo\"}")],
        ),
    );
}

#[test]
fn reference_final_after_tool_result() {
    let text = "<|channel|>analysis<|message|>Sunny, say so.<|end|><|start|>assistant<|channel|>final<|message|>It is sunny.<|return|>";
    check(F, text, &none(), &msg("It is sunny.", "Sunny, say so.", vec![]));
    check(
        F,
        "<|channel|>final<|message|>It is sunny.<|end|>",
        &none(),
        &msg("It is sunny.", "", vec![]),
    );
}

#[test]
fn recipient_in_role_header() {
    // llama.cpp PR #15181: `to=` in the role header, first message and later ones.
    let first = " to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"location\": \"Tokyo\"}<|call|>";
    check(
        F,
        first,
        &none(),
        &msg("", "", vec![call("", "get_weather", "{\"location\": \"Tokyo\"}")]),
    );
    let later = "<|channel|>analysis<|message|>Call it.<|end|><|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"location\": \"Paris\"}<|call|>";
    check(
        F,
        later,
        &none(),
        &msg(
            "",
            "Call it.",
            vec![call("", "get_weather", "{\"location\": \"Paris\"}")],
        ),
    );
}

#[test]
fn tool_call_on_analysis_channel_with_code_type() {
    // vllm-mlx report: a call on the analysis channel, content type `code` (not JSON).
    let text = "<|channel|>analysis to=functions.ffgrep code<|message|>pattern \"x\"\n\tpath<|call|>";
    check(
        F,
        text,
        &none(),
        &msg(
            "",
            "",
            vec![call("", "ffgrep", "\"pattern \\\"x\\\"\\n\\tpath\"")],
        ),
    );
    let json =
        "<|channel|>analysis to=functions.search <|constrain|>json<|message|>{\"q\": \"rust\"}<|call|>";
    check(
        F,
        json,
        &none(),
        &msg("", "", vec![call("", "search", "{\"q\": \"rust\"}")]),
    );
}

#[test]
fn no_constrain_and_bare_json_type() {
    check(
        F,
        "<|channel|>commentary to=functions.f<|message|>{\"a\": 1}<|call|>",
        &none(),
        &msg("", "", vec![call("", "f", "{\"a\": 1}")]),
    );
    check(
        F,
        "<|channel|>commentary to=functions.f json<|message|> {\"a\": [1, 2]} <|call|>",
        &none(),
        &msg("", "", vec![call("", "f", "{\"a\": [1, 2]}")]),
    );
}

/// Recipients in every order and form the peers accept: before or after the channel, with the
/// content type before or after; `to=assistant` is no call; a built-in tool the request does
/// not declare (`python`, `browser.search`, `container.exec`) is no call either (its message is
/// the model's own reasoning), one it declares is.
#[test]
fn recipients_in_every_order_and_built_in_tools() {
    let weather = call("", "get_weather", "{\"city\": \"Oslo\"}");
    for text in [
        "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>",
        "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>",
        " to=functions.get_weather<|channel|>commentary json<|message|>{\"city\": \"Oslo\"}<|call|>",
        "<|channel|>commentary json to=functions.get_weather<|message|>{\"city\": \"Oslo\"}<|call|>",
        "<|channel|>analysis to=functions.get_weather json<|message|>{\"city\": \"Oslo\"}<|call|>",
        "<|channel|>commentary to=functions.get_weather<|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>",
    ] {
        check(F, text, &none(), &msg("", "", vec![weather.clone()]));
    }
    check(
        F,
        "<|channel|>commentary to=assistant<|message|>Hello.<|end|>",
        &none(),
        &msg("Hello.", "", vec![]),
    );
    check(
        F,
        "<|channel|>analysis<|message|>Look it up.<|end|><|start|>assistant<|channel|>analysis to=browser.search<|message|>{\"query\": \"x\"}<|call|>",
        &none(),
        &msg("", "Look it up.{\"query\": \"x\"}", vec![]),
    );
    check(
        F,
        "<|channel|>commentary to=container.exec code<|message|>{\"cmd\": [\"ls\"]}<|call|>",
        &none(),
        &msg("", "{\"cmd\": [\"ls\"]}", vec![]),
    );
    let python = tools_with(&[("python", r#"{"code": {"type": "string"}}"#)]);
    check(
        F,
        "<|channel|>analysis to=python code<|message|>print(1)<|call|>",
        &python,
        &msg("", "", vec![call("", "python", "\"print(1)\"")]),
    );
}

#[test]
fn non_json_body_is_a_json_string() {
    check(
        F,
        "<|channel|>commentary to=functions.f<|message|>just text<|call|>",
        &none(),
        &msg("", "", vec![call("", "f", "\"just text\"")]),
    );
    check(
        F,
        "<|channel|>commentary to=functions.f <|constrain|>text<|message|>{\"a\": 1}<|call|>",
        &none(),
        &msg("", "", vec![call("", "f", "\"{\\\"a\\\": 1}\"")]),
    );
    check(
        F,
        "<|channel|>commentary to=functions.f<|message|><|call|>",
        &none(),
        &msg("", "", vec![call("", "f", "{}")]),
    );
}

#[test]
fn several_analysis_blocks_are_concatenated() {
    let text = "<|channel|>analysis<|message|>First.<|end|><|start|>assistant<|channel|>analysis<|message|> Second.<|end|><|start|>assistant<|channel|>final<|message|>Done.<|return|>";
    check(F, text, &none(), &msg("Done.", "First. Second.", vec![]));
}

#[test]
fn preamble_then_parallel_calls() {
    let text = "<|channel|>commentary<|message|>Checking both cities.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"location\":\"Tokyo\"}<|call|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"location\":\"Paris\"}<|call|>";
    check(
        F,
        text,
        &none(),
        &msg(
            "Checking both cities.",
            "",
            vec![
                call("", "get_weather", "{\"location\":\"Tokyo\"}"),
                call("", "get_weather", "{\"location\":\"Paris\"}"),
            ],
        ),
    );
}

#[test]
fn missing_terminators() {
    // A new header ends the previous message even without `<|end|>`.
    let text = "<|channel|>analysis<|message|>think<|start|>assistant<|channel|>final<|message|>answer";
    check(F, text, &none(), &msg("answer", "think", vec![]));
    let text = "<|channel|>commentary to=functions.f<|message|>{\"a\": 1}<|channel|>final<|message|>ok";
    check(
        F,
        text,
        &none(),
        &msg("ok", "", vec![call("", "f", "{\"a\": 1}")]),
    );
}

#[test]
fn forced_open_analysis() {
    let opts = Options {
        reasoning: true,
        thinking_forced_open: true,
    };
    let text = "The user asks.<|end|><|start|>assistant<|channel|>final<|message|>Hi!<|return|>";
    check_with(F, text, &none(), opts, &msg("Hi!", "The user asks.", vec![]));
}

#[test]
fn reasoning_off_keeps_analysis_verbatim() {
    let text = "<|channel|>analysis<|message|>hm<|end|><|start|>assistant<|channel|>final<|message|>Answer<|return|>";
    check_with(
        F,
        text,
        &none(),
        NO_REASONING,
        &msg("<|channel|>analysis<|message|>hm<|end|>Answer", "", vec![]),
    );
    let call_text = "<|channel|>analysis<|message|>go<|end|><|start|>assistant<|channel|>commentary to=functions.f<|message|>{}<|call|>";
    check_with(
        F,
        call_text,
        &none(),
        NO_REASONING,
        &msg(
            "<|channel|>analysis<|message|>go<|end|>",
            "",
            vec![call("", "f", "{}")],
        ),
    );
    let forced = Options {
        reasoning: false,
        thinking_forced_open: true,
    };
    check_with(
        F,
        "hm<|end|><|start|>assistant<|channel|>final<|message|>A",
        &none(),
        forced,
        &msg("hm<|end|>A", "", vec![]),
    );
}

#[test]
fn non_ascii_arguments_are_byte_identical() {
    let args = "{\"city\":\"北京\",\"note\":\"café 😀 \\ud83d\\ude00\"}";
    let text = format!("<|channel|>commentary to=functions.say <|constrain|>json<|message|>{args}<|call|>");
    check(F, &text, &none(), &msg("", "", vec![call("", "say", args)]));
    check(
        F,
        "<|channel|>analysis<|message|>考える 🤔<|end|><|start|>assistant<|channel|>final<|message|>答え<|return|>",
        &none(),
        &msg("答え", "考える 🤔", vec![]),
    );
}

#[test]
fn markers_inside_json_strings_are_data() {
    let args = "{\"s\":\"<|call|><|end|><|start|>\"}";
    let text = format!("<|channel|>commentary to=functions.echo<|message|>{args}<|call|>");
    check(F, &text, &none(), &msg("", "", vec![call("", "echo", args)]));
}

#[test]
fn cut_off_output() {
    let cases = [
        (
            "<|channel|>commentary to=functions.write <|constrain|>json<|message|>{\"path\": \"a.txt\", \"content\": \"hel",
            msg(
                "<|channel|>commentary to=functions.write <|constrain|>json<|message|>{\"path\": \"a.txt\", \"content\": \"hel",
                "",
                vec![],
            ),
        ),
        (
            "<|channel|>commentary to=functions.add<|message|>{\"a\": 12",
            msg("<|channel|>commentary to=functions.add<|message|>{\"a\": 12", "", vec![]),
        ),
        (
            "<|channel|>commentary to=functions.add<|message|>",
            msg("<|channel|>commentary to=functions.add<|message|>", "", vec![]),
        ),
        (
            "<|channel|>commentary to=functions.add<|message|>{\"a\": 12}",
            msg("", "", vec![call("", "add", "{\"a\": 12}")]),
        ),
        (
            "<|channel|>analysis to=functions.g code<|message|>ls -l",
            msg("", "", vec![call("", "g", "\"ls -l\"")]),
        ),
        (
            "<|channel|>analysis<|message|>thinking about",
            msg("", "thinking about", vec![]),
        ),
    ];
    for (text, expected) in cases {
        assert_args_json(&expected);
        check(F, text, &none(), &expected);
    }
}

#[test]
fn malformed_headers_degrade_to_content() {
    for text in [
        "<|channel|>bogus<|message|>text<|end|>",
        "<|start|>user<|channel|>final<|message|>hi",
        "<|channel|>final",
        "<|channel|>analysis<|end|>rest",
        "<|start|>assistant",
        "<|channel|>commentary to=<|message|>x",
    ] {
        let p = ggserve_parser_core::parse(F, text, none(), Options::default()).unwrap_or_default();
        assert!(p.tool_calls.is_empty(), "{text:?}: {p:?}");
        assert!(p.reasoning_content.is_empty(), "{text:?}: {p:?}");
        check(F, text, &none(), &p);
    }
    check(
        F,
        "<|channel|>bogus<|message|>text<|end|>",
        &none(),
        &msg("<|channel|>bogus<|message|>text", "", vec![]),
    );
    check(
        F,
        "<|channel|>final",
        &none(),
        &msg("<|channel|>final", "", vec![]),
    );
    check(
        F,
        "<|channel|>analysis<|end|>rest",
        &none(),
        &msg("<|channel|>analysisrest", "", vec![]),
    );
    // A newline before `<|message|>`: not a header.
    check(
        F,
        "to=do list\n- milk",
        &none(),
        &msg("to=do list\n- milk", "", vec![]),
    );
}

#[test]
fn invalid_json_arguments_close_the_call() {
    let text = "<|channel|>commentary to=functions.f<|message|>{\"a\": 1, oops}<|call|>after";
    check(F, text, &none(), &msg(text, "", vec![]));
}

#[test]
fn several_messages_in_one_piece() {
    let text = "<|channel|>analysis<|message|>a<|end|><|start|>assistant<|channel|>commentary to=functions.x<|message|>{\"n\":1}<|call|><|start|>assistant<|channel|>commentary to=functions.y<|message|>{\"n\":22}<|call|>";
    let events = run(F, &[text], &none(), Options::default());
    assert_well_formed(&events);
    check(
        F,
        text,
        &none(),
        &msg(
            "",
            "a",
            vec![call("", "x", "{\"n\":1}"), call("", "y", "{\"n\":22}")],
        ),
    );
}

#[test]
fn overlong_header_is_content() {
    let long = "x".repeat(600);
    let text = format!("<|channel|>commentary to=functions.{long}<|message|>{{}}<|call|>");
    let p = ggserve_parser_core::parse(F, &text, none(), Options::default()).unwrap_or_default();
    assert!(p.tool_calls.is_empty(), "{p:?}");
    check(F, &text, &none(), &p);
    assert_eq!(
        p.content,
        format!("<|channel|>commentary to=functions.{long}<|message|>{{}}")
    );
}

/// An overlong header (non-ASCII, more than 512 bytes) ends at the same text position on every
/// split; trailing whitespace after it is kept.
#[test]
fn overlong_non_ascii_header_keeps_trailing_whitespace() {
    let e = "é".repeat(300);
    let text = format!("<|start|>assistant{e} ");
    check(F, &text, &none(), &msg(&text, "", vec![]));
    let x = "x".repeat(600);
    let text = format!("<|start|>assistant to=functions.{x} ");
    check(F, &text, &none(), &msg(&text, "", vec![]));
}
