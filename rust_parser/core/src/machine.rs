//! The shared state machine: content and reasoning text, with tool sections handed to a format.
//!
//! A format describes its reasoning delimiters and the markers that open a tool section; a
//! [`Section`] parses what follows such a marker. The driver offers the pending input; a
//! machine consumes what it can decide and leaves at most a possible marker prefix pending, so
//! each byte is examined O(1) times.

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

    /// A structural boundary (a section starts, reasoning opens or closes): whitespace held as
    /// possible glue after a section is dropped (restored if the section gives its marker back
    /// as text before any call starts).
    pub fn boundary(&mut self) {
        self.text.boundary(self.sink.calls_started());
    }

    /// A tool section ended: whitespace right after it is glue unless text follows.
    pub fn after_section(&mut self) {
        self.text.after_section(self.sink.calls_started());
    }

    /// A reasoning block closed: whitespace right after it is glue if a call follows.
    pub fn after_reasoning(&mut self) {
        self.text.after_reasoning(self.sink.calls_started());
    }
}

/// A section's answer to new input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Consumed this many bytes; 0 only when the section changed state without consuming.
    Consumed(usize),
    /// Nothing can be decided until more input arrives (the input stays pending).
    NeedMore,
    /// The section ended after this many bytes; content follows.
    Done(usize),
}

/// Where a [`Lane`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneTo {
    /// Content text ([`Cx::content`]).
    Content,
    /// Reasoning text ([`Cx::reasoning`]).
    Reasoning,
    /// The open call's arguments ([`Sink::args`]).
    Args,
}

/// Where a [`Lane`] ends.
#[derive(Debug, Clone, Copy)]
pub enum Stops<'a> {
    /// At the first byte in the set (a marker's first byte).
    Bytes(&'a [bool; 256]),
    /// Where plain JSON string text ends ([`crate::json::value::plain_string_run`]).
    JsonString,
}

/// A machine state in which text passes through unchanged: every byte of a run up to `stops`
/// would be written to `to` as it is, consuming it and leaving the state as it was (prose
/// between markers, the inside of a JSON string argument). The stream writes such a run
/// directly instead of stepping through the layers; the result is the same by construction, so
/// a state offers a lane only where that holds.
#[derive(Debug, Clone, Copy)]
pub struct Lane<'a> {
    /// Where the run ends.
    pub stops: Stops<'a>,
    /// Where the run goes.
    pub to: LaneTo,
}

impl Lane<'_> {
    /// Length of the leading run of `text` that passes through (ends on a char boundary:
    /// every byte a lane stops at is ASCII).
    #[must_use]
    pub fn run(&self, text: &str) -> usize {
        match self.stops {
            Stops::Bytes(stops) => text
                .bytes()
                .position(|b| stops[usize::from(b)])
                .unwrap_or(text.len()),
            Stops::JsonString => crate::json::value::plain_string_run(text),
        }
    }

    /// Writes a run (what stepping over it would have written).
    pub fn write(&self, run: &str, cx: &mut Cx<'_>) {
        match self.to {
            LaneTo::Content => cx.content(run),
            LaneTo::Reasoning => cx.reasoning(run),
            LaneTo::Args => cx.sink.args(run),
        }
        cx.sink.span_record(run);
    }
}

/// The parser of one tool section (after its opening marker).
pub(crate) trait Section: Send + Sync {
    /// Looks at `input` (pending bytes, then new ones).
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress;
    /// The lane of the current state, if text passes through it unchanged (see [`Lane`]).
    fn lane(&self) -> Option<Lane<'_>> {
        None
    }
    /// End of output: end open calls (complete when their arguments are whole, else
    /// truncated); emit what is left (`held`) so nothing is lost.
    fn finish(&mut self, held: &str, cx: &mut Cx<'_>);
}

/// A whole-output machine. `Sync` (machines share nothing) lets the Python binding hold a
/// stream without a lock.
pub trait Machine: Send + Sync {
    /// Consumes a prefix of `input` (`Some(0)` when only the state changed); `None` means
    /// nothing can be decided until more input arrives.
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Option<usize>;
    /// The lane of the current state, if text passes through it unchanged (see [`Lane`]).
    fn lane(&self) -> Option<Lane<'_>> {
        None
    }
    /// End of output; `held` is the unconsumed rest.
    fn finish(&mut self, held: &str, cx: &mut Cx<'_>);
}

/// Steps an open tool section, recording what it consumed (see `Sink::span_record`). A call
/// that ended broken in this step ends the section right there: its raw text was given back
/// as content and what follows is read as content again.
pub(crate) fn step_section(section: &mut dyn Section, input: &str, cx: &mut Cx<'_>) -> Progress {
    let progress = section.step(input, cx);
    let n = match progress {
        Progress::Consumed(n) | Progress::Done(n) => n,
        Progress::NeedMore => 0,
    };
    let consumed = input.get(..n).unwrap_or(input);
    if cx.sink.span_record(consumed) {
        return Progress::Done(n);
    }
    if let Progress::Done(_) = progress {
        cx.sink.span_end();
    }
    progress
}

/// End of output inside an open tool section: the section closes what it can, a call left open
/// is truncated, and a call that is not complete is given back as content.
pub(crate) fn finish_section(section: &mut dyn Section, held: &str, cx: &mut Cx<'_>) {
    section.finish(held, cx);
    cx.sink.span_finish();
}

/// Opens a section for tool marker `marker` (its index in the dialect's list).
pub(crate) type OpenSection = fn(marker: usize, tools: &Tools) -> Box<dyn Section>;
