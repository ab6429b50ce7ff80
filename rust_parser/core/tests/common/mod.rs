//! Shared test harness: a case is checked one-shot, char by char, at every two-way split, and
//! over seeded random splits; every way must fold to the same message, and each stream must be
//! well-formed (calls started once, arguments only inside an open call, ended once).

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ggserve_parser_core::{parse, Event, Options, Parsed, ParsedCall, ToolCallStream, Tools};

/// Tools from a JSON text.
pub fn tools(json: &str) -> Tools {
    Tools::from_json(json).unwrap()
}

/// A tool list with one function per (name, properties JSON).
pub fn tools_with(defs: &[(&str, &str)]) -> Tools {
    let items: Vec<String> = defs
        .iter()
        .map(|(n, props)| {
            format!(
                r#"{{"type":"function","function":{{"name":"{n}","parameters":{{"type":"object","properties":{props}}}}}}}"#
            )
        })
        .collect();
    tools(&format!("[{}]", items.join(",")))
}

/// An expected call.
pub fn call(id: &str, name: &str, arguments: &str) -> ParsedCall {
    ParsedCall {
        id: id.to_owned(),
        name: name.to_owned(),
        arguments: arguments.to_owned(),
    }
}

/// Runs a stream over `pieces`; returns all events.
pub fn run(format: &str, pieces: &[&str], tools: &Tools, opts: Options) -> Vec<Event> {
    let mut s = ToolCallStream::new(format, tools.clone(), opts).unwrap();
    let mut events = Vec::new();
    for p in pieces {
        events.extend(s.push(p));
    }
    events.extend(s.finish());
    events
}

/// Checks event-stream well-formedness.
pub fn assert_well_formed(events: &[Event]) {
    let mut open: Option<usize> = None;
    let mut next = 0;
    for e in events {
        match e {
            Event::ToolCallStart { index, name, .. } => {
                assert!(open.is_none(), "call started while {open:?} open: {events:?}");
                assert_eq!(*index, next, "indexes must be consecutive: {events:?}");
                assert!(!name.is_empty(), "empty call name: {events:?}");
                open = Some(*index);
                next += 1;
            }
            Event::ToolCallArgs { index, text } => {
                assert_eq!(open, Some(*index), "args outside their call: {events:?}");
                assert!(!text.is_empty());
            }
            Event::ToolCallEnd { index, .. } => {
                assert_eq!(open, Some(*index), "end of a call not open: {events:?}");
                open = None;
            }
            Event::Content(t) | Event::Reasoning(t) => assert!(!t.is_empty(), "empty delta"),
        }
    }
    assert!(open.is_none(), "call left open: {events:?}");
}

fn char_splits(text: &str) -> Vec<&str> {
    text.char_indices()
        .map(|(i, c)| &text[i..i + c.len_utf8()])
        .collect()
}

fn boundaries(text: &str) -> Vec<usize> {
    (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect()
}

/// Simple deterministic PRNG (xorshift) so random splits are reproducible.
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Next value below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Random pieces of 1..=max bytes (on char boundaries).
pub fn random_pieces<'a>(text: &'a str, rng: &mut Rng, max: usize) -> Vec<&'a str> {
    let b = boundaries(text);
    let mut out = Vec::new();
    let mut k = 0;
    while k + 1 < b.len() {
        let step = 1 + rng.below(max);
        let j = (k + step).min(b.len() - 1);
        out.push(&text[b[k]..b[j]]);
        k = j;
    }
    out
}

/// Asserts that every way of feeding `text` folds to `expected`.
pub fn check_with(format: &str, text: &str, tools: &Tools, opts: Options, expected: &Parsed) {
    let one = parse(format, text, tools.clone(), opts).unwrap();
    assert_eq!(&one, expected, "one-shot parse of {text:?}");
    let whole = run(format, &[text], tools, opts);
    assert_well_formed(&whole);
    let chars = char_splits(text);
    let by_char = run(format, &chars, tools, opts);
    assert_well_formed(&by_char);
    assert_eq!(&Parsed::fold(&by_char), expected, "char-by-char feed of {text:?}");
    for &cut in &boundaries(text) {
        let ev = run(format, &[&text[..cut], &text[cut..]], tools, opts);
        assert_eq!(&Parsed::fold(&ev), expected, "split at byte {cut} of {text:?}");
    }
    let mut rng = Rng::new(text.len() as u64);
    for _ in 0..20 {
        let pieces = random_pieces(text, &mut rng, 9);
        let ev = run(format, &pieces, tools, opts);
        assert_well_formed(&ev);
        assert_eq!(&Parsed::fold(&ev), expected, "pieces {pieces:?}");
    }
}

/// `check_with` with default options.
pub fn check(format: &str, text: &str, tools: &Tools, expected: &Parsed) {
    check_with(format, text, tools, Options::default(), expected);
}

/// Builds an expected message.
pub fn msg(content: &str, reasoning: &str, calls: Vec<ParsedCall>) -> Parsed {
    Parsed {
        content: content.to_owned(),
        reasoning_content: reasoning.to_owned(),
        tool_calls: calls,
    }
}

/// Every call's arguments must be valid JSON.
pub fn assert_args_json(p: &Parsed) {
    for c in &p.tool_calls {
        assert!(
            serde_json::from_str::<serde_json::Value>(&c.arguments).is_ok(),
            "arguments are not JSON: {:?}",
            c.arguments
        );
    }
}
