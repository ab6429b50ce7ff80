//! Fuzz target over the whole public surface: for any input, any format and any split,
//! `push`/`finish` never panic, the stream is well-formed, its fold equals `parse`, every
//! completed call's arguments are valid JSON, a call that is not complete is followed by its
//! raw text, and `heal_json` returns valid JSON (or nothing).
#![no_main]

use ggserve_parser_core::{
    heal_json, parse, CallStatus, Event, Options, Parsed, ToolCallStream, Tools, FORMATS,
};
use libfuzzer_sys::fuzz_target;

fn split_points(text: &str, seeds: &[u8]) -> Vec<usize> {
    let mut cuts: Vec<usize> = seeds
        .iter()
        .map(|&s| usize::from(s) * text.len() / 255)
        .filter(|&c| text.is_char_boundary(c))
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
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
        let surrogate = hex.len() == 4
            && u32::from_str_radix(&hex, 16).is_ok_and(|v| (0xD800..0xE000).contains(&v));
        if surrogate {
            out.push_str("0041");
            for _ in 0..4 {
                chars.next();
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let format = FORMATS[usize::from(data[0]) % FORMATS.len()];
    let opts = Options { reasoning: data[1] & 1 == 0, thinking_forced_open: data[1] & 2 != 0 };
    let nseeds = usize::from(data[2] % 16).min(data.len() - 3);
    let seeds = &data[3..3 + nseeds];
    let text = String::from_utf8_lossy(&data[3 + nseeds..]);
    let tools = Tools::from_json(
        r#"[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"},"full":{"type":"boolean"},"tags":{"type":"array"}}}}}]"#,
    )
    .unwrap_or_default();

    let mut stream = match ToolCallStream::new(format, tools.clone(), opts) {
        Ok(s) => s,
        Err(_) => return,
    };
    let mut events: Vec<Event> = Vec::new();
    let mut last = 0;
    for cut in split_points(&text, seeds) {
        events.extend(stream.push(&text[last..cut]));
        last = cut;
    }
    events.extend(stream.push(&text[last..]));
    events.extend(stream.finish());

    let mut open = None;
    for e in &events {
        match e {
            Event::ToolCallStart { index, .. } => {
                assert!(open.is_none());
                open = Some(*index);
            }
            Event::ToolCallArgs { index, .. } => assert_eq!(open, Some(*index)),
            Event::ToolCallEnd { index, .. } => {
                assert_eq!(open, Some(*index));
                open = None;
            }
            _ => {}
        }
    }
    assert!(open.is_none());
    // A call that is not complete is followed by its raw text (as content, or as reasoning for
    // a section opened inside reasoning): nothing of it is lost.
    for (i, e) in events.iter().enumerate() {
        if let Event::ToolCallEnd { status, .. } = e {
            if *status != CallStatus::Complete {
                assert!(
                    matches!(events.get(i + 1), Some(Event::Content(_) | Event::Reasoning(_))),
                    "{events:?}"
                );
            }
        }
    }

    let folded = Parsed::fold(&events);
    let whole = parse(format, &text, tools, opts).unwrap_or_default();
    assert_eq!(folded, whole);
    for call in &whole.tool_calls {
        assert!(valid_json(&call.arguments), "{call:?}");
    }

    let healed = heal_json(&text);
    if !healed.is_empty() {
        assert!(valid_json(&healed), "{healed:?}");
    }
});
