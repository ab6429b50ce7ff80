//! Across the tagged key/value formats: string values with quotes, backslashes, newlines, tabs,
//! control characters, CJK and emoji come out as valid JSON whose decoded value is the raw text.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use ggserve_parser_core::{parse, Options, Tools};

const RAW: &[&str] = &[
    "plain",
    "say \"hi\" and 'bye'",
    "C:\\path\\to\\file \\n not a newline \\u0041",
    "line1\nline2\r\n\ttabbed\n",
    "ctl \u{1} \u{8} \u{c} \u{1f} \u{7f} end",
    "漢字 かな 한글 café",
    "emoji 😀👍🏽 and escaped \\ud83d\\ude00",
    "json-looking {\"a\": 1} [1, 2] true null 42",
    "<b>tag</b> a < b > c & d",
    "",
];

/// The wire text of a one-parameter call to `f` with string value `raw`, per format.
fn wire(format: &str, raw: &str) -> String {
    match format {
        "qwen3_coder" => format!(
            "<tool_call>\n<function=f>\n<parameter=s>\n{raw}\n</parameter>\n</function>\n</tool_call>"
        ),
        "seed_oss" => format!(
            "<seed:tool_call><function=f><parameter=s>\n{raw}\n</parameter></function></seed:tool_call>"
        ),
        "glm45" => format!("<tool_call>f\n<arg_key>s</arg_key>\n<arg_value>{raw}</arg_value>\n</tool_call>"),
        "minimax_m2" => format!(
            "<minimax:tool_call>\n<invoke name=\"f\">\n<parameter name=\"s\">{raw}</parameter>\n</invoke>\n</minimax:tool_call>"
        ),
        _ => format!(
            "<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"s\" string=\"true\">{raw}</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜function_calls>"
        ),
    }
}

const FORMATS: [&str; 5] = ["qwen3_coder", "seed_oss", "glm45", "minimax_m2", "deepseek_v32"];

#[test]
fn string_values_round_trip_through_json() {
    let schema = tools_with(&[("f", r#"{"s":{"type":"string"}}"#)]);
    for format in FORMATS {
        for tools in [Tools::default(), schema.clone()] {
            for raw in RAW {
                let text = wire(format, raw);
                let p = parse(format, &text, tools.clone(), Options::default()).unwrap();
                assert_eq!(p.tool_calls.len(), 1, "{format} {raw:?}: {p:?}");
                assert_args_json(&p);
                let v: serde_json::Value = serde_json::from_str(&p.tool_calls[0].arguments).unwrap();
                assert_eq!(v["s"].as_str(), Some(*raw), "{format}: {p:?}");
                assert_eq!(p.content, "", "{format}: {p:?}");
                // And identically over every split.
                check(format, &text, &tools, &p);
            }
        }
    }
}

#[test]
fn cut_off_string_values_are_valid_json() {
    for format in FORMATS {
        for raw in RAW {
            let text = wire(format, raw);
            // Cut everywhere inside the value: truncated, never a call; nothing is lost.
            let Some(start) = text.find(raw).filter(|_| !raw.is_empty()) else {
                continue;
            };
            for cut in (start..start + raw.len()).filter(|&i| text.is_char_boundary(i)) {
                let p = parse(format, &text[..cut], Tools::default(), Options::default()).unwrap();
                assert!(p.tool_calls.is_empty(), "{format} {:?}: {p:?}", &text[..cut]);
                assert_eq!(p.content, &text[..cut], "{format}: {p:?}");
            }
        }
    }
}

/// Pieces the fuzzer assembles texts from, per format: markers, partial markers, names, text.
fn alphabet(format: &str) -> Vec<&'static str> {
    let mut a = vec![
        "\n",
        " ",
        "  \n",
        "x",
        "漢",
        "😀",
        "\"",
        "\\",
        "<",
        ">",
        "</",
        "=",
        "1",
        "true",
        "{\"k\": 1}",
        "<think>",
        "</think>",
        "hello world",
    ];
    a.extend_from_slice(match format {
        "qwen3_coder" => &[
            "<tool_call>",
            "</tool_call>",
            "<function=f>",
            "<function=g>",
            "</function>",
            "<parameter=s>",
            "<parameter=n>",
            "<parameter=o>",
            "</parameter>",
            "<parameter=",
            "<function=",
            "</param",
            "<tool_",
        ][..],
        "seed_oss" => &[
            "<seed:tool_call>",
            "</seed:tool_call>",
            "<function=f>",
            "</function>",
            "<parameter=s>",
            "<parameter=n>",
            "</parameter>",
            "<seed:think>",
            "</seed:think>",
            "<seed:",
        ][..],
        "glm45" => &[
            "<tool_call>",
            "</tool_call>",
            "f",
            "f\n",
            "<arg_key>",
            "</arg_key>",
            "s",
            "n",
            "<arg_value>",
            "</arg_value>",
            "<arg_",
        ][..],
        "minimax_m2" => &[
            "<minimax:tool_call>",
            "</minimax:tool_call>",
            "<invoke name=\"f\">",
            "</invoke>",
            "<parameter name=\"s\">",
            "<parameter name=\"n\">",
            "</parameter>",
            "<invoke name=\"",
        ][..],
        _ => &[
            "<｜DSML｜function_calls>",
            "</｜DSML｜function_calls>",
            "<｜DSML｜tool_calls>",
            "<｜DSML｜invoke name=\"f\">",
            "</｜DSML｜invoke>",
            "<｜DSML｜parameter name=\"s\" string=\"true\">",
            "<｜DSML｜parameter name=\"n\" string=\"false\">",
            "</｜DSML｜parameter>",
            "<｜DSML｜",
        ][..],
    });
    a
}

#[test]
fn random_texts_are_chunking_invariant_and_valid() {
    let tools = tools_with(&[(
        "f",
        r#"{"s":{"type":"string"},"n":{"type":"integer"},"o":{"type":"object"}}"#,
    )]);
    for (fi, format) in FORMATS.into_iter().enumerate() {
        let alpha = alphabet(format);
        let mut rng = Rng::new(1000 + fi as u64);
        for _ in 0..300 {
            let len = 1 + rng.below(30);
            let text: String = (0..len).map(|_| alpha[rng.below(alpha.len())]).collect();
            for opts in [
                Options::default(),
                Options {
                    reasoning: true,
                    thinking_forced_open: true,
                },
            ] {
                let p = parse(format, &text, tools.clone(), opts).unwrap();
                assert_args_json(&p);
                check_with(format, &text, &tools, opts, &p);
            }
        }
    }
}
