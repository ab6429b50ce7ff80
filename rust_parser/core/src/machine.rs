//! The shared state machine: content and reasoning text, with tool sections handed to a format.
//!
//! A format describes its reasoning delimiters and the markers that open a tool section; a
//! [`Section`] parses what follows such a marker. The driver offers the pending input; a
//! machine consumes what it can decide and leaves at most a possible marker prefix pending, so
//! each byte is examined O(1) times.

use crate::scan::{is_prefix_of, Markers, Scan};
use crate::sink::Sink;
use crate::text::{Block, TextOut};
use crate::tools::Tools;

/// What a machine sees while it works.
pub struct Cx<'a> {
    /// Where events go.
    pub sink: &'a mut Sink,
    /// The request's tools.
    pub tools: &'a Tools,
    /// Content/reasoning text writer (whitespace policy).
    pub text: &'a mut TextOut,
}

impl Cx<'_> {
    /// Writes content text.
    pub fn content(&mut self, s: &str) {
        self.text.write(Block::Content, s, self.sink);
    }

    /// Writes reasoning text.
    pub fn reasoning(&mut self, s: &str) {
        self.text.write(Block::Reasoning, s, self.sink);
    }

    /// A structural boundary (section start/end): held whitespace is glue and is dropped
    /// (restored if the section gives its marker back as text before any call starts).
    pub fn boundary(&mut self) {
        self.text.tentative_boundary(self.sink.calls_started());
    }
}

/// A section's answer to new input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Consumed this many bytes; 0 only when the section changed state without consuming.
    Consumed(usize),
    /// Nothing can be decided until more input arrives (the input stays pending).
    NeedMore,
    /// The section ended after this many bytes; content follows.
    Done(usize),
}

/// The parser of one tool section (after its opening marker).
pub trait Section: Send {
    /// Looks at `input` (pending bytes, then new ones).
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress;
    /// End of output: close or repair open calls; emit what is left (`held`) so nothing is lost.
    fn finish(&mut self, held: &str, cx: &mut Cx<'_>);
}

/// A whole-output machine.
pub trait Machine: Send {
    /// Consumes a prefix of `input` (`Some(0)` when only the state changed); `None` means
    /// nothing can be decided until more input arrives.
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Option<usize>;
    /// End of output; `held` is the unconsumed rest.
    fn finish(&mut self, held: &str, cx: &mut Cx<'_>);
}

/// Opens a section for tool marker `marker` (its index in the dialect's list).
pub type OpenSection = fn(marker: usize, tools: &Tools) -> Box<dyn Section>;

/// A format in the common shape.
#[derive(Clone, Copy)]
pub struct Dialect {
    /// Markers that open a reasoning block at the start of the output.
    pub think_open: &'static [&'static str],
    /// Markers that close it.
    pub think_close: &'static [&'static str],
    /// Markers that open a tool section.
    pub tool_starts: &'static [&'static str],
    /// Whether a tool section start also ends an unclosed reasoning block.
    pub tool_ends_reasoning: bool,
    /// Builds the section parser.
    pub open: OpenSection,
}

enum Mode {
    Start,
    Content,
    Reasoning,
    Section(Box<dyn Section>),
}

/// The common machine for a [`Dialect`].
pub struct Tagged {
    d: Dialect,
    mode: Mode,
    in_content: Markers,
    in_reasoning: Markers,
}

impl Tagged {
    /// A machine for `d`; `reasoning` enables reasoning extraction, `forced_open` starts inside it.
    #[must_use]
    pub fn new(d: Dialect, reasoning: bool, forced_open: bool) -> Self {
        let mut in_reasoning: Vec<&'static str> = d.think_close.to_vec();
        if d.tool_ends_reasoning {
            in_reasoning.extend_from_slice(d.tool_starts);
        }
        let mode = match (reasoning && !d.think_close.is_empty(), forced_open) {
            (true, true) => Mode::Reasoning,
            (true, false) => Mode::Start,
            _ => Mode::Content,
        };
        Tagged {
            d,
            mode,
            in_content: Markers::new(d.tool_starts),
            in_reasoning: Markers::new(&in_reasoning),
        }
    }

    fn open_section(&mut self, marker: usize, cx: &mut Cx<'_>) {
        cx.boundary();
        self.mode = Mode::Section((self.d.open)(marker, cx.tools));
    }

    fn start(&mut self, input: &str, cx: &mut Cx<'_>) -> usize {
        let ws = crate::scan::leading_ws(input);
        if ws > 0 {
            // Leading whitespace before anything is dropped by the text writer anyway.
            cx.content(&input[..ws]);
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
        self.mode = Mode::Content;
        self.content(input, cx)
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
                self.open_section(marker, cx);
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
                } else {
                    self.open_section(marker - closes, cx);
                }
                at + self.in_reasoning.get(marker).len()
            }
        }
    }
}

impl Machine for Tagged {
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Option<usize> {
        if input.is_empty() {
            return None;
        }
        let n = match &mut self.mode {
            Mode::Start => self.start(input, cx),
            Mode::Content => self.content(input, cx),
            Mode::Reasoning => self.reasoning_text(input, cx),
            Mode::Section(section) => {
                return match section.step(input, cx) {
                    Progress::Consumed(n) => Some(n),
                    Progress::NeedMore => None,
                    Progress::Done(n) => {
                        cx.boundary();
                        self.mode = Mode::Content;
                        Some(n)
                    }
                }
            }
        };
        (n > 0).then_some(n)
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match &mut self.mode {
            Mode::Start | Mode::Content => cx.content(held),
            Mode::Reasoning => cx.reasoning(held),
            Mode::Section(section) => section.finish(held, cx),
        }
        cx.sink.end_call();
    }
}
