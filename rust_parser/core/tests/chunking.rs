//! Property tests over every registered format: token soups built from the format's own markers,
//! JSON and XML fragments, non-ASCII text and escapes — mostly malformed — fed in arbitrary
//! pieces. For every input and split: no panic, a well-formed event stream, the same fold as
//! one-shot `parse`, and valid JSON arguments on every call.

mod common;

use common::assert_well_formed;
use ggserve_parser_core::{heal_json, parse, Options, Parsed, ToolCallStream, Tools, FORMATS};
use proptest::prelude::*;

/// Fragments every format sees.
const COMMON: &[&str] = &[
    "Hello",
    " ",
    "\n",
    "é",
    "漢字",
    "😀",
    "<",
    ">",
    "/",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\\"",
    "\\n",
    "\\ud83d",
    "\\ude00",
    "\\u00e9",
    "\\u12",
    "1",
    "-",
    "2.5e3",
    "true",
    "tru",
    "null",
    "None",
    "\"name\"",
    "\"arguments\"",
    "\"parameters\"",
    "\"get_weather\"",
    "\"city\"",
    "\"Tokyo\"",
    "{\"city\": \"Paris\"}",
    "<think>",
    "</think>",
    "```json\n",
    "```",
];

/// Runs as long as (or just under, or over) the formats' length limits: 64-byte identifiers,
/// 128-byte ids, 256-byte names and tokens, 512-byte heads; multi-byte characters that straddle
/// a limit; long whitespace.
fn long_runs() -> Vec<String> {
    vec![
        "x".repeat(300),
        "x".repeat(63),
        "x".repeat(127),
        "x".repeat(255),
        "a_b".repeat(90),
        "1".repeat(300),
        "é".repeat(128),
        "\u{FFFD}".repeat(100),
        "漢".repeat(90),
        "😀".repeat(70),
        " ".repeat(40),
        " ".repeat(520),
        "\n".repeat(300),
    ]
}

/// Each format's own markers.
fn markers(format: &str) -> &'static [&'static str] {
    match format {
        "hermes" => &[
            "<tool_call>",
            "</tool_call>",
            "<function=get_weather>",
            "</function>",
            "<tools>",
            "</tools>",
        ],
        "qwen3_coder" => &[
            "<tool_call>",
            "</tool_call>",
            "<function=get_weather>",
            "</function>",
            "<parameter=city>",
            "<parameter=days>",
            "</parameter>",
        ],
        "seed_oss" => &[
            "<seed:tool_call>",
            "</seed:tool_call>",
            "<function=get_weather>",
            "</function>",
            "<parameter=city>",
            "</parameter>",
            "<seed:think>",
            "</seed:think>",
        ],
        "kimi_k2" => &[
            "<|tool_calls_section_begin|>",
            "<|tool_calls_section_end|>",
            "<|tool_call_begin|>",
            "<|tool_call_end|>",
            "<|tool_call_argument_begin|>",
            "functions.get_weather:0",
            "<|im_end|>",
            "<|tool_call_section_begin|>",
            "<invoke name=\"get_weather\">",
            "</invoke>",
            "<parameter name=\"city\">",
            "</parameter>",
            "<tool_call>",
            "</tool_call>",
        ],
        "deepseek_r1" | "deepseek_v3" | "deepseek_v31" => &[
            "<｜tool▁calls▁begin｜>",
            "<｜tool▁calls▁end｜>",
            "<｜tool▁call▁begin｜>",
            "<｜tool▁call▁end｜>",
            "<｜tool▁sep｜>",
            "function",
            "get_weather",
            "```json\n",
            "\n```",
            "<｜end▁of▁sentence｜>",
        ],
        "deepseek_v32" => &[
            "<｜DSML｜function_calls>",
            "</｜DSML｜function_calls>",
            "<｜DSML｜invoke name=\"get_weather\">",
            "</｜DSML｜invoke>",
            "<｜DSML｜parameter name=\"city\" string=\"true\">",
            "<｜DSML｜parameter name=\"days\" string=\"false\">",
            "</｜DSML｜parameter>",
        ],
        "glm45" => &[
            "<tool_call>",
            "get_weather",
            "</tool_call>",
            "<arg_key>",
            "</arg_key>",
            "<arg_value>",
            "</arg_value>",
        ],
        "gpt_oss" => &[
            "<|start|>assistant",
            "<|channel|>",
            "analysis",
            "commentary",
            "final",
            " to=functions.get_weather",
            " <|constrain|>json",
            "<|message|>",
            "<|end|>",
            "<|call|>",
            "<|return|>",
        ],
        "mistral" => &[
            "[TOOL_CALLS]",
            "[ARGS]",
            "[CALL_ID]",
            "a1B2c3D4e",
            "[THINK]",
            "[/THINK]",
        ],
        "llama3_json" => &[
            "<|python_tag|>",
            "brave_search.call(query=\"x\")",
            ";",
            "<|eom_id|>",
            "<|eot_id|>",
        ],
        "minimax_m2" => &[
            "<minimax:tool_call>",
            "</minimax:tool_call>",
            "<invoke name=\"get_weather\">",
            "</invoke>",
            "<parameter name=\"city\">",
            "<parameter name=\"days\">",
            "</parameter>",
        ],
        "pythonic" => &[
            "[get_weather(",
            "city='Paris'",
            "days=3",
            ", ",
            ")]",
            "{'a': [1, None]}",
            "<|python_start|>",
            "<|python_end|>",
            "<function_calls>",
            "</function_calls>",
            "<|eot|>",
        ],
        "lfm2" => &[
            "<|tool_call_start|>",
            "<|tool_call_end|>",
            "[get_weather(",
            "city=\"Paris\")",
            "{\"name\": \"get_weather\", \"arguments\": ",
            "<|im_end|>",
        ],
        "command_r7b" => &[
            "<|START_THINKING|>",
            "<|END_THINKING|>",
            "<|START_ACTION|>",
            "<|END_ACTION|>",
            "<|START_RESPONSE|>",
            "<|END_RESPONSE|>",
            "{\"tool_call_id\": \"0\", \"tool_name\": \"get_weather\", \"parameters\": ",
            "<|END_OF_TURN_TOKEN|>",
        ],
        "granite" => &[
            "<|tool_call|>",
            "<function_call> ",
            "<tool_call>",
            "</tool_call>",
            "<response>",
            "</response>",
            "{\"name\": \"get_weather\", \"arguments\": ",
        ],
        "functionary_v3_1" => &[
            "<function=get_weather>",
            "</function>",
            "<|python_tag|>",
            "<|eom_id|>",
            "<|eot_id|>",
        ],
        "functionary_v3_2" => &[">>>", "get_weather\n", "all\n", "python\n", "<|eot_id|>"],
        "gemma4" => &[
            "<|tool_call>",
            "<tool_call|>",
            "call:get_weather{",
            "city:",
            "<|\"|>",
            "<|channel>thought",
            "<channel|>",
            "<turn|>",
        ],
        "nemotron_v2" => &[
            "<TOOLCALL>",
            "</TOOLCALL>",
            "{\"name\": \"get_weather\", \"arguments\": ",
            "<SPECIAL_12>",
        ],
        "apertus" => &[
            "<|tools_prefix|>",
            "<|tools_suffix|>",
            "<|inner_prefix|>",
            "<|inner_suffix|>",
            "{\"get_weather\": ",
            "<|assistant_end|>",
        ],
        "llama_cpp_generic_json" => &[
            "{\"tool_call\": ",
            "{\"tool_calls\": [",
            "{\"response\": \"",
            "{\"name\": \"get_weather\", \"arguments\": ",
        ],
        "firefunction_v2" => &[" functools", "{\"name\": \"get_weather\", \"arguments\": "],
        _ => &[],
    }
}

fn tools() -> Tools {
    Tools::from_json(
        r#"[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}}}}}]"#,
    )
    .unwrap_or_default()
}

/// JSON validity as RFC 8259 defines it. serde_json refuses three things the grammar allows:
/// lone surrogate escapes (the model's text passed through), numbers beyond f64 and nesting
/// beyond its recursion limit; surrogate escapes are neutralised before parsing and the other
/// two are accepted by their error.
fn valid_json(text: &str) -> bool {
    match serde_json::from_str::<serde_json::Value>(&neutralise_surrogates(text)) {
        Ok(_) => true,
        Err(e) => {
            let why = e.to_string();
            why.contains("out of range") || why.contains("recursion limit")
        }
    }
}

/// Replaces every `\uD800`–`\uDFFF` escape by `\u0041`, leaving everything else as is.
fn neutralise_surrogates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '\\' {
            continue;
        }
        let Some(next) = chars.next() else { break };
        out.push(next);
        if next != 'u' {
            continue;
        }
        let hex: String = chars.clone().take(4).collect();
        let surrogate =
            hex.len() == 4 && u32::from_str_radix(&hex, 16).is_ok_and(|v| (0xD800..0xE000).contains(&v));
        if surrogate {
            out.push_str("0041");
            for _ in 0..4 {
                chars.next();
            }
        }
    }
    out
}

fn check_soup(format: &'static str, text: &str, cuts: &[usize], opts: Options) -> Result<(), TestCaseError> {
    let tools = tools();
    let whole = parse(format, text, tools.clone(), opts).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|c| c % (text.len() + 1))
        .filter(|&c| text.is_char_boundary(c))
        .collect();
    points.sort_unstable();
    points.dedup();
    let mut stream =
        ToolCallStream::new(format, tools, opts).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut events = Vec::new();
    let mut last = 0;
    for p in points {
        events.extend(stream.push(&text[last..p]));
        last = p;
    }
    events.extend(stream.push(&text[last..]));
    events.extend(stream.finish());
    assert_well_formed(&events);
    prop_assert_eq!(&Parsed::fold(&events), &whole, "text {:?}", text);
    for call in &whole.tool_calls {
        prop_assert!(
            valid_json(&call.arguments),
            "arguments {:?} of {:?}",
            call.arguments,
            text
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn every_format_is_chunking_invariant_and_total(
        which in 0usize..64,
        parts in prop::collection::vec(any::<usize>(), 0..40),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
        flags in 0u8..4,
    ) {
        let format = FORMATS[which % FORMATS.len()];
        let opts = Options { reasoning: flags & 1 == 0, thinking_forced_open: flags & 2 != 0 };
        let alphabet: Vec<&str> = COMMON.iter().chain(markers(format)).copied().collect();
        let text: String = parts.iter().map(|p| alphabet[p % alphabet.len()]).collect();
        check_soup(format, &text, &cuts, opts)?;
    }

    /// Long runs (names, ids, digits, non-ASCII, whitespace) reach every format's length limits
    /// (64 … 512 bytes): a limit must be hit at the same text position on every split.
    #[test]
    fn long_runs_hit_limits_at_fixed_positions(
        which in 0usize..64,
        parts in prop::collection::vec((0u8..4, any::<usize>()), 0..16),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
        flags in 0u8..4,
    ) {
        let format = FORMATS[which % FORMATS.len()];
        let opts = Options { reasoning: flags & 1 == 0, thinking_forced_open: flags & 2 != 0 };
        let long = long_runs();
        let alphabet: Vec<&str> = COMMON.iter().chain(markers(format)).copied().collect();
        let text: String = parts
            .iter()
            .map(|&(kind, p)| if kind == 0 { long[p % long.len()].as_str() } else { alphabet[p % alphabet.len()] })
            .collect();
        check_soup(format, &text, &cuts, opts)?;
    }

    #[test]
    fn heal_json_yields_valid_json_for_every_prefix(doc in json_doc()) {
        for (i, _) in doc.char_indices().chain(std::iter::once((doc.len(), ' '))) {
            let healed = heal_json(&doc[..i]);
            prop_assert!(healed.is_empty() || valid_json(&healed), "prefix {:?} healed to {:?}", &doc[..i], healed);
        }
        // A bare top-level number may still continue, so only other documents heal to themselves.
        if !doc.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            prop_assert_eq!(heal_json(&doc), doc.clone());
        }
    }
}

/// Random JSON documents (as text), with non-ASCII strings and escapes.
fn json_doc() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        any::<i32>().prop_map(|n| n.to_string()),
        (-1000.0f64..1000.0).prop_map(|f| format!("{f:e}")),
        "[a-z漢😀 \"\\\\\n]{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
        Just("\"\\ud83d\\ude00 \\u00e9\"".to_owned()),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(("[a-z]{1,6}", inner), 0..5).prop_map(|kv| {
                let members: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
                format!("{{{}}}", members.join(", "))
            }),
        ]
    })
}

/// Every prefix of a one-call output: either the call is complete (arguments whole) or it is no
/// call at all and every byte of the prefix is content. Nothing is lost, nothing half-made.
#[test]
fn every_prefix_of_a_call_is_a_whole_call_or_all_content() {
    let cases: &[(&str, &str)] = &[
        ("hermes", "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": [1, \"x\\\"y\"]}}\n</tool_call>"),
        ("mistral", "[TOOL_CALLS]f[ARGS]{\"a\": [1, \"x\"]}"),
        ("mistral", "[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {\"a\": 1}, \"id\": \"abcdefghi\"}]"),
        (
            "kimi_k2",
            "<|tool_calls_section_begin|><|tool_call_begin|>functions.f:0<|tool_call_argument_begin|>{\"a\": 1}<|tool_call_end|><|tool_calls_section_end|>",
        ),
        ("gpt_oss", "<|channel|>commentary to=functions.f <|constrain|>json<|message|>{\"a\": 1}<|call|>"),
        ("llama3_json", "{\"name\": \"f\", \"parameters\": {\"a\": 1}}"),
        ("qwen3_coder", "<tool_call>\n<function=f>\n<parameter=a>\n1\n</parameter>\n</function>\n</tool_call>"),
    ];
    for (format, text) in cases {
        for cut in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            let prefix = &text[..cut];
            let p = parse(format, prefix, Tools::default(), Options::default()).unwrap_or_default();
            assert!(p.tool_calls.len() <= 1, "{format}: {prefix:?} {p:?}");
            match p.tool_calls.first() {
                None => assert_eq!(p.content, prefix, "{format}: {prefix:?}"),
                Some(c) => {
                    assert!(valid_json(&c.arguments), "{format}: {prefix:?} {p:?}");
                    assert_eq!(c.name, "f");
                }
            }
        }
    }
}
