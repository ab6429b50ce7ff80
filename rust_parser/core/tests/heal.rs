//! `heal_json`: the reference's partial inputs (llama.cpp test-json-partial, jiter, partial-json-parser
//! tables) — strings and containers closed, incomplete numbers/literals/keys/escapes dropped,
//! nothing fabricated.

use ggserve_parser_core::heal_json;

#[test]
fn table() {
    let cases: &[(&str, &str)] = &[
        ("", ""),
        ("{", "{}"),
        ("[", "[]"),
        ("[1", "[]"),
        ("[1 ", "[1 ]"),
        ("[1, 2", "[1]"),
        ("[tru", "[]"),
        ("[true", "[true]"),
        ("[n", "[]"),
        ("[23.2", "[]"),
        ("{\"a\": 1", "{}"),
        ("{\"a\": 1}", "{\"a\": 1}"),
        ("{\"a\": tru", "{}"),
        ("{\"a\": -", "{}"),
        ("{\"a\": 1e", "{}"),
        ("{\"a\": 12.", "{}"),
        ("{ \"code", "{}"),
        ("{ \"code\"", "{}"),
        ("{ \"code\":", "{}"),
        ("{\"a\": \"hel", "{\"a\": \"hel\"}"),
        ("{\"a\": \"hel\\", "{\"a\": \"hel\"}"),
        ("{\"a\": \"x\\u00", "{\"a\": \"x\"}"),
        ("{\"a\": \"x\\ud83d", "{\"a\": \"x\"}"),
        ("{\"a\": \"x\\ud83d\\u", "{\"a\": \"x\"}"),
        ("{\"a\": \"x\\ud83d\\ude00", "{\"a\": \"x\\ud83d\\ude00\"}"),
        ("{\"a\": [1, [2, [3", "{\"a\": [1, [2, []]]}"),
        ("[{\"a\": [{\"b\": [{", "[{\"a\": [{\"b\": [{}]}]}]"),
        ("{\"a\": 1, ", "{\"a\": 1}"),
        ("{\"a\": \"b\"} trailing", "{\"a\": \"b\"}"),
        ("\"abc", "\"abc\""),
        ("-", ""),
        ("t", ""),
        ("{\"a\": \"café 漢字 😀", "{\"a\": \"café 漢字 😀\"}"),
        ("[1,]", "[1]"),
        ("{\"a\": True", "{\"a\": true}"),
        // Found by the fuzzer: form feed is not JSON whitespace; an escape cut by a non-ASCII
        // character keeps its backslash as text.
        ("\u{c}[", ""),
        ("\"a\\é\"", "\"a\\\\é\""),
        ("\"\\ud83d\\é", "\"\\ud83d\\\\é\""),
        ("\"\\u12é", "\"\\\\u12é\""),
        ("{\"a\\\u{1}\": 1}", "{\"a\\\\\\u0001\": 1}"),
        ("{\"a\\u00zz\": 1}", "{\"a\\\\u00zz\": 1}"),
        ("{\"a\\u00e9\": 1}", "{\"a\\u00e9\": 1}"),
    ];
    for (input, want) in cases {
        assert_eq!(heal_json(input), *want, "heal_json({input:?})");
        if !want.is_empty() {
            // A lone surrogate escape is valid JSON text (RFC 8259) that serde_json refuses.
            let lone_surrogate = want.contains("\\ud83d\\\\");
            assert!(
                lone_surrogate || serde_json::from_str::<serde_json::Value>(want).is_ok(),
                "{want:?} is not JSON"
            );
        }
    }
}

#[test]
fn lone_surrogate_followed_by_text_passes_through() {
    // `"\ud83d1"` is JSON text (RFC 8259 allows any \uXXXX); serde_json refuses it with
    // "unexpected end of hex escape", which the property tests therefore accept.
    assert_eq!(heal_json("[\"\\ud83d1"), "[\"\\ud83d1\"]");
    let err = serde_json::from_str::<serde_json::Value>("[\"\\ud83d1\"]")
        .err()
        .map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.contains("hex escape") || e.contains("surrogate")));
}
