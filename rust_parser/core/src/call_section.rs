//! A tool section made of token-delimited calls (Kimi-K2, DeepSeek R1/V3/V3.1).
//!
//! ```text
//! SECTION_BEGIN  (CALL_BEGIN call [CALL_END])*  SECTION_END
//! ```
//!
//! The section markers are optional (a bare `CALL_BEGIN` in content opens a section of its own),
//! a missing `CALL_END` is tolerated (the next `CALL_BEGIN`, the section end, a stop token or the
//! end of output closes the call), and what one call looks like is a [`CallParser`]'s business.
//!
//! Degradation: a section whose first call is not recognised is given back as content, opening
//! marker included; text inside a section after a call is content (the scan for the next call or
//! the section end goes on); text after a bare call ends the section. Stop tokens are left
//! unconsumed for the machine (which ends the output there).

use crate::machine::{Cx, Lane, Progress, Section};
use crate::scan::{is_prefix_of, leading_ws, Markers, Scan};

/// A call parser's answer.
#[derive(Debug)]
pub(crate) enum CallStep {
    /// Consumed this many bytes; 0 only with a state change.
    Consumed(usize),
    /// Undecided; the (bounded) input stays pending.
    NeedMore,
    /// The call ended (emitted, possibly repaired) after this many bytes.
    Done(usize),
    /// Not a call: nothing was emitted; `raw` is the text consumed so far (the call-begin marker
    /// included), to be given back as content; the byte at `n` was not consumed.
    Failed {
        /// Bytes of this input consumed.
        n: usize,
        /// Everything consumed by the call parser.
        raw: String,
    },
}

/// The parser of one call (after its call-begin marker, if any).
pub(crate) trait CallParser: Send + Sync {
    /// Looks at the input.
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> CallStep;
    /// The lane of the current state, if text passes through it unchanged (see [`Lane`]).
    fn lane(&self) -> Option<Lane<'_>> {
        None
    }
    /// End of output: repair and end a started call (returns `None`), or return the consumed
    /// text of a call that never started (the caller gives it back).
    fn finish(&mut self, cx: &mut Cx<'_>) -> Option<String>;
}

/// Builds a call parser; `raw` is the call-begin marker that was consumed (may be empty).
pub(crate) type NewCall = fn(raw: &str) -> Box<dyn CallParser>;

/// The markers of a call section.
#[derive(Clone, Copy)]
pub(crate) struct SectionSyntax {
    /// Opens a call.
    pub call_begin: &'static str,
    /// Closes a call (optional in the text).
    pub call_end: &'static str,
    /// Close the section.
    pub section_end: &'static [&'static str],
    /// End-of-turn tokens: end the section, left for the machine.
    pub stops: &'static [&'static str],
    /// Whether a call may start without `call_begin` inside a section (at this byte).
    pub implicit_call: fn(u8) -> bool,
    /// Builds a call parser.
    pub new_call: NewCall,
}

enum St {
    /// Between calls: whitespace, then a call, the section end, or something else.
    Between,
    Call(Box<dyn CallParser>),
    /// After a call: an optional call-end marker.
    AfterCall,
    /// Text inside a section after a call: content until a marker.
    Junk,
}

/// The section parser.
pub(crate) struct CallSection {
    syn: &'static SectionSyntax,
    /// The section's opening marker ("" for a bare call).
    opener: &'static str,
    in_section: bool,
    st: St,
    calls: usize,
    /// Whitespace consumed before the first call (given back with the opener).
    ws: String,
    junk: Markers,
}

impl CallSection {
    /// A section opened by `opener` (a section-begin marker).
    #[must_use]
    pub(crate) fn section(syn: &'static SectionSyntax, opener: &'static str) -> Self {
        Self::make(syn, opener, true, St::Between)
    }

    /// A bare call opened by the call-begin marker in content.
    #[must_use]
    pub(crate) fn bare_call(syn: &'static SectionSyntax) -> Self {
        let call = (syn.new_call)(syn.call_begin);
        Self::make(syn, "", false, St::Call(call))
    }

    fn make(syn: &'static SectionSyntax, opener: &'static str, in_section: bool, st: St) -> Self {
        let mut junk: Vec<&'static str> = vec![syn.call_begin, syn.call_end];
        junk.extend_from_slice(syn.section_end);
        junk.extend_from_slice(syn.stops);
        CallSection {
            syn,
            opener,
            in_section,
            st,
            calls: 0,
            ws: String::new(),
            junk: Markers::new(&junk),
        }
    }

    fn give_back_opener(&mut self, cx: &mut Cx<'_>) {
        cx.content(self.opener);
        cx.content(&self.ws);
        self.ws.clear();
    }

    fn between(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let ws = leading_ws(input);
        if ws > 0 {
            if self.calls == 0 {
                self.ws.push_str(&input[..ws]);
            }
            return Progress::Consumed(ws);
        }
        let syn = self.syn;
        if input.starts_with(syn.call_begin) {
            self.st = St::Call((syn.new_call)(syn.call_begin));
            return Progress::Consumed(syn.call_begin.len());
        }
        if self.calls > 0 && input.starts_with(syn.call_end) {
            // A stray call end (after a repaired call): structural, dropped.
            return Progress::Consumed(syn.call_end.len());
        }
        for m in syn.section_end {
            if input.starts_with(m) {
                return Progress::Done(m.len());
            }
        }
        if syn.stops.iter().any(|m| input.starts_with(m)) {
            return Progress::Done(0);
        }
        let candidates = [syn.call_begin, syn.call_end]
            .into_iter()
            .chain(syn.section_end.iter().copied())
            .chain(syn.stops.iter().copied());
        for m in candidates {
            if is_prefix_of(input, m) {
                return Progress::NeedMore;
            }
        }
        let first = input.as_bytes().first().copied().unwrap_or(b' ');
        if self.in_section && (syn.implicit_call)(first) {
            self.st = St::Call((syn.new_call)(""));
            return Progress::Consumed(0);
        }
        if !self.in_section {
            return Progress::Done(0);
        }
        if self.calls == 0 {
            self.give_back_opener(cx);
            return Progress::Done(0);
        }
        self.st = St::Junk;
        Progress::Consumed(0)
    }

    fn junk(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.junk.find(input) {
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
            // Content and a call-begin marker in separate steps: the marker starts the call's raw
            // text (see `Sink::span_record`).
            Scan::Found { at, marker: 0 } if at > 0 => {
                cx.content(&input[..at]);
                Progress::Consumed(at)
            }
            Scan::Found { at, marker } => {
                cx.content(&input[..at]);
                let m = self.junk.get(marker);
                if marker == 0 {
                    cx.boundary();
                    self.st = St::Call((self.syn.new_call)(m));
                    Progress::Consumed(at + m.len())
                } else if marker == 1 {
                    // The call end after a broken call: structural, dropped.
                    self.st = St::Between;
                    Progress::Consumed(at + m.len())
                } else if self.syn.section_end.contains(&m) {
                    Progress::Done(at + m.len())
                } else {
                    Progress::Done(at)
                }
            }
        }
    }

    fn after_call(&mut self, input: &str) -> Progress {
        let ws = leading_ws(input);
        let rest = &input[ws..];
        let end = self.syn.call_end;
        if rest.starts_with(end) {
            self.st = St::Between;
            return Progress::Consumed(ws + end.len());
        }
        if rest.is_empty() || is_prefix_of(rest, end) {
            return if ws > 0 {
                Progress::Consumed(ws)
            } else {
                Progress::NeedMore
            };
        }
        self.st = St::Between;
        Progress::Consumed(ws)
    }

    /// A call gave up before starting.
    fn call_failed(&mut self, n: usize, raw: &str, cx: &mut Cx<'_>) -> Progress {
        if self.calls == 0 {
            self.give_back_opener(cx);
        }
        cx.content(raw);
        if self.in_section && self.calls > 0 {
            self.st = St::Junk;
            Progress::Consumed(n)
        } else {
            Progress::Done(n)
        }
    }
}

impl Section for CallSection {
    fn lane(&self) -> Option<Lane<'_>> {
        match &self.st {
            St::Call(call) => call.lane(),
            _ => None,
        }
    }

    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match &mut self.st {
            St::Between => self.between(input, cx),
            St::Junk => self.junk(input, cx),
            St::AfterCall => self.after_call(input),
            St::Call(call) => match call.step(input, cx) {
                CallStep::Consumed(n) => Progress::Consumed(n),
                CallStep::NeedMore => Progress::NeedMore,
                CallStep::Done(n) => {
                    self.calls += 1;
                    self.st = St::AfterCall;
                    Progress::Consumed(n)
                }
                CallStep::Failed { n, raw } => self.call_failed(n, &raw, cx),
            },
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match &mut self.st {
            St::Call(call) => {
                if let Some(raw) = call.finish(cx) {
                    if self.calls == 0 {
                        self.give_back_opener(cx);
                    }
                    cx.content(&raw);
                }
            }
            St::Between if self.calls == 0 && self.in_section => self.give_back_opener(cx),
            _ => {}
        }
        cx.content(held);
    }
}

/// The result of matching literal alternatives at the start of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lit {
    /// Alternative `k` (the longest that matches) of `len` bytes.
    Found(usize, usize),
    /// The input is a proper prefix of a (longer) alternative: wait.
    Partial,
    /// None matches.
    Miss,
}

/// Matches one of `lits` at the start of `input`; the longest wins, and a longer alternative
/// that the input may still become is waited for.
#[must_use]
pub(crate) fn match_lits(input: &str, lits: &[&str]) -> Lit {
    let mut best: Option<(usize, usize)> = None;
    for (k, l) in lits.iter().enumerate() {
        if !l.is_empty() && input.starts_with(l) && best.is_none_or(|(_, len)| len < l.len()) {
            best = Some((k, l.len()));
        }
    }
    let longer_pending = lits
        .iter()
        .any(|l| is_prefix_of(input, l) && best.is_none_or(|(_, len)| len < l.len()));
    match best {
        _ if longer_pending => Lit::Partial,
        Some((k, len)) => Lit::Found(k, len),
        None => Lit::Miss,
    }
}
