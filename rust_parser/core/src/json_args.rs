//! Streaming JSON arguments of one started call, as the model wrote them.
//!
//! An object or array streams through [`JsonValue`] (safe prefixes only). A JSON *string* is a
//! double-encoded object (MoonshotAI/Kimi-K2#26): it is buffered and, when complete, its decoded
//! text is the arguments if that is JSON; otherwise the string literal itself is. Arguments that
//! break or are cut off end the call as invalid or truncated: it is no call, and the machine
//! gives its raw text back as content.

use crate::event::CallStatus;
use crate::json::{JsonValue, Status};
use crate::machine::{Cx, Lane, LaneTo, Stops};

/// What [`JsonArgs::feed`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgsStatus {
    /// Consumed everything given; the value goes on.
    NeedMore,
    /// The value ended; the call was ended (complete). Bytes after it were not consumed.
    Complete,
    /// The byte at the returned offset does not continue the value: the call ended as invalid
    /// (its raw text goes back to content).
    Broken,
}

/// The arguments of an open call.
#[derive(Debug, Default)]
pub(crate) struct JsonArgs {
    scanner: JsonValue,
    /// Decided by the first byte: a string literal is buffered here.
    string: Option<String>,
    started: bool,
}

/// The arguments for a complete JSON string literal.
#[must_use]
pub(crate) fn string_args(literal: &str) -> String {
    if let Ok(decoded) = serde_json::from_str::<String>(literal) {
        let inner = decoded.trim();
        if (inner.starts_with('{') || inner.starts_with('['))
            && serde_json::from_str::<serde_json::Value>(inner).is_ok()
        {
            return inner.to_owned();
        }
    }
    literal.to_owned()
}

impl JsonArgs {
    /// Arguments expected next (leading whitespace allowed).
    #[must_use]
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The lane inside a string of the arguments (see [`Lane`]).
    #[must_use]
    pub(crate) fn lane(&self) -> Option<Lane<'static>> {
        (self.started && self.string.is_none() && self.scanner.in_plain_string()).then_some(Lane {
            stops: Stops::JsonString,
            to: LaneTo::Args,
        })
    }

    /// Feeds `input`; returns bytes consumed and the status.
    pub(crate) fn feed(&mut self, input: &str, cx: &mut Cx<'_>) -> (usize, ArgsStatus) {
        let mut skip = 0;
        if !self.started {
            // Whitespace before the value is glue, not part of the arguments.
            skip = crate::scan::leading_ws(input);
            if skip == input.len() {
                return (skip, ArgsStatus::NeedMore);
            }
            if input.as_bytes().get(skip) == Some(&b'<') {
                // The call's own markup right away: a call without arguments.
                cx.sink.args("{}");
                cx.sink.end_call();
                return (skip, ArgsStatus::Complete);
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
        let (n, status) = match self.string.as_mut() {
            Some(buf) => self.scanner.feed(input, buf),
            None => {
                let scanner = &mut self.scanner;
                cx.sink.args_with(|out| scanner.feed(input, out))
            }
        };
        match status {
            Status::NeedMore => (n, ArgsStatus::NeedMore),
            Status::Complete => {
                if let Some(buf) = self.string.as_ref() {
                    cx.sink.args(&string_args(buf.trim()));
                }
                cx.sink.end_call();
                (n, ArgsStatus::Complete)
            }
            Status::Invalid => {
                // Not a call after all: the machine gives its raw text back as content.
                cx.sink.end_call_as(CallStatus::Invalid);
                (n, ArgsStatus::Broken)
            }
        }
    }

    /// The call's text ended before its arguments did: at the end of output (`eof`, the call
    /// is truncated) or at a marker that closes the call (it is invalid). Either way it is not a
    /// call; the machine gives its raw text back as content.
    pub(crate) fn finish(&mut self, cx: &mut Cx<'_>, eof: bool) {
        let status = if eof {
            CallStatus::Truncated
        } else {
            CallStatus::Invalid
        };
        cx.sink.end_call_as(status);
    }
}
