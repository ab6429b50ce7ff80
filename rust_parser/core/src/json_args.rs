//! Streaming JSON arguments of one started call, as the model wrote them.
//!
//! An object or array streams through [`JsonValue`] (safe prefixes only, repaired at the end).
//! A JSON *string* is a double-encoded object (MoonshotAI/Kimi-K2#26): it is buffered and, when
//! complete, its decoded text is the arguments if that is JSON (healed if the output was cut);
//! otherwise the string literal itself is.

use crate::json::{JsonValue, Status};
use crate::machine::Cx;

/// What [`JsonArgs::feed`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgsStatus {
    /// Consumed everything given; the value goes on.
    NeedMore,
    /// The value ended; the call was ended. Bytes after it were not consumed.
    Complete,
    /// The byte at the returned offset does not continue the value: the arguments were
    /// closed, the call ended, and held-back text was written as content.
    Broken,
}

/// The arguments of an open call.
#[derive(Debug, Default)]
pub struct JsonArgs {
    scanner: JsonValue,
    /// Decided by the first byte: a string literal is buffered here.
    string: Option<String>,
    started: bool,
}

/// The arguments for a complete (or, at the end of output, healed) JSON string literal.
#[must_use]
pub fn string_args(literal: &str, eof: bool) -> String {
    if let Ok(decoded) = serde_json::from_str::<String>(literal) {
        let inner = decoded.trim();
        if inner.starts_with('{') || inner.starts_with('[') {
            if serde_json::from_str::<serde_json::Value>(inner).is_ok() {
                return inner.to_owned();
            }
            if eof {
                // Cut off: close it as cut arguments are closed (a trailing number stays).
                let mut scanner = JsonValue::new();
                let mut healed = String::new();
                let (_, status) = scanner.feed(inner, &mut healed);
                if status != Status::Invalid {
                    scanner.close_eof(&mut healed);
                    if scanner.emitted_any() {
                        return healed;
                    }
                }
            }
        }
    }
    literal.to_owned()
}

impl JsonArgs {
    /// Arguments expected next (leading whitespace allowed).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds `input`; returns bytes consumed and the status.
    pub fn feed(&mut self, input: &str, cx: &mut Cx<'_>) -> (usize, ArgsStatus) {
        let mut skip = 0;
        if !self.started {
            // Whitespace before the value is glue, not part of the arguments.
            skip = crate::scan::leading_ws(input);
            if skip == input.len() {
                return (skip, ArgsStatus::NeedMore);
            }
            self.started = true;
            if input.as_bytes().get(skip) == Some(&b'"') {
                self.string = Some(String::new());
            }
        }
        let (n, status) = self.feed_value(&input[skip..], cx);
        (skip + n, status)
    }

    fn feed_value(&mut self, input: &str, cx: &mut Cx<'_>) -> (usize, ArgsStatus) {
        match self.string.as_mut() {
            Some(buf) => {
                let (n, status) = self.scanner.feed(input, buf);
                match status {
                    Status::NeedMore => (n, ArgsStatus::NeedMore),
                    Status::Complete => {
                        let text = string_args(buf.trim(), false);
                        cx.sink.args(&text);
                        cx.sink.end_call();
                        (n, ArgsStatus::Complete)
                    }
                    Status::Invalid => {
                        self.finish(cx);
                        (n, ArgsStatus::Broken)
                    }
                }
            }
            None => {
                let mut out = String::new();
                let (n, status) = self.scanner.feed(input, &mut out);
                cx.sink.args(&out);
                match status {
                    Status::NeedMore => (n, ArgsStatus::NeedMore),
                    Status::Complete => {
                        cx.sink.end_call();
                        (n, ArgsStatus::Complete)
                    }
                    Status::Invalid => {
                        let held = self.scanner.take_held();
                        let mut closers = String::new();
                        self.scanner.close_prefix(&mut closers);
                        if self.scanner.emitted_any() {
                            cx.sink.args(&closers);
                        } else {
                            cx.sink.args("{}");
                        }
                        cx.sink.end_call();
                        cx.content(&held);
                        (n, ArgsStatus::Broken)
                    }
                }
            }
        }
    }

    /// End of output (or of the call's text): closes the arguments (`{}` when there were none)
    /// and ends the call.
    pub fn finish(&mut self, cx: &mut Cx<'_>) {
        match self.string.as_mut() {
            Some(buf) => {
                self.scanner.close_eof(buf);
                let text = string_args(buf.trim(), true);
                cx.sink.args(if text.is_empty() { "{}" } else { &text });
            }
            None => {
                let mut out = String::new();
                self.scanner.close_eof(&mut out);
                if self.scanner.emitted_any() {
                    cx.sink.args(&out);
                } else {
                    cx.sink.args("{}");
                }
            }
        }
        cx.sink.end_call();
    }
}
