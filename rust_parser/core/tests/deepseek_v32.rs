//! `deepseek_v32` cases: DSML blocks (V3.2 `function_calls`, V4 `tool_calls`), in-band typing
//! by `string="true|false"`, reasoning.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use ggserve_parser_core::{Options, Tools};

const F: &str = "deepseek_v32";

const REFERENCE: &str = "<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"get_weather\">\n<｜DSML｜parameter name=\"location\" string=\"true\">Tokyo</｜DSML｜parameter>\n<｜DSML｜parameter name=\"days\" string=\"false\">3</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜function_calls>";

#[test]
fn reference_example() {
    check(
        F,
        REFERENCE,
        &Tools::default(),
        &msg(
            "",
            "",
            vec![call("", "get_weather", "{\"location\": \"Tokyo\", \"days\": 3}")],
        ),
    );
}

#[test]
fn v4_block_name() {
    let text = REFERENCE.replace("function_calls", "tool_calls");
    check(
        F,
        &text,
        &Tools::default(),
        &msg(
            "",
            "",
            vec![call("", "get_weather", "{\"location\": \"Tokyo\", \"days\": 3}")],
        ),
    );
}

#[test]
fn end_of_sentence_ends_the_output() {
    // vLLM tests/tool_use/test_deepseek_v32_tool_parser.py: the turn end after the block is not
    // content; nothing after it is either.
    let text = format!("{REFERENCE}<｜end▁of▁sentence｜>");
    let expected = msg(
        "",
        "",
        vec![call("", "get_weather", "{\"location\": \"Tokyo\", \"days\": 3}")],
    );
    check(F, &text, &Tools::default(), &expected);
    check(F, &format!("{text}\nleftover"), &Tools::default(), &expected);
    check(
        F,
        "Plain answer.<｜end▁of▁sentence｜>",
        &Tools::default(),
        &msg("Plain answer.", "", vec![]),
    );
}

#[test]
fn typing_is_in_band_not_from_the_schema() {
    // The schema says integer, but `string="true"` makes it a string; `string="false"` values
    // must be JSON and fall back to a string.
    let t = tools_with(&[("f", r#"{"a":{"type":"integer"},"b":{"type":"string"}}"#)]);
    let text = "<｜DSML｜function_calls><｜DSML｜invoke name=\"f\"><｜DSML｜parameter name=\"a\" string=\"true\">7</｜DSML｜parameter><｜DSML｜parameter name=\"b\" string=\"false\">{\"k\": [true, null]}</｜DSML｜parameter><｜DSML｜parameter name=\"c\" string=\"false\">not json</｜DSML｜parameter><｜DSML｜parameter name=\"d\" string=\"false\">True</｜DSML｜parameter><｜DSML｜parameter name=\"e\" string=\"false\"> -1.5e3 </｜DSML｜parameter><｜DSML｜parameter name=\"g\">5</｜DSML｜parameter></｜DSML｜invoke></｜DSML｜function_calls>";
    let expected = msg(
        "",
        "",
        vec![call(
            "",
            "f",
            "{\"a\": \"7\", \"b\": {\"k\": [true, null]}, \"c\": \"not json\", \"d\": true, \"e\": -1.5e3, \"g\": \"5\"}",
        )],
    );
    check(F, text, &t, &expected);
    assert_args_json(&expected);
    // Without the attribute the schema decides.
    let t2 = tools_with(&[("f", r#"{"g":{"type":"integer"}}"#)]);
    check(
        F,
        "<｜DSML｜function_calls><｜DSML｜invoke name=\"f\"><｜DSML｜parameter name=\"g\">5</｜DSML｜parameter></｜DSML｜invoke></｜DSML｜function_calls>",
        &t2,
        &msg("", "", vec![call("", "f", "{\"g\": 5}")]),
    );
}

#[test]
fn thinking_prose_and_parallel_invokes() {
    let text = "<think>Two cities.</think>Checking both.\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"get_weather\">\n<｜DSML｜parameter name=\"location\" string=\"true\">Tokyo</｜DSML｜parameter>\n</｜DSML｜invoke>\n<｜DSML｜invoke name=\"get_weather\">\n<｜DSML｜parameter name=\"location\" string=\"true\">北京</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜function_calls>";
    check(
        F,
        text,
        &Tools::default(),
        &msg(
            "Checking both.\n\n",
            "Two cities.",
            vec![
                call("", "get_weather", "{\"location\": \"Tokyo\"}"),
                call("", "get_weather", "{\"location\": \"北京\"}"),
            ],
        ),
    );
}

#[test]
fn reasoning_forced_open_implicit_end_and_off() {
    let forced = Options {
        reasoning: true,
        thinking_forced_open: true,
    };
    check_with(
        F,
        "plan</think>Answer",
        &Tools::default(),
        forced,
        &msg("Answer", "plan", vec![]),
    );
    check_with(
        F,
        "plan\n<｜DSML｜function_calls><｜DSML｜invoke name=\"f\"></｜DSML｜invoke></｜DSML｜function_calls>",
        &Tools::default(),
        forced,
        &msg("", "plan\n", vec![call("", "f", "{}")]),
    );
    let off = Options {
        reasoning: false,
        thinking_forced_open: false,
    };
    check_with(
        F,
        "<think>plan</think>Answer",
        &Tools::default(),
        off,
        &msg("<think>plan</think>Answer", "", vec![]),
    );
}

#[test]
fn string_values_kept_exactly() {
    let raw = "\n  x </｜DSML｜parameter> y\n";
    let text = format!("<｜DSML｜function_calls><｜DSML｜invoke name=\"f\"><｜DSML｜parameter name=\"s\" string=\"true\">{raw}</｜DSML｜parameter></｜DSML｜invoke></｜DSML｜function_calls>");
    check(
        F,
        &text,
        &Tools::default(),
        &msg(
            "",
            "",
            vec![call(
                "",
                "f",
                &format!("{{\"s\": {}}}", serde_json::to_string(raw).unwrap()),
            )],
        ),
    );
}

#[test]
fn cut_off_and_malformed() {
    // Cut inside a value: truncated, given back as content.
    for text in [
        "<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"s\" string=\"true\">Tok",
        "<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"n\" string=\"false\">12",
        "<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"o\" string=\"false\">{\"a\": ",
    ] {
        check(F, text, &Tools::default(), &msg(text, "", vec![]));
    }
    // Cut after a closed value: the arguments are whole, it is a call.
    for (text, args) in [
        ("<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"n\" string=\"false\">1</｜DSML｜parameter>\n</｜DSML｜inv", "{\"n\": 1}"),
        ("<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"n\" string=\"false\">1</｜DSML｜parameter>", "{\"n\": 1}"),
    ] {
        let p = ggserve_parser_core::parse(F, text, Tools::default(), Options::default()).unwrap();
        assert_args_json(&p);
        assert_eq!(p.tool_calls.len(), 1, "{p:?}");
        assert_eq!(p.tool_calls[0].arguments, args, "{text:?}");
        check(F, text, &Tools::default(), &p);
    }
    for text in [
        "<｜DSML｜function_calls>\nnope",
        "<｜DSML｜function_calls>",
        "text <｜DSML｜func",
    ] {
        check(F, text, &Tools::default(), &msg(text, "", vec![]));
    }
}
