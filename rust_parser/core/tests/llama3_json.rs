//! `llama3_json` cases: bare JSON calls decided at the start (Ollama's rule), `;`-separated
//! calls (vLLM), `<|python_tag|>` JSON and built-ins, `code_interpreter` code, end tokens, and
//! vllm#17704 (non-ASCII arguments must not be re-serialised).

mod common;
use common::*;
use ggserve_parser_core::{Options, Tools};

const F: &str = "llama3_json";

fn none() -> Tools {
    Tools::default()
}

#[test]
fn plain_content() {
    check(F, "Hello, world!", &none(), &msg("Hello, world!", "", vec![]));
    check(
        F,
        "The weather is nice.<|eot_id|>",
        &none(),
        &msg("The weather is nice.", "", vec![]),
    );
}

#[test]
fn reference_bare_json_call() {
    check(
        F,
        "{\"name\": \"get_weather\", \"parameters\": {\"location\": \"Tokyo\"}}<|eot_id|>",
        &none(),
        &msg("", "", vec![call("", "get_weather", "{\"location\": \"Tokyo\"}")]),
    );
}

#[test]
fn type_function_and_arguments_key() {
    check(
        F,
        "\n {\"type\": \"function\", \"name\": \"f\", \"parameters\": {\"a\": 1}}",
        &none(),
        &msg("\n ", "", vec![call("", "f", "{\"a\": 1}")]),
    );
    check(
        F,
        "{\"name\": \"f\", \"arguments\": {\"a\": [true, null]}}",
        &none(),
        &msg("", "", vec![call("", "f", "{\"a\": [true, null]}")]),
    );
}

#[test]
fn semicolon_separated_calls() {
    let text = "{\"name\": \"a\", \"parameters\": {\"x\": 1}}; {\"name\": \"b\", \"parameters\": {\"y\": 2}};{\"name\": \"c\", \"parameters\": {}}<|eom_id|>";
    check(
        F,
        text,
        &none(),
        &msg(
            "",
            "",
            vec![
                call("", "a", "{\"x\": 1}"),
                call("", "b", "{\"y\": 2}"),
                call("", "c", "{}"),
            ],
        ),
    );
    let newline = "{\"name\": \"a\", \"parameters\": {}}\n{\"name\": \"b\", \"parameters\": {}}";
    check(
        F,
        newline,
        &none(),
        &msg("", "", vec![call("", "a", "{}"), call("", "b", "{}")]),
    );
}

#[test]
fn json_not_at_start_is_content() {
    let text = "Here is the call: {\"name\": \"get_weather\", \"parameters\": {\"location\": \"Tokyo\"}}";
    check(F, text, &none(), &msg(text, "", vec![]));
}

#[test]
fn json_without_name_is_content() {
    for text in [
        "{\"location\": \"Tokyo\"} is the answer",
        "{\"parameters\": {}}",
        "{}",
        "{not json}",
        "{\"name\": 5, \"parameters\": {}}",
        "{\"a\": [1, {\"b\": 2}]}\n\nDone.",
    ] {
        check(F, text, &none(), &msg(text, "", vec![]));
    }
}

#[test]
fn content_after_call() {
    check(
        F,
        "{\"name\": \"f\", \"parameters\": {}} and then some text",
        &none(),
        &msg("and then some text", "", vec![call("", "f", "{}")]),
    );
}

#[test]
fn python_tag_json_call() {
    check(
        F,
        "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"location\": \"Tokyo\"}}<|eom_id|>",
        &none(),
        &msg("", "", vec![call("", "get_weather", "{\"location\": \"Tokyo\"}")]),
    );
    check(
        F,
        "Let me look.<|python_tag|>{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"n\": 7}}",
        &none(),
        &msg("Let me look.", "", vec![call("", "a", "{}"), call("", "b", "{\"n\": 7}")]),
    );
}

#[test]
fn reference_builtin_call() {
    check(
        F,
        "<|python_tag|>brave_search.call(query=\"weather Tokyo\")<|eom_id|>",
        &none(),
        &msg(
            "",
            "",
            vec![call("", "brave_search", "{\"query\": \"weather Tokyo\"}")],
        ),
    );
}

#[test]
fn builtin_keyword_literals() {
    check(
        F,
        "<|python_tag|>wolfram_alpha.call(query='2+2', n=3, x=-1.5, exact=True, unit=None, tags=[\"a\", \"b\"], mode=fast)",
        &none(),
        &msg(
            "",
            "",
            vec![call(
                "",
                "wolfram_alpha",
                "{\"query\": \"2+2\", \"n\": 3, \"x\": -1.5, \"exact\": true, \"unit\": null, \"tags\": [\"a\", \"b\"], \"mode\": \"fast\"}",
            )],
        ),
    );
    check(
        F,
        "<|python_tag|>brave_search.call( query = \"say \\\"hi\\\"\\n\" )",
        &none(),
        &msg(
            "",
            "",
            vec![call("", "brave_search", "{\"query\": \"say \\\"hi\\\"\\n\"}")],
        ),
    );
    check(
        F,
        "<|python_tag|>f.call()",
        &none(),
        &msg("", "", vec![call("", "f", "{}")]),
    );
}

#[test]
fn code_interpreter_raw_code() {
    check(
        F,
        "<|python_tag|>import math\nprint(math.sqrt(2), \"é\")<|eom_id|>",
        &none(),
        &msg(
            "",
            "",
            vec![call(
                "",
                "code_interpreter",
                "{\"code\": \"import math\\nprint(math.sqrt(2), \\\"é\\\")\"}",
            )],
        ),
    );
    check(
        F,
        "<|python_tag|>math.sqrt(2)",
        &none(),
        &msg(
            "",
            "",
            vec![call("", "code_interpreter", "{\"code\": \"math.sqrt(2)\"}")],
        ),
    );
    check(
        F,
        "<|python_tag|>x",
        &none(),
        &msg("", "", vec![call("", "code_interpreter", "{\"code\": \"x\"}")]),
    );
}

#[test]
fn non_ascii_arguments_are_byte_identical() {
    // vllm#17704: never re-serialise (ensure_ascii drift).
    let args = "{\"city\": \"München\", \"cjk\": \"北京\", \"e\": \"😀 \\ud83d\\ude00 \\u00fc\"}";
    check(
        F,
        &format!("{{\"name\": \"w\", \"parameters\": {args}}}"),
        &none(),
        &msg("", "", vec![call("", "w", args)]),
    );
    check(
        F,
        "<|python_tag|>brave_search.call(query=\"Wetter München 😀\")",
        &none(),
        &msg(
            "",
            "",
            vec![call("", "brave_search", "{\"query\": \"Wetter München 😀\"}")],
        ),
    );
}

#[test]
fn cut_off_calls_are_given_back() {
    // Cut inside the arguments: truncated, not a call; the text is content.
    for text in [
        "{\"name\": \"write\", \"parameters\": {\"content\": \"hel",
        "{\"name\": \"add\", \"parameters\": {\"a\": 12",
        "{\"name\": \"f\"",
        "<|python_tag|>brave_search.call(query=\"wea",
        "<|python_tag|>calc.call(a=1, b=2",
        "<|python_tag|>calc.call(a=1, b",
    ] {
        check(F, text, &none(), &msg(text, "", vec![]));
    }
    // Raw code has no end of its own: it is whole at the end of output.
    let cases = [
        (
            "{\"name\": \"add\", \"parameters\": {\"a\": 12}",
            call("", "add", "{\"a\": 12}"),
        ),
        (
            "<|python_tag|>print(\"a\\",
            call("", "code_interpreter", "{\"code\": \"print(\\\"a\\\\\"}"),
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
    check(
        F,
        "<|python_tag|>{\"bad\" 1}",
        &none(),
        &msg("<|python_tag|>{\"bad\" 1}", "", vec![]),
    );
    check(
        F,
        "<|python_tag|> {\"parameters\": {}} tail",
        &none(),
        &msg("<|python_tag|> {\"parameters\": {}} tail", "", vec![]),
    );
    // A positional argument: invalid, not a call; all of it comes back as content.
    check(
        F,
        "<|python_tag|>brave_search.call(\"x\")",
        &none(),
        &msg("<|python_tag|>brave_search.call(\"x\")", "", vec![]),
    );
    // A bare (non-literal) value is kept as a string of its text, whatever it is.
    check(
        F,
        "<|python_tag|>f.call(a=1 b=2)",
        &none(),
        &msg("", "", vec![call("", "f", "{\"a\": \"1 b=2\"}")]),
    );
    check(
        F,
        "<|python_tag|>f.call(a=1, =2)",
        &none(),
        &msg("<|python_tag|>f.call(a=1, =2)", "", vec![]),
    );
}

#[test]
fn bare_tag_is_dropped() {
    check(F, "<|python_tag|><|eom_id|>", &none(), &msg("", "", vec![]));
    check(F, "Hi<|python_tag|>", &none(), &msg("Hi", "", vec![]));
}

#[test]
fn reasoning_options_change_nothing() {
    let text = "{\"name\": \"f\", \"parameters\": {}}";
    for (reasoning, forced) in [(false, false), (true, true), (false, true)] {
        let opts = Options {
            reasoning,
            thinking_forced_open: forced,
        };
        check_with(F, text, &none(), opts, &msg("", "", vec![call("", "f", "{}")]));
    }
}

#[test]
fn several_calls_in_one_piece() {
    let text = "{\"name\": \"a\", \"parameters\": {\"n\": 1}}; {\"name\": \"b\", \"parameters\": {\"n\": 2}}";
    let events = run(F, &[text], &none(), Options::default());
    assert_well_formed(&events);
    assert_eq!(ggserve_parser_core::Parsed::fold(&events).tool_calls.len(), 2);
}

/// An identifier longer than 64 bytes after `<|python_tag|>` is code, and a keyword longer than
/// 256 bytes breaks the argument list, at the same text position on every split.
#[test]
fn overlong_identifier_and_keyword() {
    let x = "x".repeat(100);
    check(
        F,
        &format!("a <|python_tag|>{x} "),
        &none(),
        &msg(
            "a ",
            "",
            vec![call("", "code_interpreter", &format!("{{\"code\": \"{x} \"}}"))],
        ),
    );
    let k = "k".repeat(300);
    check(
        F,
        &format!("a <|python_tag|>f.call({k} "),
        &none(),
        &msg(&format!("a <|python_tag|>f.call({k} "), "", vec![]),
    );
}
