//! A JSON call object (`{"name": "f", "arguments": {...}}`) parsed as it streams.
//!
//! The call starts once its name is known; the arguments value streams as the model's raw bytes
//! through [`JsonValue`]. Arguments written before the name are held until the name arrives.
//! Arguments given as a JSON *string* (a double-encoded object) are decoded when complete.
//! Until the call starts, every consumed byte is kept so that a malformed object can be given
//! back as content.

use crate::event::CallStatus;
use crate::json::{JsonValue, Status};
use crate::machine::{Cx, Lane, LaneTo, Stops};
use crate::scan::leading_ws;

/// Which keys carry what.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keys {
    /// Keys holding the function name.
    pub name: &'static [&'static str],
    /// Keys holding the arguments.
    pub args: &'static [&'static str],
    /// Keys holding the call id.
    pub id: &'static [&'static str],
    /// The id may come after the arguments (Mistral's pre-v11 array): the call starts when the
    /// object closes, so that its start carries the id; the arguments are held until then.
    pub id_after_args: bool,
    /// An object without an arguments key is not a call (a fenced JSON example).
    pub args_required: bool,
}

/// The usual keys: `name`, `arguments`/`parameters`, `id`.
pub(crate) const OPENAI_KEYS: Keys = Keys {
    name: &["name"],
    args: &["arguments", "parameters"],
    id: &["id", "tool_call_id"],
    id_after_args: false,
    args_required: false,
};

/// [`OPENAI_KEYS`] for an object whose `"id"` may follow its arguments.
pub(crate) const ID_LAST_KEYS: Keys = Keys {
    id_after_args: true,
    ..OPENAI_KEYS
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Name,
    Args,
    ArgsString,
    Id,
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Open,
    KeyOrEnd,
    Key,
    Colon,
    ValueStart,
    Value(Slot),
    After,
    Done,
}

/// Outcome of feeding an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EnvStatus {
    /// More input needed.
    NeedMore,
    /// The object closed; the call was started and ended.
    Complete,
    /// The byte at the returned offset does not fit.
    Invalid,
}

/// Streaming parser of one call object.
#[derive(Debug)]
pub(crate) struct Envelope {
    keys: Keys,
    st: St,
    raw: String,
    scanner: JsonValue,
    buf: String,
    name: Option<String>,
    id: String,
    pending_args: Option<String>,
    has_args: bool,
    started: bool,
}

fn decode_string(literal: &str) -> Option<String> {
    serde_json::from_str::<String>(literal).ok()
}

/// A key's text: borrowed when the literal has no escape (the usual case), decoded otherwise.
fn key_text(literal: &str) -> std::borrow::Cow<'_, str> {
    match literal.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
        Some(inner) if !inner.contains(['\\', '"']) && !inner.bytes().any(|b| b < 0x20) => inner.into(),
        _ => decode_string(literal).unwrap_or_default().into(),
    }
}

/// The arguments text for a JSON string value: the decoded text when it is itself a JSON object
/// or array (a double-encoded call), otherwise the string literal as written.
fn string_args(literal: &str) -> String {
    if let Some(decoded) = decode_string(literal) {
        let inner = decoded.trim();
        if (inner.starts_with('{') || inner.starts_with('['))
            && serde_json::from_str::<serde_json::Value>(inner).is_ok()
        {
            return decoded;
        }
    }
    literal.to_owned()
}

impl Envelope {
    /// A parser expecting `{` (after optional whitespace).
    #[must_use]
    pub(crate) fn new(keys: Keys) -> Self {
        Envelope {
            keys,
            st: St::Open,
            raw: String::new(),
            scanner: JsonValue::new(),
            buf: String::new(),
            name: None,
            id: String::new(),
            pending_args: None,
            has_args: false,
            started: false,
        }
    }

    /// Whether the call has started (its name was emitted).
    #[must_use]
    pub(crate) fn started(&self) -> bool {
        self.started
    }

    /// The lane inside a started call's string argument text (see [`Lane`]).
    #[must_use]
    pub(crate) fn lane(&self) -> Option<Lane<'static>> {
        (self.st == St::Value(Slot::Args) && self.started && self.scanner.in_plain_string()).then_some(Lane {
            stops: Stops::JsonString,
            to: LaneTo::Args,
        })
    }

    /// The text consumed before the call started (to give it back as content).
    pub(crate) fn take_raw(&mut self) -> String {
        std::mem::take(&mut self.raw)
    }

    fn keep(&mut self, s: &str) {
        if !self.started {
            self.raw.push_str(s);
        }
    }

    fn start(&mut self, cx: &mut Cx<'_>) {
        if self.started {
            return;
        }
        let name = self.name.clone().unwrap_or_default();
        cx.sink.start_call(&self.id, &name);
        self.started = true;
        self.raw.clear();
        if let Some(args) = self.pending_args.take() {
            cx.sink.args(&args);
        }
    }

    /// Feeds input. Returns bytes consumed and the status.
    pub(crate) fn feed(&mut self, input: &str, cx: &mut Cx<'_>) -> (usize, EnvStatus) {
        let mut i = 0;
        loop {
            if self.st == St::Done {
                return (i, EnvStatus::Complete);
            }
            if i >= input.len() {
                return (i, EnvStatus::NeedMore);
            }
            let rest = &input[i..];
            match self.st {
                St::Key => {
                    let (n, status) = self.scanner.feed(rest, &mut self.buf);
                    self.keep(&rest[..n]);
                    i += n;
                    match status {
                        Status::NeedMore => {}
                        Status::Complete => self.st = St::Colon,
                        Status::Invalid => return (i, EnvStatus::Invalid),
                    }
                }
                St::Value(slot) => {
                    let (n, ok) = self.value(rest, slot, cx);
                    i += n;
                    if !ok {
                        return (i, EnvStatus::Invalid);
                    }
                }
                _ => {
                    let ws = leading_ws(rest);
                    if ws > 0 {
                        self.keep(&rest[..ws]);
                        i += ws;
                        continue;
                    }
                    match self.structural(rest.as_bytes()[0], cx) {
                        Some(n) => {
                            self.keep(&rest[..n]);
                            i += n;
                        }
                        None => return (i, EnvStatus::Invalid),
                    }
                }
            }
        }
    }

    /// A structural byte; returns how many bytes it consumed (0 when the value scanner takes it).
    fn structural(&mut self, b: u8, cx: &mut Cx<'_>) -> Option<usize> {
        match (self.st, b) {
            (St::Open, b'{') => self.st = St::KeyOrEnd,
            (St::KeyOrEnd, b'"') => {
                self.scanner.reset();
                self.buf.clear();
                self.st = St::Key;
                return Some(0);
            }
            (St::KeyOrEnd | St::After, b'}') => {
                // A nameless object is not a call: the brace stays unconsumed for the caller.
                if !self.complete(cx) {
                    return None;
                }
            }
            (St::Colon, b':') => self.st = St::ValueStart,
            (St::ValueStart, _) => {
                self.begin_value(b, cx);
                return Some(0);
            }
            (St::After, b',') => self.st = St::KeyOrEnd,
            _ => return None,
        }
        Some(1)
    }

    fn begin_value(&mut self, b: u8, cx: &mut Cx<'_>) {
        let key = key_text(&self.buf);
        let slot = if self.keys.name.contains(&key.as_ref()) {
            Slot::Name
        } else if self.keys.args.contains(&key.as_ref()) && !self.has_args {
            self.has_args = true;
            if b == b'"' {
                Slot::ArgsString
            } else {
                if self.name.is_some() && !self.keys.id_after_args {
                    self.start(cx);
                } else {
                    self.pending_args = Some(String::new());
                }
                Slot::Args
            }
        } else if self.keys.id.contains(&key.as_ref()) {
            Slot::Id
        } else {
            Slot::Skip
        };
        self.scanner.reset();
        self.buf.clear();
        self.st = St::Value(slot);
    }

    /// Feeds the current value; returns bytes consumed and whether the input still fits.
    fn value(&mut self, rest: &str, slot: Slot, cx: &mut Cx<'_>) -> (usize, bool) {
        let (n, status) = match (slot, self.started) {
            (Slot::Args, true) => {
                let scanner = &mut self.scanner;
                cx.sink.args_with(|out| scanner.feed(rest, out))
            }
            (Slot::Args, false) => {
                let pending = self.pending_args.get_or_insert_with(String::new);
                self.scanner.feed(rest, pending)
            }
            _ => self.scanner.feed(rest, &mut self.buf),
        };
        self.keep(&rest[..n]);
        match status {
            Status::NeedMore => (n, true),
            Status::Invalid => (n, false),
            Status::Complete => {
                self.st = St::After;
                (n, self.value_done(slot, cx))
            }
        }
    }

    fn value_done(&mut self, slot: Slot, cx: &mut Cx<'_>) -> bool {
        match slot {
            Slot::Name => {
                if self.name.is_some() {
                    return true;
                }
                // A call needs a name: an empty one makes the object not a call.
                let Some(name) = decode_string(&self.buf).filter(|n| !n.trim().is_empty()) else {
                    return false;
                };
                self.name = Some(name);
                if self.pending_args.is_some() && !self.keys.id_after_args {
                    self.start(cx);
                }
            }
            Slot::ArgsString => {
                let text = string_args(&self.buf);
                if self.started {
                    cx.sink.args(&text);
                } else if self.name.is_some() && !self.keys.id_after_args {
                    self.start(cx);
                    cx.sink.args(&text);
                } else {
                    self.pending_args = Some(text);
                }
            }
            Slot::Id => {
                if !self.started {
                    self.id = decode_string(&self.buf).unwrap_or_else(|| self.buf.trim().to_owned());
                }
            }
            Slot::Args | Slot::Skip => {}
        }
        true
    }

    /// The object closed. Returns false when it carried no name (not a call).
    fn complete(&mut self, cx: &mut Cx<'_>) -> bool {
        if !self.started {
            if self.name.is_none() || (self.keys.args_required && !self.has_args) {
                return false;
            }
            self.start(cx);
        }
        if !self.has_args {
            cx.sink.args("{}");
        }
        cx.sink.end_call();
        self.st = St::Done;
        true
    }

    /// Ends a started call whose object broke off: the call is invalid (the machine gives its
    /// raw text back as content).
    pub(crate) fn abort(&mut self, cx: &mut Cx<'_>) {
        cx.sink.end_call_as(CallStatus::Invalid);
        self.st = St::Done;
    }

    /// End of output. Returns true when a call was emitted; false when the text so far is not a
    /// call (the caller gives back [`Envelope::take_raw`] as content). The call is complete when
    /// its arguments were whole (only the object's closing brace is missing), else truncated.
    pub(crate) fn finish(&mut self, cx: &mut Cx<'_>) -> bool {
        if self.st == St::Done {
            return true;
        }
        if !self.started && self.name.is_none() {
            return false;
        }
        let whole = self.has_args && self.st == St::After;
        if !whole {
            if !self.started {
                return false;
            }
            cx.sink.end_call_as(CallStatus::Truncated);
            self.st = St::Done;
            return true;
        }
        self.start(cx);
        cx.sink.end_call();
        self.st = St::Done;
        true
    }
}
