//! `mistral` cases: pre-v11 array, v11+ `[ARGS]` / `[CALL_ID]`, Magistral `[THINK]`, and the
//! peers' bugs (vllm#17585, vllm#13622, llama.cpp#14101).

mod common;
use common::*;
use ggserve_parser_core::{Options, Tools};

const F: &str = "mistral";

fn none() -> Tools {
    Tools::default()
}

#[test]
fn plain_content() {
    check(F, "Hello, world!", &none(), &msg("Hello, world!", "", vec![]));
}

#[test]
fn reference_pre_v11_array_with_id() {
    let text = "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Tokyo\"}, \"id\": \"a1B2c3D4e\"}]";
    // The id comes after the arguments: it is the call's id (the call starts when its object
    // closes, so that its start carries it).
    check(
        F,
        text,
        &none(),
        &msg(
            "",
            "",
            vec![call("a1B2c3D4e", "get_weather", "{\"location\": \"Tokyo\"}")],
        ),
    );
    let two = "[TOOL_CALLS] [{\"arguments\": {\"arg1\": 1}, \"name\": \"special_function\", \"id\": \"123456789\"}, {\"name\": \"g\", \"arguments\": {}, \"id\": \"abcdefghi\"}]";
    check(
        F,
        two,
        &none(),
        &msg(
            "",
            "",
            vec![
                call("123456789", "special_function", "{\"arg1\": 1}"),
                call("abcdefghi", "g", "{}"),
            ],
        ),
    );
}

#[test]
fn pre_v11_id_before_arguments_is_the_call_id() {
    let text = "[TOOL_CALLS][{\"name\": \"get_weather\", \"id\": \"a1B2c3D4e\", \"arguments\": {\"location\": \"Tokyo\"}}, {\"id\": \"Zz9Yy8Xx7\", \"name\": \"get_time\", \"arguments\": {\"tz\": \"Asia/Tokyo\"}}]";
    check(
        F,
        text,
        &none(),
        &msg(
            "",
            "",
            vec![
                call("a1B2c3D4e", "get_weather", "{\"location\": \"Tokyo\"}"),
                call("Zz9Yy8Xx7", "get_time", "{\"tz\": \"Asia/Tokyo\"}"),
            ],
        ),
    );
}

#[test]
fn pre_v11_parallel_calls_with_prose_around() {
    // llama.cpp#14101: every call of a parallel list is parsed.
    let text = "Let me check both.[TOOL_CALLS] [ {\"name\": \"a\", \"arguments\": {\"x\": 1}} ,\n {\"name\": \"b\", \"parameters\": {\"y\": [1, 2]}}, {\"name\": \"c\", \"arguments\": {}} ]</s>";
    check(
        F,
        text,
        &none(),
        &msg(
            "Let me check both.</s>",
            "",
            vec![
                call("", "a", "{\"x\": 1}"),
                call("", "b", "{\"y\": [1, 2]}"),
                call("", "c", "{}"),
            ],
        ),
    );
}

#[test]
fn reference_v11_two_calls() {
    let text = "[TOOL_CALLS]get_weather[ARGS]{\"location\": \"Tokyo\"}[TOOL_CALLS]get_time[ARGS]{\"tz\": \"Asia/Tokyo\"}";
    check(
        F,
        text,
        &none(),
        &msg(
            "",
            "",
            vec![
                call("", "get_weather", "{\"location\": \"Tokyo\"}"),
                call("", "get_time", "{\"tz\": \"Asia/Tokyo\"}"),
            ],
        ),
    );
}

#[test]
fn v11_call_id() {
    let text = "Checking.[TOOL_CALLS]get_weather[CALL_ID]a1B2c3D4e[ARGS]{\"location\": \"Tokyo\"}[TOOL_CALLS]get_time[CALL_ID]b2C3d4E5f[ARGS]{}";
    check(
        F,
        text,
        &none(),
        &msg(
            "Checking.",
            "",
            vec![
                call("a1B2c3D4e", "get_weather", "{\"location\": \"Tokyo\"}"),
                call("b2C3d4E5f", "get_time", "{}"),
            ],
        ),
    );
}

#[test]
fn v11_without_args_marker_and_content_after() {
    let text = "[TOOL_CALLS]get_weather{\"location\": \"Paris\"} done";
    check(
        F,
        text,
        &none(),
        &msg(
            " done",
            "",
            vec![call("", "get_weather", "{\"location\": \"Paris\"}")],
        ),
    );
}

#[test]
fn single_bare_object() {
    let text = "[TOOL_CALLS]{\"name\": \"f\", \"arguments\": {\"a\": true}}";
    check(
        F,
        text,
        &none(),
        &msg("", "", vec![call("", "f", "{\"a\": true}")]),
    );
}

#[test]
fn integer_arguments_at_chunk_boundaries() {
    // vllm#13622 / vllm#17585: integers (and a number right before the closing brace) must
    // survive every split; the harness splits at every byte.
    let text =
        "[TOOL_CALLS]add[ARGS]{\"a\": 1234567, \"b\": -42.5e3}[TOOL_CALLS]add[ARGS]{\"a\": 0, \"b\": 10}";
    check(
        F,
        text,
        &none(),
        &msg(
            "",
            "",
            vec![
                call("", "add", "{\"a\": 1234567, \"b\": -42.5e3}"),
                call("", "add", "{\"a\": 0, \"b\": 10}"),
            ],
        ),
    );
    let arr = "[TOOL_CALLS][{\"name\": \"add\", \"arguments\": {\"a\": 3, \"b\": 99}}, {\"name\": \"add\", \"arguments\": {\"a\": 7, \"b\": 100000}}]";
    check(
        F,
        arr,
        &none(),
        &msg(
            "",
            "",
            vec![
                call("", "add", "{\"a\": 3, \"b\": 99}"),
                call("", "add", "{\"a\": 7, \"b\": 100000}"),
            ],
        ),
    );
}

#[test]
fn several_calls_in_one_piece() {
    let text = "[TOOL_CALLS]a[ARGS]{\"n\": 1}[TOOL_CALLS]b[ARGS]{\"n\": 2}[TOOL_CALLS]c[ARGS]{\"n\": 3}";
    let events = run(F, &[text], &none(), Options::default());
    assert_well_formed(&events);
    check(
        F,
        text,
        &none(),
        &msg(
            "",
            "",
            vec![
                call("", "a", "{\"n\": 1}"),
                call("", "b", "{\"n\": 2}"),
                call("", "c", "{\"n\": 3}"),
            ],
        ),
    );
}

#[test]
fn magistral_think_then_call() {
    let text = "[THINK]The user wants the weather.[/THINK]Sure.[TOOL_CALLS]get_weather[ARGS]{\"location\": \"Tokyo\"}";
    check(
        F,
        text,
        &none(),
        &msg(
            "Sure.",
            "The user wants the weather.",
            vec![call("", "get_weather", "{\"location\": \"Tokyo\"}")],
        ),
    );
}

#[test]
fn think_forced_open_and_tool_call_ends_reasoning() {
    let opts = Options {
        reasoning: true,
        thinking_forced_open: true,
    };
    check_with(
        F,
        "Need data.[TOOL_CALLS]f[ARGS]{}",
        &none(),
        opts,
        &msg("", "Need data.", vec![call("", "f", "{}")]),
    );
    check_with(
        F,
        "Need data.[/THINK]Answer.",
        &none(),
        opts,
        &msg("Answer.", "Need data.", vec![]),
    );
}

#[test]
fn reasoning_off_keeps_think_verbatim() {
    let opts = Options {
        reasoning: false,
        thinking_forced_open: false,
    };
    check_with(
        F,
        "[THINK]hm[/THINK]Answer",
        &none(),
        opts,
        &msg("[THINK]hm[/THINK]Answer", "", vec![]),
    );
}

#[test]
fn non_ascii_arguments_are_byte_identical() {
    let args = "{\"text\": \"北京 café 😀 \\ud83d\\ude00 \\u00e9\"}";
    check(
        F,
        &format!("[TOOL_CALLS]say[ARGS]{args}"),
        &none(),
        &msg("", "", vec![call("", "say", args)]),
    );
    check(
        F,
        &format!("[TOOL_CALLS][{{\"name\": \"say\", \"arguments\": {args}}}]"),
        &none(),
        &msg("", "", vec![call("", "say", args)]),
    );
}

#[test]
fn markers_inside_argument_strings_are_data() {
    let args = "{\"s\": \"[TOOL_CALLS]x[ARGS]{}]\"}";
    check(
        F,
        &format!("[TOOL_CALLS]echo[ARGS]{args}"),
        &none(),
        &msg("", "", vec![call("", "echo", args)]),
    );
}

#[test]
fn cut_off_calls_are_given_back() {
    for text in [
        "[TOOL_CALLS]write[ARGS]{\"path\": \"a.txt\", \"content\": \"hel",
        "[TOOL_CALLS]add[ARGS]{\"a\": 12",
        "[TOOL_CALLS][{\"name\": \"add\", \"arguments\": {\"a\": 12",
        "[TOOL_CALLS][{\"name\": \"add\", \"arguments\": {\"a\": [1, {\"b\": \"\\ud83d",
        "[TOOL_CALLS][{\"name\": \"f\"",
    ] {
        check(F, text, &none(), &msg(text, "", vec![]));
    }
    // Whole arguments, closers missing: calls.
    let cases = [
        ("[TOOL_CALLS]add[ARGS]{\"a\": 12}", call("", "add", "{\"a\": 12}")),
        (
            "[TOOL_CALLS][{\"name\": \"add\", \"arguments\": {\"a\": 12}",
            call("", "add", "{\"a\": 12}"),
        ),
    ];
    for (text, c) in cases {
        let expected = msg("", "", vec![c]);
        assert_args_json(&expected);
        check(F, text, &none(), &expected);
    }
}

#[test]
fn malformed_degrades_to_content() {
    for text in [
        "[TOOL_CALLS]",
        "[TOOL_CALLS]get_weather",
        "[TOOL_CALLS]get_weather[ARG",
        "[TOOL_CALLS]get_weather[CALL_ID]abc",
        "[TOOL_CALLS]get_weather[ARGS]",
        "[TOOL_CALLS]get_weather[ARGS]oops",
        "[TOOL_CALLS]get_weather[OTHER]{}",
        "[TOOL_CALLS]!!",
        "[TOOL_CALLS][\"a\", \"b\"]",
        "[TOOL_CALLS][{\"arguments\": {}}]",
        "[TOOL_CALLS][{\"bad\" 1}]",
        "[TOOL_CALLS][",
    ] {
        check(F, text, &none(), &msg(text, "", vec![]));
    }
    // A marker that turns out not to open a call comes back byte-identical, with the
    // whitespace before it.
    check(
        F,
        "a [TOOL_CALLS]x y [TOOL_CALLS] !z",
        &none(),
        &msg("a [TOOL_CALLS]x y [TOOL_CALLS] !z", "", vec![]),
    );
    check(
        F,
        "[TOOL_CALLS] nope [TOOL_CALLS]f[ARGS]{}",
        &none(),
        &msg("[TOOL_CALLS] nope ", "", vec![call("", "f", "{}")]),
    );
}

#[test]
fn broken_second_element_keeps_first_call() {
    let text = "[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {}}, nope]";
    check(F, text, &none(), &msg(", nope]", "", vec![call("", "a", "{}")]));
}

#[test]
fn invalid_arguments_close_the_call() {
    let text = "[TOOL_CALLS]f[ARGS]{\"a\": 1, oops} tail";
    check(F, text, &none(), &msg(text, "", vec![]));
}

#[test]
fn empty_list_is_no_call() {
    check(F, "[TOOL_CALLS][]Hi", &none(), &msg("Hi", "", vec![]));
}

/// Names and ids longer than their limits (256 / 128 bytes) are given back at the same text
/// position on every split.
#[test]
fn overlong_name_or_id_is_content() {
    let x = "x".repeat(300);
    let a = "a".repeat(200);
    for text in [
        format!("a [TOOL_CALLS]{x} "),
        format!("a [TOOL_CALLS]{x}[ARGS]{{}} \n"),
        format!("a [TOOL_CALLS]f[CALL_ID]{a} "),
        format!("a [TOOL_CALLS]f[CALL_ID]{a}[ARGS]{{}} "),
    ] {
        check(F, &text, &none(), &msg(&text, "", vec![]));
    }
    let name = "x".repeat(256);
    let text = format!("[TOOL_CALLS]{name}[ARGS]{{}}");
    check(F, &text, &none(), &msg("", "", vec![call("", &name, "{}")]));
}
