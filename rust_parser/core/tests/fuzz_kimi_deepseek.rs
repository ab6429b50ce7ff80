//! Seeded grammar fuzz for `kimi_k2` and the DeepSeek family: soups of each format's markers and
//! call shapes (mostly malformed), fed one-shot, char by char and in random pieces. For every
//! input: no panic, a well-formed stream, the same fold every way, valid JSON arguments.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use ggserve_parser_core::{parse, Options, Parsed};

const COMMON: &[&str] = &[
    "Hello",
    " ",
    "\n",
    "é",
    "漢字",
    "😀",
    "<",
    ">",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\\"",
    "\\ud83d",
    "\\ude00",
    "1",
    "-",
    "true",
    "null",
    "\"city\"",
    "\"Paris\"",
    "{\"city\": \"Paris\"}",
    "<think>",
    "</think>",
    "```",
    "```json\n",
    "\n```",
];

const KIMI: &[&str] = &[
    "<|tool_calls_section_begin|>",
    "<|tool_calls_section_end|>",
    "<|tool_call_section_begin|>",
    "<|tool_call_section_end|>",
    "<|tool_call_begin|>",
    "<|tool_call_end|>",
    "<|tool_call_argument_begin|>",
    "functions.get_weather:0",
    "functions.",
    "get_weather",
    ":1",
    "call00003",
    "<|im_end|>",
    "<tool_call>",
    "</tool_call>",
    "<invoke name=\"get_weather\">",
    "</invoke>",
    "<parameter name=\"city\">",
    "<parameter name=\"days\">",
    "</parameter>",
    "\"{\\\"a\\\": 1}\"",
];

const DEEPSEEK: &[&str] = &[
    "<｜tool▁calls▁begin｜>",
    "<｜tool_calls_begin｜>",
    "<｜tool▁calls｜>",
    "<｜tool▁calls▁end｜>",
    "<｜tool▁call▁begin｜>",
    "<｜tool▁call▁end｜>",
    "<｜tool▁sep｜>",
    "<｜end▁of▁sentence｜>",
    "function",
    "function<",
    "function\n```json",
    "get_weather",
    "{\"tools\": [",
    "{\"name\": \"get_weather\", \"arguments\": ",
    "]}",
    "<tool_call>",
    "</tool_call>",
];

const OPENERS: &[&str] = &[
    "<|tool_calls_section_begin|>",
    "<|tool_call_section_begin|>",
    "<｜tool▁calls▁begin｜>",
    "<｜tool_calls_begin｜>",
    "<｜tool▁calls｜>",
];
const CLOSERS: &[&str] = &[
    "<|tool_calls_section_end|>",
    "<|tool_call_section_end|>",
    "<｜tool▁calls▁end｜>",
];

fn soup(alphabet: &[&str], rng: &mut Rng) -> String {
    let n = rng.below(30);
    (0..n).map(|_| alphabet[rng.below(alphabet.len())]).collect()
}

fn check_one(format: &str, text: &str, opts: Options, rng: &mut Rng) {
    let t = tools_with(&[(
        "get_weather",
        r#"{"city": {"type": "string"}, "days": {"type": "integer"}}"#,
    )]);
    let whole = parse(format, text, t.clone(), opts).unwrap();
    for c in &whole.tool_calls {
        let ok = serde_json::from_str::<serde_json::Value>(&c.arguments).is_ok()
            || c.arguments.contains("\\ud83d")
            || c.arguments.contains("\\ude00");
        assert!(ok, "arguments {:?} of {text:?}", c.arguments);
    }
    // Nothing lost: without calls or stop tokens, every non-whitespace byte comes back as
    // reasoning then content.
    let stops = ["<|im_end|>", "<｜end▁of▁sentence｜>"];
    if whole.tool_calls.is_empty() && !stops.iter().any(|s| text.contains(s)) {
        let squash = |s: &str| s.split_whitespace().collect::<String>();
        // An empty section is markup without calls: it is dropped, not given back, so section
        // markers are left out of the comparison.
        let strip = |s: &str| {
            let mut s = squash(s);
            for m in OPENERS.iter().chain(CLOSERS).chain(&["<think>", "</think>"]) {
                s = s.replace(m, "");
            }
            s
        };
        let out = format!("{}{}", whole.reasoning_content, whole.content);
        assert_eq!(strip(&out), strip(text), "text lost from {text:?}");
    }
    let chars: Vec<&str> = text
        .char_indices()
        .map(|(i, ch)| &text[i..i + ch.len_utf8()])
        .collect();
    let ev = run(format, &chars, &t, opts);
    assert_well_formed(&ev);
    assert_eq!(Parsed::fold(&ev), whole, "char by char {text:?}");
    for _ in 0..3 {
        let pieces = random_pieces(text, rng, 12);
        let ev = run(format, &pieces, &t, opts);
        assert_well_formed(&ev);
        assert_eq!(Parsed::fold(&ev), whole, "pieces {pieces:?}");
    }
}

fn fuzz(format: &str, own: &[&str], seed: u64, cases: usize) {
    let alphabet: Vec<&str> = COMMON.iter().chain(own).copied().collect();
    let mut rng = Rng::new(seed);
    // FUZZ_F1_SCALE=N runs N times as many cases (for a longer local run).
    let scale = std::env::var("FUZZ_F1_SCALE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1);
    for i in 0..cases * scale {
        let text = soup(&alphabet, &mut rng);
        let opts = Options {
            reasoning: i % 3 != 0,
            thinking_forced_open: i % 2 == 0,
        };
        check_one(format, &text, opts, &mut rng);
    }
}

#[test]
fn kimi_k2_soups() {
    fuzz("kimi_k2", KIMI, 11, 1500);
}

#[test]
fn deepseek_soups() {
    fuzz("deepseek_r1", DEEPSEEK, 12, 1000);
    fuzz("deepseek_v3", DEEPSEEK, 13, 300);
    fuzz("deepseek_v31", DEEPSEEK, 14, 700);
}
