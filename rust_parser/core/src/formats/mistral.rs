//! `mistral`: Mistral `[TOOL_CALLS]` in both tokenizer generations, and Magistral `[THINK]`.
//!
//! Pre-v11 tokenizer (Mistral 7B v0.3, Nemo, Small ≤ 3.1) — a JSON array of call objects:
//!
//! ```text
//! [TOOL_CALLS][{"name": "get_weather", "arguments": {"location": "Tokyo"}, "id": "a1B2c3D4e"}]
//! ```
//!
//! v11+ (Devstral, Ministral-3, Magistral, Mistral-Small-3.2) — one `[TOOL_CALLS]` per call, the
//! name, optionally the model's id after `[CALL_ID]`, then the raw JSON arguments after `[ARGS]`:
//!
//! ```text
//! [TOOL_CALLS]get_weather[ARGS]{"location": "Tokyo"}[TOOL_CALLS]get_time[ARGS]{"tz": "Asia/Tokyo"}
//! [TOOL_CALLS]get_weather[CALL_ID]a1B2c3D4e[ARGS]{"location": "Tokyo"}
//! ```
//!
//! Reasoning (Magistral / Ministral-3-Reasoning): `[THINK]…[/THINK]` at the start of the output;
//! a `[TOOL_CALLS]` also ends an unclosed `[THINK]`.
//!
//! Also accepted: `[TOOL_CALLS]NAME{json}` (no `[ARGS]`), a single bare object
//! `[TOOL_CALLS]{"name": …}`, and `"parameters"` for `"arguments"`. `[ARGS]` / `[CALL_ID]` may
//! reach us as plain text (HF tokenizers): it is the same bytes, so it parses the same.
//!
//! Ids: the array form's `"id"` becomes the call id when it comes *before* the arguments (the
//! call starts, with its id, when the arguments start streaming); an `"id"` written after the
//! arguments cannot be carried without delaying the whole stream, so such a call has id `""`.
//! In the v11 form the id is the `[CALL_ID]` text.

use crate::envelope::{Envelope, ID_LAST_KEYS};
use crate::gated::{Gated, GatedDialect, InReasoning, ALL_MARKERS};
use crate::json_args::{ArgsStatus, JsonArgs};
use crate::json_call;
use crate::machine::Machine;
use crate::machine::{Cx, Lane, Progress, Section};
use crate::scan::{bounded_run, is_prefix_of, leading_ws, Markers, Scan};
use crate::sections::{feed_envelope, finish_envelope, EnvStep, ProgressExt};
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec};
use crate::tools::Tools;

const TOOL_CALLS: &str = "[TOOL_CALLS]";
const ARGS: &str = "[ARGS]";
const CALL_ID: &str = "[CALL_ID]";
const MAX_NAME: usize = 256;
const MAX_ID: usize = 128;

/// The dialect.
pub(crate) const DIALECT: GatedDialect = GatedDialect {
    think_open: &["[THINK]"],
    think_close: &["[/THINK]"],
    tool_starts: &[TOOL_CALLS],
    reasoning_starts: ALL_MARKERS,
    in_reasoning: InReasoning::TextUnlessAtEnd,
    close_without_open: false,
    stops: &[],
    open,
};

fn open(_marker: usize, _tools: &Tools) -> Box<dyn Section> {
    Box::new(ToolCalls::new())
}

fn name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'/')
}

fn id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    /// Right after `[TOOL_CALLS]`.
    Head,
    /// After `[` or `,` in the array form: an element (or `]`) comes next.
    Element,
    /// Inside a call object (array element, or the single bare object).
    Object,
    /// After an array element: `,` or `]`.
    AfterElement,
    /// The v11 function name.
    Name,
    /// After the name (or the id): `[ARGS]` or `[CALL_ID]`.
    Marker,
    /// The `[CALL_ID]` text.
    Id,
    /// After `[ARGS]`: whitespace, then the arguments.
    BeforeArgs,
    /// Streaming the arguments.
    Args,
    /// Markup that did not parse was given back: content, up to the next `[TOOL_CALLS]`.
    Content,
}

/// What follows one `[TOOL_CALLS]`.
#[derive(Debug)]
pub(crate) struct ToolCalls {
    st: St,
    /// Text consumed but not part of a started call: given back as content on failure.
    raw: String,
    name: String,
    id: String,
    env: Envelope,
    args: JsonArgs,
    /// Whether this is the array form (false: a single bare object).
    array: bool,
    marker: Markers,
}

impl ToolCalls {
    fn new() -> Self {
        ToolCalls {
            st: St::Head,
            raw: TOOL_CALLS.to_owned(),
            name: String::new(),
            id: String::new(),
            env: Envelope::new(ID_LAST_KEYS),
            args: JsonArgs::new(),
            array: false,
            marker: Markers::new(&[TOOL_CALLS]),
        }
    }

    /// Gives the consumed text back as content, plus `n` more bytes; content follows.
    ///
    /// The section does not end here (ending is a structural boundary, which would drop the
    /// given-back text's trailing whitespace): it goes on as content until the next marker.
    fn give_back(&mut self, n: usize, cx: &mut Cx<'_>) -> Progress {
        cx.content(&std::mem::take(&mut self.raw));
        self.st = St::Content;
        Progress::Consumed(n)
    }

    /// Content after a failed call, up to the next `[TOOL_CALLS]` (which starts over).
    fn content(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.marker.find(input) {
            Scan::Clear => {
                cx.content(input);
                Progress::Consumed(input.len())
            }
            Scan::Partial { at } => {
                cx.content(&input[..at]);
                Progress::Consumed(at).nonzero()
            }
            // Content and the next marker in separate steps: the marker starts a new call's raw
            // text (see `Sink::span_record`).
            Scan::Found { at, .. } if at > 0 => {
                cx.content(&input[..at]);
                Progress::Consumed(at)
            }
            Scan::Found { at, .. } => {
                cx.boundary();
                *self = ToolCalls::new();
                Progress::Consumed(at + TOOL_CALLS.len())
            }
        }
    }

    fn keep(&mut self, s: &str) -> Progress {
        self.raw.push_str(s);
        Progress::Consumed(s.len()).nonzero()
    }

    fn head(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let ws = leading_ws(input);
        if ws > 0 {
            return self.keep(&input[..ws]);
        }
        match input.as_bytes().first() {
            Some(b'[') => {
                self.array = true;
                self.st = St::Element;
                self.keep("[")
            }
            Some(b'{') => {
                self.env = Envelope::new(ID_LAST_KEYS);
                self.st = St::Object;
                Progress::Consumed(0)
            }
            Some(&b) if name_byte(b) => {
                self.st = St::Name;
                Progress::Consumed(0)
            }
            _ => self.give_back(0, cx),
        }
    }

    fn element(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let ws = leading_ws(input);
        if ws > 0 {
            return self.keep(&input[..ws]);
        }
        match input.as_bytes().first() {
            Some(b'{') => {
                self.env = Envelope::new(ID_LAST_KEYS);
                self.st = St::Object;
                Progress::Consumed(0)
            }
            Some(b']') => {
                // An empty list (or a trailing comma): the markup carries no call.
                self.raw.clear();
                Progress::Done(1)
            }
            _ => self.give_back(0, cx),
        }
    }

    fn object(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match feed_envelope(&mut self.env, &self.raw, input, cx) {
            EnvStep::Progress(p) => p,
            EnvStep::Complete(n) => {
                self.raw.clear();
                if self.array {
                    self.st = St::AfterElement;
                    Progress::Consumed(n)
                } else {
                    Progress::Done(n)
                }
            }
            EnvStep::Broken { n, .. } => {
                // `feed_envelope` gave back (or repaired) everything up to `n`; the rest is content.
                self.raw.clear();
                self.st = St::Content;
                Progress::Consumed(n)
            }
        }
    }

    fn after_element(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let ws = leading_ws(input);
        if ws > 0 {
            return self.keep(&input[..ws]);
        }
        match input.as_bytes().first() {
            Some(b',') => {
                self.st = St::Element;
                self.keep(",")
            }
            Some(b']') => {
                self.raw.clear();
                Progress::Done(1)
            }
            _ => self.give_back(0, cx),
        }
    }

    fn name(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let bytes = input.as_bytes();
        let run = bounded_run(input, self.name.len(), MAX_NAME, name_byte);
        self.name.push_str(&input[..run]);
        self.raw.push_str(&input[..run]);
        if self.name.len() > MAX_NAME {
            return self.give_back(run, cx);
        }
        match bytes.get(run) {
            None => Progress::Consumed(run).nonzero(),
            Some(b'[') => {
                self.st = St::Marker;
                Progress::Consumed(run)
            }
            Some(b'{') => {
                // `[TOOL_CALLS]name{…}`: the arguments without `[ARGS]`.
                self.st = St::BeforeArgs;
                Progress::Consumed(run)
            }
            Some(_) => self.give_back(run, cx),
        }
    }

    fn marker(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        for (m, next) in [(ARGS, St::BeforeArgs), (CALL_ID, St::Id)] {
            if input.starts_with(m) {
                self.st = next;
                return self.keep(m);
            }
            if is_prefix_of(input, m) {
                return Progress::NeedMore;
            }
        }
        self.give_back(0, cx)
    }

    fn call_id(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let bytes = input.as_bytes();
        let run = bounded_run(input, self.id.len(), MAX_ID, id_byte);
        self.id.push_str(&input[..run]);
        self.raw.push_str(&input[..run]);
        if self.id.len() > MAX_ID {
            return self.give_back(run, cx);
        }
        match bytes.get(run) {
            None => Progress::Consumed(run).nonzero(),
            Some(b'[') => {
                self.st = St::Marker;
                Progress::Consumed(run)
            }
            Some(_) => self.give_back(run, cx),
        }
    }

    fn before_args(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let ws = leading_ws(input);
        if ws > 0 {
            return self.keep(&input[..ws]);
        }
        match input.as_bytes().first() {
            Some(b'{' | b'[') => {
                cx.sink.start_call(&self.id, &self.name);
                self.raw.clear();
                self.st = St::Args;
                Progress::Consumed(0)
            }
            _ => self.give_back(0, cx),
        }
    }

    fn arguments(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let (n, status) = self.args.feed(input, cx);
        match status {
            ArgsStatus::NeedMore => Progress::Consumed(n).nonzero(),
            ArgsStatus::Complete => Progress::Done(n),
            ArgsStatus::Broken => {
                self.st = St::Content;
                Progress::Consumed(n)
            }
        }
    }
}

impl Section for ToolCalls {
    fn lane(&self) -> Option<Lane<'_>> {
        match self.st {
            St::Object => self.env.lane(),
            St::Args => self.args.lane(),
            _ => None,
        }
    }

    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.st {
            St::Head => self.head(input, cx),
            St::Element => self.element(input, cx),
            St::Object => self.object(input, cx),
            St::AfterElement => self.after_element(input, cx),
            St::Name => self.name(input, cx),
            St::Marker => self.marker(input, cx),
            St::Id => self.call_id(input, cx),
            St::BeforeArgs => self.before_args(input, cx),
            St::Args => self.arguments(input, cx),
            St::Content => self.content(input, cx),
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match self.st {
            St::Object => {
                let prefix = std::mem::take(&mut self.raw);
                finish_envelope(&mut self.env, &prefix, held, cx);
            }
            St::Args => {
                self.args.finish(cx, true);
                cx.content(held);
            }
            _ => {
                cx.content(&std::mem::take(&mut self.raw));
                cx.content(held);
            }
        }
    }
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Gated::new(DIALECT, reasoning, forced_open))
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "mistral",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["[TOOL_CALLS]"],
        template_rule: None,
        names: &["mistral", "mixtral", "devstral", "magistral", "ministral"],
    },
    call: CallShape {
        open: &[Piece::Marker("[TOOL_CALLS]"), Piece::Text("[")],
        call: json_call!("arguments"),
        separator: &[Piece::Text(", ")],
        close: &[Piece::Text("]")],
        args: Args::Json,
    },
};
