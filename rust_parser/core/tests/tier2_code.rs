//! Tier-2 formats whose calls are code-like: `pythonic` (Llama 3.2/4, ToolACE, Olmo 3), `lfm2`'s
//! pythonic form, `functionary_v3_1`, `functionary_v3_2` and `gemma4`. Cases follow the peers'
//! own tests (vLLM `tests/tool_use/test_pythonic_tool_parser.py`, `test_olmo3_tool_parser.py`,
//! `test_gemma4_tool_parser.py`, llama.cpp `tests/test-chat.cpp`), each checked one-shot, char
//! by char, at every two-way split and over random splits.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use ggserve_parser_core::{parse, Options, Tools};

fn t() -> Tools {
    Tools::default()
}

const SIMPLE: &str = "get_weather(city='San Francisco', metric='celsius')";
const SIMPLE_ARGS: &str = r#"{"city": "San Francisco", "metric": "celsius"}"#;
const MORE_TYPES: &str = "register_user(name='John Doe', age=37, address={'city': 'San Francisco', 'state': 'CA'}, role=None, passed_test=True, aliases=['John', 'Johnny'])";
const MORE_TYPES_ARGS: &str = r#"{"name": "John Doe", "age": 37, "address": {"city": "San Francisco", "state": "CA"}, "role": null, "passed_test": true, "aliases": ["John", "Johnny"]}"#;

#[test]
fn pythonic_lists() {
    check(
        "pythonic",
        &format!("[{SIMPLE}]"),
        &t(),
        &msg("", "", vec![call("", "get_weather", SIMPLE_ARGS)]),
    );
    check(
        "pythonic",
        &format!("[{MORE_TYPES}]"),
        &t(),
        &msg("", "", vec![call("", "register_user", MORE_TYPES_ARGS)]),
    );
    check(
        "pythonic",
        "[get_weather()]",
        &t(),
        &msg("", "", vec![call("", "get_weather", "{}")]),
    );
    check(
        "pythonic",
        "[do_something_cool(additional_data={}, steps=[])]",
        &t(),
        &msg(
            "",
            "",
            vec![call(
                "",
                "do_something_cool",
                r#"{"additional_data": {}, "steps": []}"#,
            )],
        ),
    );
    check(
        "pythonic",
        r#"[get_weather(city='Martha\'s Vineyard', metric='"cool units"')]"#,
        &t(),
        &msg(
            "",
            "",
            vec![call(
                "",
                "get_weather",
                r#"{"city": "Martha's Vineyard", "metric": "\"cool units\""}"#,
            )],
        ),
    );
    check(
        "pythonic",
        &format!("[{SIMPLE}, {MORE_TYPES}]"),
        &t(),
        &msg(
            "",
            "",
            vec![
                call("", "get_weather", SIMPLE_ARGS),
                call("", "register_user", MORE_TYPES_ARGS),
            ],
        ),
    );
}

#[test]
fn pythonic_wrappers() {
    check(
        "pythonic",
        &format!("<|python_start|>[{SIMPLE}]<|python_end|>"),
        &t(),
        &msg("", "", vec![call("", "get_weather", SIMPLE_ARGS)]),
    );
    // Olmo 3: one call per line, JSON literals accepted.
    check(
        "pythonic",
        "<function_calls>\nget_weather(city=\"San Francisco\", metric=\"celsius\")\nregister_user(name=\"John Doe\", age=37, role=null, passed_test=true)\n</function_calls>",
        &t(),
        &msg(
            "",
            "",
            vec![
                call("", "get_weather", SIMPLE_ARGS),
                call("", "register_user", r#"{"name": "John Doe", "age": 37, "role": null, "passed_test": true}"#),
            ],
        ),
    );
    check(
        "pythonic",
        "<think>Weather.</think><function_calls>\nget_weather(city=\"Paris\")\n</function_calls>",
        &t(),
        &msg(
            "",
            "Weather.",
            vec![call("", "get_weather", r#"{"city": "Paris"}"#)],
        ),
    );
}

#[test]
fn pythonic_prose_is_content() {
    for text in [
        "Hello, world!",
        "[1, 2, 3] are numbers.",
        "[Note] see below",
        "Sure: [get_weather(city='x')]",
    ] {
        check("pythonic", text, &t(), &msg(text, "", vec![]));
    }
    // A list that breaks after a complete call: the call stands, the rest is content.
    check(
        "pythonic",
        "[f(a=1), 2]",
        &t(),
        &msg(", 2]", "", vec![call("", "f", r#"{"a": 1}"#)]),
    );
}

#[test]
fn lfm2_pythonic() {
    check(
        "lfm2",
        "<|tool_call_start|>[get_weather(location=\"Tokyo\"), get_time(tz=\"JST\")]<|tool_call_end|>Checking.",
        &t(),
        &msg(
            "Checking.",
            "",
            vec![call("", "get_weather", r#"{"location": "Tokyo"}"#), call("", "get_time", r#"{"tz": "JST"}"#)],
        ),
    );
    check(
        "lfm2",
        "<think>Need it.</think><|tool_call_start|>[get_weather(location='東京')]<|tool_call_end|>",
        &t(),
        &msg(
            "",
            "Need it.",
            vec![call("", "get_weather", r#"{"location": "東京"}"#)],
        ),
    );
}

#[test]
fn functionary_v3_1() {
    check(
        "functionary_v3_1",
        r#"<function=special_function>{"arg1": 1}</function>"#,
        &t(),
        &msg("", "", vec![call("", "special_function", r#"{"arg1": 1}"#)]),
    );
    check(
        "functionary_v3_1",
        "Hello, world!",
        &t(),
        &msg("Hello, world!", "", vec![]),
    );
    check(
        "functionary_v3_1",
        r#"Sure.<function=a>{"x": 1}</function><function=b>{}</function><|eot_id|>"#,
        &t(),
        &msg(
            "Sure.",
            "",
            vec![call("", "a", r#"{"x": 1}"#), call("", "b", "{}")],
        ),
    );
    check(
        "functionary_v3_1",
        "<|python_tag|>print('hey')\nprint(\"é\")<|eom_id|>",
        &t(),
        &msg(
            "",
            "",
            vec![call("", "python", r#"{"code": "print('hey')\nprint(\"é\")"}"#)],
        ),
    );
}

#[test]
fn functionary_v3_2() {
    check(
        "functionary_v3_2",
        "special_function\n{\"arg1\": 1}",
        &t(),
        &msg("", "", vec![call("", "special_function", r#"{"arg1": 1}"#)]),
    );
    check(
        "functionary_v3_2",
        "all\nHello, world!",
        &t(),
        &msg("Hello, world!", "", vec![]),
    );
    check(
        "functionary_v3_2",
        "all\nLet me check.>>>get_weather\n{\"location\": \"Tokyo\"}>>>get_time\n{}",
        &t(),
        &msg(
            "Let me check.",
            "",
            vec![
                call("", "get_weather", r#"{"location": "Tokyo"}"#),
                call("", "get_time", "{}"),
            ],
        ),
    );
    check(
        "functionary_v3_2",
        "python\n# This is a program:\nprint('hey')",
        &t(),
        &msg(
            "",
            "",
            vec![call(
                "",
                "python",
                r##"{"code": "# This is a program:\nprint('hey')"}"##,
            )],
        ),
    );
    check(
        "functionary_v3_2",
        "python\n{\"code\": \"print(1)\"}",
        &t(),
        &msg("", "", vec![call("", "python", r#"{"code": "print(1)"}"#)]),
    );
    // A head that is not `WORD\n` is content.
    check(
        "functionary_v3_2",
        "Hello there",
        &t(),
        &msg("Hello there", "", vec![]),
    );
}

#[test]
fn gemma4_calls() {
    check(
        "gemma4",
        r#"<|tool_call>call:get_weather{location:<|"|>London<|"|>}<tool_call|>"#,
        &t(),
        &msg("", "", vec![call("", "get_weather", r#"{"location": "London"}"#)]),
    );
    check(
        "gemma4",
        r#"Let me check the weather for you. <|tool_call>call:get_weather{location:<|"|>San Francisco<|"|>,unit:<|"|>celsius<|"|>}<tool_call|><|tool_call>call:get_time{location:<|"|>London<|"|>}<tool_call|>"#,
        &t(),
        &msg(
            "Let me check the weather for you. ",
            "",
            vec![
                call(
                    "",
                    "get_weather",
                    r#"{"location": "San Francisco", "unit": "celsius"}"#,
                ),
                call("", "get_time", r#"{"location": "London"}"#),
            ],
        ),
    );
    check(
        "gemma4",
        r#"<|tool_call>call:complex_function{nested:{inner:<|"|>value<|"|>},list:[<|"|>a<|"|>,<|"|>b<|"|>]}<tool_call|>"#,
        &t(),
        &msg(
            "",
            "",
            vec![call(
                "",
                "complex_function",
                r#"{"nested": {"inner": "value"}, "list": ["a", "b"]}"#,
            )],
        ),
    );
    check(
        "gemma4",
        "<|tool_call>call:set_status{is_active:true,count:42,score:3.14,none:null}<tool_call|>",
        &t(),
        &msg(
            "",
            "",
            vec![call(
                "",
                "set_status",
                r#"{"is_active": true, "count": 42, "score": 3.14, "none": null}"#,
            )],
        ),
    );
    check(
        "gemma4",
        "<|tool_call>call:get-weather.v2{}<tool_call|>",
        &t(),
        &msg("", "", vec![call("", "get-weather.v2", "{}")]),
    );
    check(
        "gemma4",
        r#"<|tool_call>call:get_weather{location:<|"|>上海 "quoted" \ <|"|>}<tool_call|>"#,
        &t(),
        &msg(
            "",
            "",
            vec![call("", "get_weather", r#"{"location": "上海 \"quoted\" \\ "}"#)],
        ),
    );
}

#[test]
fn gemma4_thought_channel() {
    check(
        "gemma4",
        "<|channel>thought\nNeed the weather.<channel|><|tool_call>call:f{a:1}<tool_call|>",
        &t(),
        &msg("", "Need the weather.", vec![call("", "f", r#"{"a": 1}"#)]),
    );
    check(
        "gemma4",
        "<|channel>thought\nHmm.<channel|>It is sunny.<turn|>",
        &t(),
        &msg("It is sunny.", "Hmm.", vec![]),
    );
    // Not a call: given back.
    check(
        "gemma4",
        "<|tool_call>hello",
        &t(),
        &msg("<|tool_call>hello", "", vec![]),
    );
}

#[test]
fn cut_code_calls_are_truncated_and_given_back() {
    for (format, text) in [
        ("pythonic", "[get_weather(city='San Fr"),
        ("pythonic", "[f(a={'b': [1, 2"),
        ("lfm2", "<|tool_call_start|>[f(x=\"y"),
        ("functionary_v3_1", "<function=f>{\"a\": \"b"),
        ("functionary_v3_2", "f\n{\"a\": [1"),
        ("gemma4", "<|tool_call>call:f{a:<|\"|>xy<|"),
        ("gemma4", "<|tool_call>call:f{a:{b:[1,tr"),
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
