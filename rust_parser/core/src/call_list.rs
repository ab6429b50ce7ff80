//! A list of calls after a section marker: JSON call objects, name-keyed objects or Python calls.
//!
//! ```text
//! [{"name": "f", "arguments": {…}}, {"name": "g", "arguments": {…}}]   (Granite, Nemotron, LFM2, FireFunction)
//! [{"tool_call_id": "0", "tool_name": "f", "parameters": {…}}]         (Command R7B: other keys)
//! [{"f": {…}}, {"g": {…}}]                                              (Apertus: the name is the key)
//! [f(a=1, b="x"), g()]                                                  (pythonic: Llama 4, LFM2)
//! {"name": "f", "arguments": {…}}                                       (a bare element, where allowed)
//! f(a=1)\ng(b=2)                                                        (bare elements, Olmo 3)
//! ```
//!
//! then optionally one of the family's closing markers. Each element streams as it arrives:
//! JSON objects through [`Envelope`], a name-keyed object's value through [`JsonArgs`], Python
//! keyword arguments through [`Kwargs`].
//!
//! Degradation: markup that turns out not to be a call is given back as content (the opening
//! marker and everything consumed since the last call); a started call that breaks off ends as
//! invalid, or as truncated when the output ends inside it (the machine gives its raw text back
//! as content), and what follows is content again (the family's markers still open new
//! sections). A call whose arguments are whole is complete even if the list or its closing
//! marker never comes. Elements are bounded: a name or key longer than `MAX_NAME` bytes is not
//! one.

use crate::envelope::{Envelope, Keys};
use crate::event::CallStatus;
use crate::json::{JsonValue, Status};
use crate::json_args::{ArgsStatus, JsonArgs};
use crate::machine::{Cx, Lane, Progress, Section};
use crate::python_kwargs::{KwStatus, Kwargs};
use crate::scan::{bounded_run, is_prefix_of, leading_ws};
use crate::sections::{feed_envelope, finish_envelope, EnvStep, ProgressExt};

const MAX_NAME: usize = 256;

/// What an element may be.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Elements {
    /// JSON call objects with these keys.
    pub json: Option<Keys>,
    /// `{"NAME": {arguments}}` objects (instead of `json`).
    pub name_key: bool,
    /// `NAME(k=v, …)` Python calls.
    pub python: bool,
}

/// A list's syntax.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListSyntax {
    /// What elements look like.
    pub elements: Elements,
    /// Elements may come without the brackets (one object, or Python calls one after another).
    pub bare: bool,
    /// Markers that close the section after the list (optional in the text).
    pub close: &'static [&'static str],
}

fn name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    /// Before the list: `[` or (bare) an element.
    Head,
    /// An element (or `]`) comes next.
    Element,
    /// After an element: `,`, `]`, (bare) another element, or the end of the list.
    AfterElement,
    /// After the list: whitespace, then a closing marker or anything else.
    AfterList,
    Json,
    NameKey,
    PyName,
    PyArgs,
}

/// The list section.
pub(crate) struct CallList {
    syn: &'static ListSyntax,
    st: St,
    bracketed: bool,
    /// Text consumed since the last call (given back as content when no call follows).
    raw: String,
    env: Envelope,
    keyed: NameKeyed,
    name: String,
    kwargs: Kwargs,
}

impl CallList {
    /// A list after `opener` (given back as content if no call follows; "" at the start of output).
    #[must_use]
    pub(crate) fn new(syn: &'static ListSyntax, opener: &str) -> Self {
        let keys = syn.elements.json.unwrap_or(crate::envelope::OPENAI_KEYS);
        CallList {
            syn,
            st: St::Head,
            bracketed: false,
            raw: opener.to_owned(),
            env: Envelope::new(keys),
            keyed: NameKeyed::default(),
            name: String::new(),
            kwargs: Kwargs::new(),
        }
    }

    fn keep(&mut self, s: &str) -> Progress {
        self.raw.push_str(s);
        Progress::Consumed(s.len()).nonzero()
    }

    /// Not a call: the consumed text is content; so is what follows.
    fn give_back(&mut self, n: usize, cx: &mut Cx<'_>) -> Progress {
        cx.content(&std::mem::take(&mut self.raw));
        Progress::Done(n)
    }

    /// Starts the element at the input's first byte, if it can be one.
    fn element_start(&mut self, b: u8) -> bool {
        let el = self.syn.elements;
        self.st = match b {
            b'{' if el.name_key => {
                self.keyed = NameKeyed::default();
                St::NameKey
            }
            b'{' if el.json.is_some() => {
                self.env = Envelope::new(el.json.unwrap_or(crate::envelope::OPENAI_KEYS));
                St::Json
            }
            b if el.python && (b.is_ascii_alphabetic() || b == b'_') => {
                self.name.clear();
                St::PyName
            }
            _ => return false,
        };
        true
    }

    fn head(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let ws = leading_ws(input);
        if ws > 0 {
            return self.keep(&input[..ws]);
        }
        let b = input.as_bytes()[0];
        if b == b'[' {
            self.bracketed = true;
            self.st = St::Element;
            return self.keep("[");
        }
        if self.syn.bare && self.element_start(b) {
            return Progress::Consumed(0);
        }
        self.give_back(0, cx)
    }

    fn element(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let ws = leading_ws(input);
        if ws > 0 {
            return self.keep(&input[..ws]);
        }
        let b = input.as_bytes()[0];
        if b == b']' {
            // An empty list (or a trailing comma): markup without a call.
            self.raw.clear();
            self.st = St::AfterList;
            return Progress::Consumed(1);
        }
        if self.element_start(b) {
            return Progress::Consumed(0);
        }
        self.give_back(0, cx)
    }

    /// Whitespace after an element is looked past, not consumed, until what follows decides:
    /// if the list ends there, it is the machine's (glue, or text as written).
    fn after_element(&mut self, input: &str) -> Progress {
        let ws = leading_ws(input);
        let Some(&b) = input.as_bytes().get(ws) else {
            return Progress::NeedMore;
        };
        match b {
            b',' => {
                self.st = St::Element;
                self.keep(&input[..=ws])
            }
            b']' if self.bracketed => {
                self.raw.clear();
                self.st = St::AfterList;
                Progress::Consumed(ws + 1)
            }
            _ if !self.bracketed && self.element_start(b) => {
                self.raw.clear();
                Progress::Consumed(ws)
            }
            _ => {
                self.raw.clear();
                self.st = St::AfterList;
                Progress::Consumed(0)
            }
        }
    }

    /// A closing marker (after whitespace) ends the section with it; anything else ends it
    /// before the whitespace.
    fn after_list(&mut self, input: &str) -> Progress {
        let ws = leading_ws(input);
        let rest = &input[ws..];
        for m in self.syn.close {
            if rest.starts_with(m) {
                return Progress::Done(ws + m.len());
            }
        }
        if rest.is_empty() || self.syn.close.iter().any(|m| is_prefix_of(rest, m)) {
            return Progress::NeedMore;
        }
        Progress::Done(0)
    }

    fn json(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match feed_envelope(&mut self.env, &self.raw, input, cx) {
            EnvStep::Progress(p) => p,
            EnvStep::Complete(n) => self.element_done(n),
            EnvStep::Broken { n, .. } => {
                self.raw.clear();
                Progress::Done(n)
            }
        }
    }

    fn element_done(&mut self, n: usize) -> Progress {
        self.raw.clear();
        self.st = St::AfterElement;
        Progress::Consumed(n)
    }

    fn name_key(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let (n, status) = self.keyed.feed(input, cx);
        match status {
            Keyed::NeedMore => Progress::Consumed(n).nonzero(),
            Keyed::Complete => self.element_done(n),
            Keyed::NotACall => {
                self.raw.push_str(&self.keyed.raw);
                self.give_back(n, cx)
            }
            Keyed::Broken => {
                self.raw.clear();
                Progress::Done(n)
            }
        }
    }

    fn py_name(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let run = bounded_run(input, self.name.len(), MAX_NAME, name_byte);
        self.name.push_str(&input[..run]);
        if self.name.len() > MAX_NAME {
            self.raw.push_str(&std::mem::take(&mut self.name));
            return self.give_back(run, cx);
        }
        match input.as_bytes().get(run) {
            None => Progress::Consumed(run).nonzero(),
            Some(b'(') => {
                cx.sink.start_call("", &self.name);
                cx.sink.args("{");
                self.raw.clear();
                self.kwargs = Kwargs::new();
                self.st = St::PyArgs;
                Progress::Consumed(run + 1)
            }
            Some(_) => {
                self.raw.push_str(&std::mem::take(&mut self.name));
                self.give_back(run, cx)
            }
        }
    }

    fn py_args(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let mut out = String::new();
        let (n, status) = self.kwargs.feed(input, &mut out);
        cx.sink.args(&out);
        match status {
            KwStatus::NeedMore => Progress::Consumed(n).nonzero(),
            KwStatus::Complete => {
                cx.sink.end_call();
                self.element_done(n)
            }
            KwStatus::Invalid => {
                // Not a call after all: the machine gives its raw text back as content.
                cx.sink.end_call_as(CallStatus::Invalid);
                Progress::Done(n)
            }
        }
    }
}

impl Section for CallList {
    fn lane(&self) -> Option<Lane<'_>> {
        match self.st {
            St::Json => self.env.lane(),
            St::NameKey if self.keyed.st == K::Args => self.keyed.args.lane(),
            _ => None,
        }
    }

    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.st {
            St::Head => self.head(input, cx),
            St::Element => self.element(input, cx),
            St::AfterElement => self.after_element(input),
            St::AfterList => self.after_list(input),
            St::Json => self.json(input, cx),
            St::NameKey => self.name_key(input, cx),
            St::PyName => self.py_name(input, cx),
            St::PyArgs => self.py_args(input, cx),
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match self.st {
            St::Json => {
                let prefix = std::mem::take(&mut self.raw);
                finish_envelope(&mut self.env, &prefix, held, cx);
                return;
            }
            St::NameKey => {
                if self.keyed.finish(cx) {
                    self.raw.clear();
                } else {
                    self.raw.push_str(&self.keyed.raw);
                }
            }
            St::PyName => self.raw.push_str(&self.name),
            St::PyArgs => {
                // Cut inside the arguments: not a call (the machine gives its text back).
                cx.sink.end_call_as(CallStatus::Truncated);
            }
            St::AfterList => {
                // Whitespace and a cut closing marker: the marker's text is content.
                cx.content(held.trim_start_matches(|c: char| c.is_ascii_whitespace()));
                return;
            }
            St::Head | St::Element | St::AfterElement => {}
        }
        cx.content(&std::mem::take(&mut self.raw));
        cx.content(held);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum K {
    #[default]
    Open,
    KeyStart,
    Key,
    Colon,
    Args,
    Close,
}

/// What a name-keyed object did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keyed {
    NeedMore,
    Complete,
    /// Not a call (nothing emitted); `raw` holds the consumed text.
    NotACall,
    /// The started call broke off (closed and ended; held text given back).
    Broken,
}

/// `{"NAME": ARGS}`: the call starts when the arguments do.
#[derive(Debug, Default)]
struct NameKeyed {
    st: K,
    raw: String,
    key: JsonValue,
    literal: String,
    args: JsonArgs,
}

impl NameKeyed {
    fn feed(&mut self, input: &str, cx: &mut Cx<'_>) -> (usize, Keyed) {
        let mut i = 0;
        while i < input.len() {
            let rest = &input[i..];
            if self.st == K::Args {
                let (n, status) = self.args.feed(rest, cx);
                i += n;
                match status {
                    ArgsStatus::NeedMore => {}
                    ArgsStatus::Complete => self.st = K::Close,
                    ArgsStatus::Broken => return (i, Keyed::Broken),
                }
                continue;
            }
            if self.st == K::Key {
                let (n, status) = self.key.feed(rest, &mut self.literal);
                self.raw.push_str(&rest[..n]);
                i += n;
                match status {
                    Status::NeedMore => {}
                    Status::Complete => self.st = K::Colon,
                    Status::Invalid => return (i, Keyed::NotACall),
                }
                continue;
            }
            let ws = leading_ws(rest);
            if ws > 0 {
                if self.st != K::Close {
                    self.raw.push_str(&rest[..ws]);
                }
                i += ws;
                continue;
            }
            let b = rest.as_bytes()[0];
            match (self.st, b) {
                (K::Open, b'{') => {
                    self.raw.push('{');
                    self.st = K::KeyStart;
                    i += 1;
                }
                (K::KeyStart, b'"') => self.st = K::Key,
                (K::Colon, b':') => {
                    let name = serde_json::from_str::<String>(&self.literal).unwrap_or_default();
                    if name.is_empty() || name.len() > MAX_NAME {
                        return (i, Keyed::NotACall);
                    }
                    cx.sink.start_call("", &name);
                    self.raw.clear();
                    self.st = K::Args;
                    i += 1;
                }
                (K::Close, b'}') => return (i + 1, Keyed::Complete),
                // Another key after the arguments: the call is whole; the rest is content.
                (K::Close, _) => return (i, Keyed::Broken),
                _ => return (i, Keyed::NotACall),
            }
        }
        (i, Keyed::NeedMore)
    }

    /// End of output: closes a started call (true), or reports that none started.
    fn finish(&mut self, cx: &mut Cx<'_>) -> bool {
        match self.st {
            K::Args => {
                self.args.finish(cx, true);
                true
            }
            K::Close => true,
            _ => false,
        }
    }
}
