//! A content/reasoning machine whose tool markers are gated by mode, with end-of-output markers.
//!
//! [`crate::machine::Tagged`] is this machine with every tool marker ending reasoning, which
//! suits most families. Some families have markers that only make sense in the answer:
//! Kimi-K2's bare `functions.NAME:IDX{…}` or DeepSeek-R1's `function<NAME>` would turn prose in
//! the reasoning ("I'll call functions.get_weather") into a section whose give-back lands in
//! content. A [`GatedDialect`] therefore says which tool markers also end reasoning (the first
//! `reasoning_starts` of them); the rest are recognised in content only.
//!
//! It also knows the family's end-of-turn tokens (`<|im_end|>`, `<｜end▁of▁sentence｜>`):
//! when one leaks into the text (the engine did not stop on it), it ends the output — the token
//! and everything after it belong to no message and are dropped.
//!
//! With `thinking_forced_open` the output starts inside reasoning; an opening marker the model
//! repeats anyway at the very start is dropped (it is the one the prompt already wrote).

use crate::machine::{finish_section, step_section, Cx, Machine, OpenSection, Progress, Section};
use crate::scan::{is_prefix_of, leading_ws, Markers, Scan};

/// A format in the gated shape.
#[derive(Clone, Copy)]
pub struct GatedDialect {
    /// Markers that open a reasoning block at the start of the output.
    pub think_open: &'static [&'static str],
    /// Markers that close it.
    pub think_close: &'static [&'static str],
    /// Markers that open a tool section in content.
    pub tool_starts: &'static [&'static str],
    /// The first `reasoning_starts` tool markers also end an unclosed reasoning block.
    pub reasoning_starts: usize,
    /// End-of-turn markers: the marker and everything after it are dropped.
    pub stops: &'static [&'static str],
    /// Builds the section parser for tool marker `i`.
    pub open: OpenSection,
}

enum Mode {
    Start,
    /// Forced open: inside reasoning, a repeated opening marker may still come.
    ReasoningStart,
    Content,
    Reasoning,
    Section(Box<dyn Section>),
    Ended,
}

/// The machine for a [`GatedDialect`].
pub struct Gated {
    d: GatedDialect,
    mode: Mode,
    /// Tool starts, then stops.
    in_content: Markers,
    /// Think closes, reasoning-ending tool starts, then stops.
    in_reasoning: Markers,
    n_reasoning_starts: usize,
    /// Complete calls when the open section started (did it make any?).
    complete_at_open: usize,
}

impl Gated {
    /// A machine for `d`; `reasoning` enables reasoning extraction, `forced_open` starts inside it.
    #[must_use]
    pub fn new(d: GatedDialect, reasoning: bool, forced_open: bool) -> Self {
        let n_reasoning_starts = d.reasoning_starts.min(d.tool_starts.len());
        let mut content: Vec<&'static str> = d.tool_starts.to_vec();
        content.extend_from_slice(d.stops);
        let mut in_reasoning: Vec<&'static str> = d.think_close.to_vec();
        in_reasoning.extend(d.tool_starts.iter().take(n_reasoning_starts));
        in_reasoning.extend_from_slice(d.stops);
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
            n_reasoning_starts,
            complete_at_open: 0,
        }
    }

    fn open_section(&mut self, marker: usize, cx: &mut Cx<'_>) {
        cx.boundary();
        cx.sink
            .span_begin(self.d.tool_starts.get(marker).copied().unwrap_or_default());
        self.complete_at_open = cx.sink.calls_complete();
        self.mode = Mode::Section((self.d.open)(marker, cx.tools));
    }

    fn stop(&mut self, cx: &mut Cx<'_>) {
        cx.boundary();
        self.mode = Mode::Ended;
    }

    /// Leading whitespace, then an opening marker (or its prefix) decides the mode.
    fn start(&mut self, input: &str, cx: &mut Cx<'_>, reasoning: bool) -> usize {
        let ws = leading_ws(input);
        if ws > 0 {
            // Whitespace before an opening marker is text as written.
            if reasoning {
                cx.reasoning(&input[..ws]);
            } else {
                cx.content(&input[..ws]);
            }
            return ws;
        }
        for m in self.d.think_open {
            if input.starts_with(m) {
                self.mode = Mode::Reasoning;
                return m.len();
            }
            if is_prefix_of(input, m) {
                return 0;
            }
        }
        if reasoning {
            self.mode = Mode::Reasoning;
            self.reasoning_text(input, cx)
        } else {
            self.mode = Mode::Content;
            self.content(input, cx)
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
                    self.open_section(marker, cx);
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
                if marker < closes {
                    cx.boundary();
                    self.mode = Mode::Content;
                } else if marker < closes + self.n_reasoning_starts {
                    self.open_section(marker - closes, cx);
                } else {
                    self.stop(cx);
                }
                at + self.in_reasoning.get(marker).len()
            }
        }
    }
}

impl Machine for Gated {
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
            Mode::Section(section) => {
                return match step_section(section.as_mut(), input, cx) {
                    Progress::Consumed(n) => Some(n),
                    Progress::NeedMore => None,
                    Progress::Done(n) => {
                        if cx.sink.calls_complete() > self.complete_at_open {
                            cx.after_section();
                        } else {
                            cx.boundary();
                        }
                        self.mode = Mode::Content;
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
            Mode::Section(section) => finish_section(section.as_mut(), held, cx),
            Mode::Ended => {}
        }
        cx.sink.end_call();
    }
}
