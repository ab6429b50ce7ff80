//! Reusable section parsers: a JSON call object between tags, a `<function=NAME>{json}` call,
//! and "text until a closing tag".

use crate::envelope::{EnvStatus, Envelope};
use crate::json_args::{ArgsStatus, JsonArgs};
use crate::machine::{Cx, Lane, Progress, Section};
use crate::scan::{bounded_run, is_prefix_of, leading_ws, Markers, Scan};

/// Content up to and including `close` (consumed, not emitted): where a section gives up.
#[derive(Debug)]
pub(crate) struct UntilClose {
    close: Markers,
    len: usize,
}

impl UntilClose {
    /// Waits for `close`.
    #[must_use]
    pub(crate) fn new(close: &'static str) -> Self {
        UntilClose {
            close: Markers::new(&[close]),
            len: close.len(),
        }
    }

    /// Emits content up to the close tag; `Done` once it is consumed.
    pub(crate) fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.close.find(input) {
            Scan::Clear => {
                cx.content(input);
                Progress::Consumed(input.len())
            }
            Scan::Partial { at } => {
                cx.content(&input[..at]);
                if at == 0 {
                    Progress::NeedMore
                } else {
                    Progress::Consumed(at)
                }
            }
            Scan::Found { at, .. } => {
                cx.content(&input[..at]);
                Progress::Done(at + self.len)
            }
        }
    }
}

/// Maps an envelope result onto section progress.
pub(crate) enum EnvStep {
    /// Keep feeding.
    Progress(Progress),
    /// The call object closed after `n` bytes.
    Complete(usize),
    /// The object broke off at `n`; it was either repaired (call started) or given back.
    Broken {
        /// Bytes consumed before the break.
        n: usize,
        /// Whether a call had started (and was closed by the repair).
        started: bool,
    },
}

/// Feeds an envelope and handles a break: a started call ends as invalid (the machine gives its
/// raw text back); an unstarted one is given back as content after `prefix`.
pub(crate) fn feed_envelope(env: &mut Envelope, prefix: &str, input: &str, cx: &mut Cx<'_>) -> EnvStep {
    let (n, status) = env.feed(input, cx);
    match status {
        EnvStatus::NeedMore if n == 0 => EnvStep::Progress(Progress::NeedMore),
        EnvStatus::NeedMore => EnvStep::Progress(Progress::Consumed(n)),
        EnvStatus::Complete => EnvStep::Complete(n),
        EnvStatus::Invalid => {
            let started = env.started();
            if started {
                env.abort(cx);
            } else {
                cx.content(prefix);
                cx.content(&env.take_raw());
            }
            EnvStep::Broken { n, started }
        }
    }
}

/// End of output inside an envelope: finish the call, or give everything back as content.
pub(crate) fn finish_envelope(env: &mut Envelope, prefix: &str, held: &str, cx: &mut Cx<'_>) {
    if !env.finish(cx) {
        cx.content(prefix);
        cx.content(&env.take_raw());
    }
    cx.content(held);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FnSt {
    Name,
    Quote,
    BeforeArgs,
    Args,
    AfterArgs,
    Trailing,
}

/// `<function=NAME>{json}</function>` and `<function name="NAME">{json}</function>`.
///
/// The call starts when the arguments' first byte shows a JSON value; anything else gives the
/// head back as content.
#[derive(Debug)]
pub(crate) struct FunctionTag {
    marker: &'static str,
    quoted: bool,
    st: FnSt,
    name: String,
    ws: String,
    args: JsonArgs,
    until: UntilClose,
}

const FN_CLOSE: &str = "</function>";
const MAX_NAME: usize = 256;

fn name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'/')
}

impl FunctionTag {
    /// After `<function=` (`quoted` false) or `<function name="` (`quoted` true).
    #[must_use]
    pub(crate) fn new(marker: &'static str, quoted: bool) -> Self {
        FunctionTag {
            marker,
            quoted,
            st: FnSt::Name,
            name: String::new(),
            ws: String::new(),
            args: JsonArgs::new(),
            until: UntilClose::new(FN_CLOSE),
        }
    }

    fn give_back(&mut self, cx: &mut Cx<'_>) {
        cx.content(self.marker);
        cx.content(&self.name);
        if self.quoted && self.st != FnSt::Name {
            cx.content("\"");
        }
        if self.st == FnSt::BeforeArgs {
            cx.content(">");
        }
        cx.content(&self.ws);
    }
}

impl Section for FunctionTag {
    fn lane(&self) -> Option<Lane<'_>> {
        match self.st {
            FnSt::Args => self.args.lane(),
            _ => None,
        }
    }

    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.st {
            FnSt::Name => {
                let end = if self.quoted { b'"' } else { b'>' };
                let bytes = input.as_bytes();
                let run = bounded_run(input, self.name.len(), MAX_NAME, name_byte);
                self.name.push_str(&input[..run]);
                if self.name.len() > MAX_NAME {
                    self.give_back(cx);
                    return Progress::Done(run);
                }
                match bytes.get(run) {
                    None => Progress::Consumed(run).nonzero(),
                    Some(&b) if b == end && !self.name.is_empty() => {
                        self.st = if self.quoted {
                            FnSt::Quote
                        } else {
                            FnSt::BeforeArgs
                        };
                        Progress::Consumed(run + 1)
                    }
                    Some(_) => {
                        self.give_back(cx);
                        Progress::Done(run)
                    }
                }
            }
            FnSt::Quote => {
                if input.starts_with('>') {
                    self.st = FnSt::BeforeArgs;
                    Progress::Consumed(1)
                } else {
                    self.give_back(cx);
                    Progress::Done(0)
                }
            }
            FnSt::BeforeArgs => {
                let ws = leading_ws(input);
                self.ws.push_str(&input[..ws]);
                match input.as_bytes().get(ws) {
                    None => Progress::Consumed(ws).nonzero(),
                    Some(b'{' | b'[') => {
                        cx.sink.start_call("", &self.name);
                        self.st = FnSt::Args;
                        Progress::Consumed(ws)
                    }
                    Some(_) => {
                        self.give_back(cx);
                        Progress::Done(ws)
                    }
                }
            }
            FnSt::Args => {
                let (n, status) = self.args.feed(input, cx);
                match status {
                    ArgsStatus::NeedMore => {}
                    ArgsStatus::Complete => self.st = FnSt::AfterArgs,
                    ArgsStatus::Broken => self.st = FnSt::Trailing,
                }
                Progress::Consumed(n)
            }
            FnSt::AfterArgs => {
                let ws = leading_ws(input);
                let rest = &input[ws..];
                if rest.starts_with(FN_CLOSE) {
                    Progress::Done(ws + FN_CLOSE.len())
                } else if rest.is_empty() || is_prefix_of(rest, FN_CLOSE) {
                    Progress::NeedMore
                } else {
                    Progress::Done(ws)
                }
            }
            FnSt::Trailing => self.until.step(input, cx),
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match self.st {
            FnSt::Name | FnSt::Quote | FnSt::BeforeArgs => self.give_back(cx),
            FnSt::Args => self.args.finish(cx, true),
            FnSt::AfterArgs | FnSt::Trailing => {}
        }
        cx.content(held);
    }
}

/// Progress for a step that changed no state: consuming nothing means waiting.
pub(crate) trait ProgressExt {
    /// `Consumed(0)` becomes `NeedMore`.
    fn nonzero(self) -> Progress;
}

impl ProgressExt for Progress {
    fn nonzero(self) -> Progress {
        match self {
            Progress::Consumed(0) => Progress::NeedMore,
            p => p,
        }
    }
}

/// A marker that is markup only (`<|START_RESPONSE|>`, `</response>`): consumed, nothing else.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DropMarker;

impl Section for DropMarker {
    fn step(&mut self, _input: &str, _cx: &mut Cx<'_>) -> Progress {
        Progress::Done(0)
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        cx.content(held);
    }
}
