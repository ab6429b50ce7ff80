//! A content/reasoning machine whose tool markers are gated by mode, with end-of-output markers.
//!
//! Every format in the common shape is this machine over its [`GatedDialect`]. Some
//! families have markers that only make sense in the answer: Kimi-K2's bare
//! `functions.NAME:IDX{…}` or DeepSeek-R1's `function<NAME>` would turn prose in the reasoning
//! ("I'll call functions.get_weather") into a section whose give-back lands in content. A
//! [`GatedDialect`] therefore says which tool markers are recognised inside reasoning (the first
//! `reasoning_starts` of them) and what they mean there ([`InReasoning`], a property of the
//! family); the rest are recognised in content only.
//!
//! It also knows the family's end-of-turn tokens (`<|im_end|>`, `<｜end▁of▁sentence｜>`):
//! when one leaks into the text (the engine did not stop on it), it ends the output — the token
//! and everything after it belong to no message and are dropped.
//!
//! With `thinking_forced_open` the output starts inside reasoning; an opening marker the model
//! repeats anyway at the very start is dropped (it is the one the prompt already wrote). A family
//! whose template may open the block in the prompt ([`GatedDialect::close_without_open`]) also
//! treats a closing marker without an opening one as the end of reasoning: text before it is
//! held back until the close (reasoning), a tool section (content) or the end of output
//! (content) decides.

use crate::machine::{
    finish_section, step_section, Cx, Lane, LaneTo, Machine, OpenSection, Progress, Section, Stops,
};
use crate::scan::{is_prefix_of, leading_ws, Markers, Scan};
use crate::sink::Sink;
use crate::text::TextOut;

/// What tool markup inside an open reasoning block means: a property of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InReasoning {
    /// Tool markers are not recognised in reasoning (plain text there).
    Ignored,
    /// A tool section ends the reasoning block (it was left unclosed); content follows.
    EndsReasoning,
    /// Calls are made inside the thinking block; reasoning resumes after the section (Kimi-K2).
    Resumes,
    /// Tool markup inside the thinking block is reasoning text; only calls after the close count.
    /// Complete calls that end the output still count, whether the block is never closed or
    /// closed right after them (only whitespace around the close): the model made them before
    /// closing its thinking. Such a section is held back until what follows decides.
    TextUnlessAtEnd,
}

/// [`GatedDialect::reasoning_starts`] of a family whose every tool marker is recognised in
/// reasoning too.
pub(crate) const ALL_MARKERS: usize = usize::MAX;

/// A format in the gated shape.
#[derive(Clone, Copy)]
pub(crate) struct GatedDialect {
    /// Markers that open a reasoning block at the start of the output.
    pub think_open: &'static [&'static str],
    /// Markers that close it.
    pub think_close: &'static [&'static str],
    /// Markers that open a tool section in content.
    pub tool_starts: &'static [&'static str],
    /// The first `reasoning_starts` tool markers are also recognised inside reasoning.
    pub reasoning_starts: usize,
    /// What they mean there.
    pub in_reasoning: InReasoning,
    /// A closing marker without an opening one ends a reasoning block the prompt opened.
    pub close_without_open: bool,
    /// End-of-turn markers: the marker and everything after it are dropped.
    pub stops: &'static [&'static str],
    /// Builds the section parser for tool marker `i`.
    pub open: OpenSection,
}

/// A tool section found inside reasoning, held back until what follows decides (see
/// [`InReasoning::TextUnlessAtEnd`]). Its events go to a side sink.
struct Tentative {
    /// The open section; `None` between sections (after complete calls).
    section: Option<Box<dyn Section>>,
    /// Everything consumed since the first marker: reasoning text if the calls do not count.
    raw: String,
    side: Sink,
    text: TextOut,
    /// The block closed right after the calls: the whitespace since. The calls count if the
    /// output ends here; anything else makes them reasoning text (the model quoted the call it
    /// then makes).
    closed: Option<String>,
}

enum Mode {
    Start,
    /// A family whose prompt may open reasoning: text held until a close, a tool section or
    /// the end of output decides what it was.
    Undecided(String),
    /// Forced open: inside reasoning, a repeated opening marker may still come.
    ReasoningStart,
    Content,
    Reasoning,
    /// A tool section; reasoning resumes after it when `resume` is set.
    Section(Box<dyn Section>, bool),
    Tentative(Box<Tentative>),
    Ended,
}

/// The machine for a [`GatedDialect`].
pub(crate) struct Gated {
    d: GatedDialect,
    mode: Mode,
    /// Tool starts, then stops.
    in_content: Markers,
    /// Think closes, reasoning-ending tool starts, then stops.
    in_reasoning: Markers,
    /// Think closes, then the content markers.
    in_undecided: Markers,
    n_reasoning_starts: usize,
    /// Complete calls when the open section started (did it make any?).
    complete_at_open: usize,
}

impl Gated {
    /// A machine for `d`; `reasoning` enables reasoning extraction, `forced_open` starts inside it.
    #[must_use]
    pub(crate) fn new(d: GatedDialect, reasoning: bool, forced_open: bool) -> Self {
        let n_reasoning_starts = match d.in_reasoning {
            InReasoning::Ignored => 0,
            _ => d.reasoning_starts.min(d.tool_starts.len()),
        };
        let mut content: Vec<&'static str> = d.tool_starts.to_vec();
        content.extend_from_slice(d.stops);
        let mut in_reasoning: Vec<&'static str> = d.think_close.to_vec();
        in_reasoning.extend(d.tool_starts.iter().take(n_reasoning_starts));
        in_reasoning.extend_from_slice(d.stops);
        // Text that may be reasoning: only the markers that may appear in reasoning decide it
        // (`function<` in prose must not).
        let mut undecided: Vec<&'static str> = d.think_close.to_vec();
        undecided.extend(d.tool_starts.iter().take(n_reasoning_starts));
        undecided.extend_from_slice(d.stops);
        undecided.extend_from_slice(d.think_open);
        let mode = match (reasoning && !d.think_close.is_empty(), forced_open) {
            (true, true) => Mode::ReasoningStart,
            (true, false) => Mode::Start,
            _ => Mode::Content,
        };
        Gated {
            d,
            mode,
            in_content: Markers::new(&content),
            in_reasoning: Markers::new(&in_reasoning),
            in_undecided: Markers::new(&undecided),
            n_reasoning_starts,
            complete_at_open: 0,
        }
    }

    fn open_section(&mut self, marker: usize, resume: bool, cx: &mut Cx<'_>) {
        cx.boundary();
        cx.sink
            .span_begin(self.d.tool_starts.get(marker).copied().unwrap_or_default());
        self.complete_at_open = cx.sink.calls_complete();
        cx.sink.set_section_in_reasoning(resume);
        self.mode = Mode::Section((self.d.open)(marker, cx.tools), resume);
    }

    fn stop(&mut self, cx: &mut Cx<'_>) {
        cx.boundary();
        self.mode = Mode::Ended;
    }

    /// Leading whitespace, then an opening marker (or its prefix) decides the mode.
    fn start(&mut self, input: &str, cx: &mut Cx<'_>, reasoning: bool) -> usize {
        let ws = leading_ws(input);
        let undecided = !reasoning && self.d.close_without_open;
        if ws > 0 && !undecided {
            // Whitespace before an opening marker is text as written.
            if reasoning {
                cx.reasoning(&input[..ws]);
            } else {
                cx.content(&input[..ws]);
            }
            return ws;
        }
        let rest = &input[ws..];
        if rest.is_empty() {
            return 0;
        }
        for m in self.d.think_open {
            if rest.starts_with(m) {
                cx.content(&input[..ws]);
                self.mode = Mode::Reasoning;
                return ws + m.len();
            }
            if is_prefix_of(rest, m) {
                return 0;
            }
        }
        if reasoning {
            self.mode = Mode::Reasoning;
            self.reasoning_text(input, cx)
        } else if undecided {
            self.mode = Mode::Undecided(String::new());
            self.undecided(input, cx)
        } else {
            self.mode = Mode::Content;
            self.content(input, cx)
        }
    }

    /// Text that is reasoning if a closing marker follows, content otherwise.
    fn undecided(&mut self, input: &str, cx: &mut Cx<'_>) -> usize {
        let Mode::Undecided(buf) = &mut self.mode else {
            return 0;
        };
        match self.in_undecided.find(input) {
            Scan::Clear => {
                buf.push_str(input);
                input.len()
            }
            Scan::Partial { at } => {
                buf.push_str(&input[..at]);
                at
            }
            Scan::Found { at, marker } => {
                buf.push_str(&input[..at]);
                let text = std::mem::take(buf);
                let closes = self.d.think_close.len();
                let tools = self.n_reasoning_starts;
                let tools_end = closes + tools + self.d.stops.len();
                if marker < closes {
                    // The prompt opened the block: everything so far was reasoning.
                    cx.reasoning(&text);
                    cx.after_reasoning();
                    self.mode = Mode::Content;
                } else if marker >= tools_end {
                    // An opening marker after text: no block was open; the text and the
                    // marker are content (as in any answer).
                    cx.content(&text);
                    self.mode = Mode::Content;
                    return at + self.content(&input[at..], cx);
                } else {
                    cx.content(&text);
                    if marker < closes + tools {
                        self.open_section(marker - closes, false, cx);
                    } else {
                        self.stop(cx);
                    }
                }
                at + self.in_undecided.get(marker).len()
            }
        }
    }

    fn content(&mut self, input: &str, cx: &mut Cx<'_>) -> usize {
        match self.in_content.find(input) {
            Scan::Clear => {
                cx.content(input);
                input.len()
            }
            Scan::Partial { at } => {
                cx.content(&input[..at]);
                at
            }
            Scan::Found { at, marker } => {
                cx.content(&input[..at]);
                if marker < self.d.tool_starts.len() {
                    self.open_section(marker, false, cx);
                } else {
                    self.stop(cx);
                }
                at + self.in_content.get(marker).len()
            }
        }
    }

    fn reasoning_text(&mut self, input: &str, cx: &mut Cx<'_>) -> usize {
        match self.in_reasoning.find(input) {
            Scan::Clear => {
                cx.reasoning(input);
                input.len()
            }
            Scan::Partial { at } => {
                cx.reasoning(&input[..at]);
                at
            }
            Scan::Found { at, marker } => {
                cx.reasoning(&input[..at]);
                let closes = self.d.think_close.len();
                let m = self.in_reasoning.get(marker);
                if marker < closes {
                    cx.after_reasoning();
                    self.mode = Mode::Content;
                } else if marker < closes + self.n_reasoning_starts {
                    let tool = marker - closes;
                    match self.d.in_reasoning {
                        InReasoning::Resumes => self.open_section(tool, true, cx),
                        InReasoning::TextUnlessAtEnd => {
                            self.mode = Mode::Tentative(Box::new(Tentative {
                                section: Some((self.d.open)(tool, cx.tools)),
                                raw: m.to_owned(),
                                side: cx.sink.successor(),
                                text: TextOut::default(),
                                closed: None,
                            }));
                        }
                        InReasoning::EndsReasoning | InReasoning::Ignored => {
                            self.open_section(tool, false, cx);
                        }
                    }
                } else {
                    self.stop(cx);
                }
                at + m.len()
            }
        }
    }

    /// A tool section inside reasoning whose meaning is not decided yet.
    fn tentative(&mut self, input: &str, cx: &mut Cx<'_>) -> Option<usize> {
        let Mode::Tentative(t) = &mut self.mode else {
            return Some(0);
        };
        if let Some(after) = t.closed.as_mut() {
            let ws = leading_ws(input);
            if ws > 0 {
                after.push_str(&input[..ws]);
                return Some(ws);
            }
            // An end-of-turn marker is the end of output: the calls count.
            if let Some(m) = self.d.stops.iter().find(|m| input.starts_with(**m)) {
                let after = std::mem::take(after);
                self.accept(cx);
                self.mode = Mode::Content;
                cx.content(&after);
                self.stop(cx);
                return Some(m.len());
            }
            if self.d.stops.iter().any(|m| is_prefix_of(input, m)) {
                return None;
            }
            // More output after the close: the calls were reasoning text; the answer follows.
            let after = std::mem::take(after);
            self.reject(cx);
            cx.boundary();
            self.mode = Mode::Content;
            cx.content(&after);
            return Some(0);
        }
        if let Some(section) = t.section.as_mut() {
            let mut side = Cx {
                sink: &mut t.side,
                tools: cx.tools,
                text: &mut t.text,
            };
            let progress = section.step(input, &mut side);
            let n = match progress {
                Progress::NeedMore => return None,
                Progress::Consumed(n) | Progress::Done(n) => n,
            };
            t.raw.push_str(input.get(..n).unwrap_or(input));
            if let Progress::Done(_) = progress {
                if t.side.only_complete_calls() {
                    t.section = None;
                } else {
                    self.reject(cx);
                }
            }
            return Some(n);
        }
        // Between sections: whitespace waits; another call goes on; the close of the block
        // waits for what follows it (the end of output makes the calls count: vLLM's Qwen3
        // recovery); anything else makes the held sections reasoning text.
        let ws = leading_ws(input);
        if ws > 0 {
            t.raw.push_str(&input[..ws]);
            return Some(ws);
        }
        let starts = self.d.tool_starts.iter().take(self.n_reasoning_starts);
        for (i, m) in starts.enumerate() {
            if input.starts_with(m) {
                t.raw.push_str(m);
                t.section = Some((self.d.open)(i, cx.tools));
                return Some(m.len());
            }
        }
        for m in self.d.think_close {
            if input.starts_with(m) {
                t.closed = Some(String::new());
                return Some(m.len());
            }
        }
        for m in self.d.stops {
            if input.starts_with(m) {
                self.accept(cx);
                self.stop(cx);
                return Some(m.len());
            }
        }
        let pending = self
            .d
            .tool_starts
            .iter()
            .take(self.n_reasoning_starts)
            .chain(self.d.think_close)
            .chain(self.d.stops);
        if pending.into_iter().any(|m| is_prefix_of(input, m)) {
            return None;
        }
        self.reject(cx);
        Some(0)
    }

    /// The held sections were reasoning text after all.
    fn reject(&mut self, cx: &mut Cx<'_>) {
        if let Mode::Tentative(t) = std::mem::replace(&mut self.mode, Mode::Reasoning) {
            cx.reasoning(&t.raw);
        }
    }

    /// The held sections end the output: their calls count.
    fn accept(&mut self, cx: &mut Cx<'_>) {
        if let Mode::Tentative(t) = std::mem::replace(&mut self.mode, Mode::Reasoning) {
            cx.boundary();
            cx.sink.absorb(t.side);
            cx.after_section();
        }
    }

    fn finish_tentative(&mut self, held: &str, cx: &mut Cx<'_>) {
        let Mode::Tentative(t) = &mut self.mode else {
            return;
        };
        if let Some(after) = t.closed.take() {
            // The calls ended the thinking block and the output: they count.
            self.accept(cx);
            self.mode = Mode::Content;
            cx.content(&after);
            cx.content(held);
            return;
        }
        if let Some(section) = t.section.as_mut() {
            let mut side = Cx {
                sink: &mut t.side,
                tools: cx.tools,
                text: &mut t.text,
            };
            section.finish(held, &mut side);
            side.sink.end_call_as(crate::event::CallStatus::Truncated);
            side.text.end(side.sink);
            if t.side.has_complete_call() && t.side.no_broken_call() {
                self.accept(cx);
            } else {
                t.raw.push_str(held);
                self.reject(cx);
            }
            return;
        }
        self.accept(cx);
        if !held
            .trim_start_matches(|c: char| c.is_ascii_whitespace())
            .is_empty()
        {
            cx.reasoning(held);
        }
    }
}

impl Machine for Gated {
    fn lane(&self) -> Option<Lane<'_>> {
        match &self.mode {
            Mode::Content => Some(Lane {
                stops: Stops::Bytes(self.in_content.first_bytes()),
                to: LaneTo::Content,
            }),
            Mode::Reasoning => Some(Lane {
                stops: Stops::Bytes(self.in_reasoning.first_bytes()),
                to: LaneTo::Reasoning,
            }),
            Mode::Section(section, _) => section.lane(),
            _ => None,
        }
    }

    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Option<usize> {
        if input.is_empty() {
            return None;
        }
        let n = match &mut self.mode {
            Mode::Start => self.start(input, cx, false),
            Mode::ReasoningStart => self.start(input, cx, true),
            Mode::Content => self.content(input, cx),
            Mode::Reasoning => self.reasoning_text(input, cx),
            Mode::Ended => input.len(),
            Mode::Undecided(_) => self.undecided(input, cx),
            Mode::Tentative(_) => return self.tentative(input, cx),
            Mode::Section(section, resume) => {
                let resume = *resume;
                return match step_section(section.as_mut(), input, cx) {
                    Progress::Consumed(n) => Some(n),
                    Progress::NeedMore => None,
                    Progress::Done(n) => {
                        cx.sink.set_section_in_reasoning(false);
                        if cx.sink.calls_complete() > self.complete_at_open {
                            cx.after_section();
                        } else {
                            cx.boundary();
                        }
                        self.mode = if resume { Mode::Reasoning } else { Mode::Content };
                        Some(n)
                    }
                };
            }
        };
        // Zero bytes means a possible marker prefix is pending (any mode switch already
        // re-ran on the same input).
        (n > 0).then_some(n)
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match &mut self.mode {
            Mode::Start | Mode::Content => cx.content(held),
            Mode::ReasoningStart | Mode::Reasoning => cx.reasoning(held),
            Mode::Undecided(buf) => {
                // No close came: it was the answer. Read it as one (the markers that only make
                // sense in an answer were not looked for yet); each byte is read once more.
                let mut text = std::mem::take(buf);
                text.push_str(held);
                self.mode = Mode::Content;
                let mut pos = 0;
                while let Some(n) = self.step(&text[pos..], cx) {
                    pos += n;
                }
                self.finish(&text[pos..], cx);
                return;
            }
            Mode::Section(section, _) => finish_section(section.as_mut(), held, cx),
            Mode::Tentative(_) => self.finish_tentative(held, cx),
            Mode::Ended => {}
        }
        cx.sink.end_call();
    }
}
