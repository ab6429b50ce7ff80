//! Lanes: runs of prose or of a JSON string argument that the stream writes directly instead of
//! stepping through the format's layers. They must change nothing: for every prefix of a call
//! with a long string argument (so a cut lands inside a run, an escape, a marker), feeding it in
//! small pieces folds to the one-shot parse, broken and truncated calls give back the same raw
//! text, and the borrowed events of `push_visit` equal the owned ones of `push`.

#![allow(clippy::unwrap_used)]

mod common;

use common::{assert_well_formed, random_pieces, Rng};
use ggserve_parser_core::{parse, Event, Options, Parsed, ToolCallStream, Tools};

/// A string argument with plain runs, every simple escape, a `\u` escape and non-ASCII text.
const VALUE: &str = r#""fn main() {\n\tprintln!(\"hé 漢字 😀\");\n} // a\\b \/ \b\f\r \u00e9 end""#;

fn calls() -> Vec<(&'static str, String)> {
    let args = format!(r#"{{"path": "src/main.rs", "content": {VALUE}}}"#);
    vec![
        (
            "hermes",
            format!("I'll write it.\n<tool_call>\n{{\"name\": \"write\", \"arguments\": {args}}}\n</tool_call>"),
        ),
        ("hermes", format!("<function=write>{args}</function> done")),
        ("mistral", format!("Sure.[TOOL_CALLS]write[ARGS]{args}")),
        ("mistral", format!("[TOOL_CALLS][{{\"name\": \"write\", \"arguments\": {args}}}]")),
        (
            "kimi_k2",
            format!(
                "<|tool_calls_section_begin|><|tool_call_begin|>functions.write:0<|tool_call_argument_begin|>{args}<|tool_call_end|><|tool_calls_section_end|>"
            ),
        ),
        (
            "deepseek_v31",
            format!("<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>write<｜tool▁sep｜>{args}<｜tool▁call▁end｜><｜tool▁calls▁end｜>"),
        ),
        ("llama3_json", format!("{{\"name\": \"write\", \"parameters\": {args}}}")),
        ("pythonic", format!("[write(content={VALUE})]")),
        // A broken call: the string is fine, the object is not.
        ("hermes", format!("<tool_call>{{\"name\": \"write\", \"arguments\": {{\"a\": {VALUE} x}}}}</tool_call>")),
    ]
}

fn push_all(format: &str, pieces: &[&str]) -> Vec<Event> {
    let mut s = ToolCallStream::new(format, Tools::default(), Options::default()).unwrap();
    let mut events = Vec::new();
    for p in pieces {
        events.extend(s.push(p));
    }
    events.extend(s.finish());
    events
}

fn visit_all(format: &str, pieces: &[&str]) -> Vec<Event> {
    let mut s = ToolCallStream::new(format, Tools::default(), Options::default()).unwrap();
    let mut events = Vec::new();
    for p in pieces {
        s.push_visit(p, |evs| events.extend(evs.iter().map(|e| e.to_owned())));
    }
    s.finish_visit(|evs| events.extend(evs.iter().map(|e| e.to_owned())));
    events
}

#[test]
fn every_prefix_fed_in_pieces_folds_to_the_parse() {
    for (format, text) in calls() {
        let mut rng = Rng::new(7);
        let cuts: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        for &cut in &cuts {
            let prefix = &text[..cut];
            let want = parse(format, prefix, Tools::default(), Options::default()).unwrap();
            for max in [1, 3, 9] {
                let pieces = random_pieces(prefix, &mut rng, max);
                let events = push_all(format, &pieces);
                assert_well_formed(&events);
                assert_eq!(Parsed::fold(&events), want, "{format}: {pieces:?}");
            }
        }
    }
}

#[test]
fn borrowed_events_equal_owned_ones() {
    for (format, text) in calls() {
        let mut rng = Rng::new(11);
        for max in [1, 2, 5, 8] {
            let pieces = random_pieces(&text, &mut rng, max);
            assert_eq!(
                visit_all(format, &pieces),
                push_all(format, &pieces),
                "{format}: {pieces:?}"
            );
        }
    }
}

#[test]
fn a_long_argument_streams_as_it_is_written() {
    // The argument text arrives with the push that completes it, not held back.
    let mut s = ToolCallStream::new("hermes", Tools::default(), Options::default()).unwrap();
    s.push("<tool_call>{\"name\": \"w\", \"arguments\": {\"c\": \"");
    for piece in ["abc", "d\\n", "é漢", " \\\"x\\\" "] {
        let events = s.push(piece);
        assert_eq!(
            events,
            vec![Event::ToolCallArgs {
                index: 0,
                text: piece.to_owned()
            }],
            "{piece:?}"
        );
    }
}
