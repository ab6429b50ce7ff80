//! The streaming "typed parameter object" writer shared by the tagged key/value formats
//! (`qwen3_coder`, `seed_oss`, `glm45`, `minimax_m2`, `deepseek_v32`).
//!
//! A call's arguments are written as one JSON object, `{"k1": v1, "k2": v2}` (Python
//! `json.dumps` separators), built incrementally:
//!
//! - [`ArgsWriter::begin`] writes `{`;
//! - [`ArgsWriter::key`] writes `"key": ` as soon as a parameter name is complete;
//! - a string-typed value ([`Typing::Str`]) streams as JSON-escaped fragments as its text
//!   arrives: the opening quote at the key, then the escaped text, the closing quote at
//!   [`ArgsWriter::end_value`];
//! - any other value is buffered until its terminator and then typed: [`Typing::Schema`] with
//!   [`coerce::coerce`] (the schema's types), [`Typing::Json`] as JSON text when it parses
//!   (Python literals `True`/`False`/`None` included), else as a string;
//! - [`ArgsWriter::close`] writes `}` (closing an open value first: the repair at end of
//!   output is the same call).
//!
//! Optional newline convention (Qwen3-Coder): exactly one leading and one trailing `\n` of a raw
//! value are not part of it. A trailing `\n` of a streamed string is held back until the value
//! is known to continue. The convention is applied before typing, so a streamed value and a
//! buffered one that falls back to a string are identical.
//!
//! Duplicate keys are written as they come (JSON allows them; most consumers keep the last
//! one); nothing the model wrote is dropped.

use crate::coerce;
use crate::sink::Sink;
use crate::tools::Ty;

/// How a parameter's value is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Typing {
    /// A JSON string, streamed as it arrives.
    Str,
    /// Buffered, then typed by [`coerce::coerce`] with these declared types.
    Schema(Vec<Ty>),
    /// Buffered, then kept as JSON text when it is valid JSON, else a string (DSML
    /// `string="false"`).
    Json,
}

impl Typing {
    /// The typing a schema gives: declared types that are all strings (or no declaration at
    /// all) stream as a string; anything else is buffered and coerced.
    #[must_use]
    pub(crate) fn from_schema(types: Option<&[Ty]>) -> Typing {
        match types {
            Some(ts) if !coerce::streams_as_string(types) => Typing::Schema(ts.to_vec()),
            _ => Typing::Str,
        }
    }
}

#[derive(Debug)]
struct Value {
    typing: Typing,
    /// Whether any byte of the value was seen (the leading newline is decided).
    started: bool,
    /// A trailing `\n` held back (streamed strings only).
    held_nl: bool,
    /// The raw text of a buffered value.
    buf: String,
}

/// Writes one call's arguments object; see the module documentation.
#[derive(Debug, Default)]
pub(crate) struct ArgsWriter {
    strip_newlines: bool,
    open: bool,
    keys: Vec<String>,
    value: Option<Value>,
    scratch: String,
}

/// JSON text for a complete raw value that should be JSON (`string="false"`).
#[must_use]
pub(crate) fn json_or_string(raw: &str) -> String {
    let t = raw.trim();
    match t {
        "True" => return "true".to_owned(),
        "False" => return "false".to_owned(),
        "None" => return "null".to_owned(),
        _ => {}
    }
    if !t.is_empty() && serde_json::from_str::<serde_json::Value>(t).is_ok() {
        t.to_owned()
    } else {
        coerce::json_string(raw)
    }
}

impl ArgsWriter {
    /// A writer; `strip_newlines` applies the one-leading/one-trailing newline convention.
    #[must_use]
    pub(crate) fn new(strip_newlines: bool) -> Self {
        ArgsWriter {
            strip_newlines,
            ..ArgsWriter::default()
        }
    }

    /// Starts a new object (`{`); forgets the previous call's keys.
    pub(crate) fn begin(&mut self, sink: &mut Sink) {
        self.open = true;
        self.keys.clear();
        self.value = None;
        sink.args("{");
    }

    /// Whether `key` was already written in this object.
    #[must_use]
    pub(crate) fn has_key(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// Writes `"key": ` (and the opening quote of a string value); an open value is ended first.
    pub(crate) fn key(&mut self, key: &str, typing: Typing, sink: &mut Sink) {
        if !self.open {
            return;
        }
        self.end_value(sink);
        let mut out = String::new();
        if !self.keys.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&coerce::json_string(key));
        out.push_str(": ");
        if typing == Typing::Str {
            out.push('"');
        }
        sink.args(&out);
        self.keys.push(key.to_owned());
        self.value = Some(Value {
            typing,
            started: false,
            held_nl: false,
            buf: String::new(),
        });
    }

    /// Appends raw value text (ignored outside a value).
    pub(crate) fn text(&mut self, s: &str, sink: &mut Sink) {
        let Some(v) = self.value.as_mut() else { return };
        if s.is_empty() {
            return;
        }
        let mut s = s;
        if !v.started {
            v.started = true;
            if self.strip_newlines {
                s = s.strip_prefix('\n').unwrap_or(s);
            }
        }
        if v.typing != Typing::Str {
            v.buf.push_str(s);
            return;
        }
        if s.is_empty() {
            return;
        }
        let out = &mut self.scratch;
        out.clear();
        if v.held_nl {
            out.push_str("\\n");
            v.held_nl = false;
        }
        let body = match s.strip_suffix('\n') {
            Some(body) if self.strip_newlines => {
                v.held_nl = true;
                body
            }
            _ => s,
        };
        coerce::escape_into(body, out);
        sink.args(out);
    }

    /// Ends the open value (if any): the closing quote of a string, or the typed buffered value.
    pub(crate) fn end_value(&mut self, sink: &mut Sink) {
        let Some(v) = self.value.take() else { return };
        match v.typing {
            // A held trailing newline is the convention's one trailing newline: dropped.
            Typing::Str => sink.args("\""),
            Typing::Schema(types) => {
                let raw = self.trimmed(&v.buf);
                sink.args(&coerce::coerce(raw, Some(&types)));
            }
            Typing::Json => {
                let raw = self.trimmed(&v.buf);
                sink.args(&json_or_string(raw));
            }
        }
    }

    fn trimmed<'a>(&self, raw: &'a str) -> &'a str {
        if self.strip_newlines {
            raw.strip_suffix('\n').unwrap_or(raw)
        } else {
            raw
        }
    }

    /// Ends the open value and closes the object (`}`); nothing when no object is open.
    pub(crate) fn close(&mut self, sink: &mut Sink) {
        if !self.open {
            return;
        }
        self.end_value(sink);
        self.open = false;
        sink.args("}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    fn args(sink: &mut Sink) -> String {
        sink.take()
            .into_iter()
            .filter_map(|e| match e {
                Event::ToolCallArgs { text, .. } => Some(text),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn writes_typed_object() {
        let mut sink = Sink::default();
        sink.start_call("", "f");
        let mut w = ArgsWriter::new(true);
        w.begin(&mut sink);
        w.key("path", Typing::Str, &mut sink);
        for piece in ["\n/etc/", "hosts\n", "\n"] {
            w.text(piece, &mut sink);
        }
        w.key("limit", Typing::Schema(vec![Ty::Integer]), &mut sink);
        w.text("\n20\n", &mut sink);
        w.key("flag", Typing::Json, &mut sink);
        w.text("True", &mut sink);
        w.key("q", Typing::Str, &mut sink);
        w.text("a\"b\\c\td\u{1}", &mut sink);
        w.close(&mut sink);
        assert_eq!(
            args(&mut sink),
            "{\"path\": \"/etc/hosts\\n\", \"limit\": 20, \"flag\": true, \"q\": \"a\\\"b\\\\c\\td\\u0001\"}"
        );
    }

    #[test]
    fn no_strip_keeps_newlines_and_json_falls_back() {
        let mut sink = Sink::default();
        sink.start_call("", "f");
        let mut w = ArgsWriter::new(false);
        w.begin(&mut sink);
        w.key("a", Typing::Str, &mut sink);
        w.text("\nx\n", &mut sink);
        w.key("b", Typing::Json, &mut sink);
        w.text("not json", &mut sink);
        w.key("c", Typing::Json, &mut sink);
        w.text(" [1, {\"k\": null}] ", &mut sink);
        w.close(&mut sink);
        assert_eq!(
            args(&mut sink),
            "{\"a\": \"\\nx\\n\", \"b\": \"not json\", \"c\": [1, {\"k\": null}]}"
        );
    }
}
