//! Typing of raw parameter values (XML-style formats) from the tool's JSON Schema.
//!
//! Rules, identical for streamed and one-shot parsing: a string-typed parameter is its raw text
//! (it streams); `null` (any case) is null for every other declared type; integers, numbers and booleans are parsed
//! from the trimmed text; objects and arrays are JSON, or a Python literal of the same kind
//! (`{'k': 'v'}`, as vLLM and SGLang accept: read as data, never evaluated). A value that does
//! not fit its declared type, and a parameter the schema does not declare, stay strings —
//! nothing is evaluated and nothing is guessed.

use serde_json::Value;

use crate::json::valid_number;
use crate::python_kwargs::py_literal;
use crate::tools::Ty;

/// Whether values of a parameter with these declared types stream as JSON strings.
#[must_use]
pub(crate) fn streams_as_string(types: Option<&[Ty]>) -> bool {
    match types {
        None => true,
        Some(ts) => ts.is_empty() || ts.iter().all(|t| *t == Ty::String),
    }
}

/// JSON text of a string.
#[must_use]
pub(crate) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    escape_into(s, &mut out);
    out.push('"');
    out
}

/// Appends `s` escaped for the inside of a JSON string.
pub(crate) fn escape_into(s: &str, out: &mut String) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            c if c < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// JSON text for a complete raw value with the declared `types`.
#[must_use]
pub(crate) fn coerce(raw: &str, types: Option<&[Ty]>) -> String {
    let Some(types) = types.filter(|_| !streams_as_string(types)) else {
        return json_string(raw);
    };
    let t = raw.trim();
    if t.eq_ignore_ascii_case("null") {
        return "null".to_owned();
    }
    for ty in types {
        match ty {
            Ty::Integer if valid_number(t) && !t.contains(['.', 'e', 'E']) => return t.to_owned(),
            Ty::Number if valid_number(t) => return t.to_owned(),
            Ty::Boolean if t.eq_ignore_ascii_case("true") => return "true".to_owned(),
            Ty::Boolean if t.eq_ignore_ascii_case("false") => return "false".to_owned(),
            Ty::Object | Ty::Array => {
                if fits_container(*ty, t) {
                    return t.to_owned();
                }
                // A Python literal (`{'k': 'v'}`, `[1, None]`): read as data, never evaluated.
                if let Some(json) = py_literal(t).filter(|j| fits_container(*ty, j)) {
                    return json;
                }
            }
            _ => {}
        }
    }
    json_string(raw)
}

/// Whether `json` is JSON text of the container kind `ty` (an object or an array).
fn fits_container(ty: Ty, json: &str) -> bool {
    matches!(
        (ty, serde_json::from_str::<Value>(json)),
        (Ty::Object, Ok(Value::Object(_))) | (Ty::Array, Ok(Value::Array(_)))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values() {
        assert_eq!(coerce("20", Some(&[Ty::Integer])), "20");
        assert_eq!(coerce(" 2.5 ", Some(&[Ty::Number])), "2.5");
        assert_eq!(coerce("True", Some(&[Ty::Boolean])), "true");
        assert_eq!(coerce("yes", Some(&[Ty::Boolean])), "\"yes\"");
        assert_eq!(coerce("NULL", Some(&[Ty::String])), "\"NULL\"");
        assert_eq!(coerce("NULL", Some(&[Ty::Integer])), "null");
        assert_eq!(coerce("[1, 2]", Some(&[Ty::Array])), "[1, 2]");
        assert_eq!(coerce("{bad", Some(&[Ty::Object])), "\"{bad\"");
        assert_eq!(coerce("{'k': 'v'}", Some(&[Ty::Object])), "{\"k\": \"v\"}");
        assert_eq!(coerce("['a', None]", Some(&[Ty::Array])), "[\"a\", null]");
        assert_eq!(coerce("['a']", Some(&[Ty::Object])), "\"['a']\"");
        assert_eq!(coerce("20", None), "\"20\"");
        assert_eq!(json_string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    }
}
