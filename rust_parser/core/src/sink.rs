//! Collects the events of one `push`: merges adjacent text deltas, numbers tool calls, and keeps
//! the raw text of the call being parsed so that a broken one can be given back.
//!
//! A tool section is a *span*: the machine opens it with the section's marker and records every
//! byte the section consumes. A call that ends as anything but complete is followed by its raw
//! text (from the section marker, or from the end of the previous complete call, or from the
//! last content the section wrote) as content, and the machine ends the section there; what
//! follows is read as content again. This is the one place that rule lives.

use crate::event::{CallStatus, Event};

/// Where format machines write their output.
///
/// Adjacent deltas of the same kind are merged so one push usually yields at most one event per
/// kind; empty deltas are never emitted.
#[derive(Debug, Default)]
pub struct Sink {
    events: Vec<Event>,
    calls: usize,
    complete: usize,
    open: Option<usize>,
    span: Span,
    /// Inside a tool section opened in reasoning (Kimi-K2): text it gives back is reasoning.
    in_reasoning: bool,
}

/// The raw text of the open tool section since its last decided point.
#[derive(Debug, Default)]
struct Span {
    on: bool,
    raw: String,
    /// Where the raw text of a call that just ended broken goes (right after its end event).
    give_back_at: Option<usize>,
    /// A call ended complete during this step: raw text so far is accounted for.
    settled: bool,
}

impl Sink {
    /// Appends content text.
    pub fn content(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.in_reasoning {
            self.reasoning(text);
            return;
        }
        if self.open.is_none() {
            // Text the section wrote as content is accounted for (see `span_record`).
            self.span.settled = true;
        }
        if let Some(Event::Content(last)) = self.events.last_mut() {
            last.push_str(text);
        } else {
            self.events.push(Event::Content(text.to_owned()));
        }
    }

    /// Appends reasoning text.
    pub fn reasoning(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.span.settled = true;
        if let Some(Event::Reasoning(last)) = self.events.last_mut() {
            last.push_str(text);
        } else {
            self.events.push(Event::Reasoning(text.to_owned()));
        }
    }

    /// Starts a tool call; an open call is ended (as complete) first.
    pub fn start_call(&mut self, id: &str, name: &str) {
        self.end_call();
        let index = self.calls;
        self.calls += 1;
        self.open = Some(index);
        self.events.push(Event::ToolCallStart {
            index,
            id: id.to_owned(),
            name: name.to_owned(),
        });
    }

    /// Appends argument text to the open call (ignored when none is open).
    pub fn args(&mut self, text: &str) {
        let Some(index) = self.open else { return };
        if text.is_empty() {
            return;
        }
        if let Some(Event::ToolCallArgs {
            index: last,
            text: buf,
        }) = self.events.last_mut()
        {
            if *last == index {
                buf.push_str(text);
                return;
            }
        }
        self.events.push(Event::ToolCallArgs {
            index,
            text: text.to_owned(),
        });
    }

    /// [`Sink::args`] for text the caller built and no longer needs: moved, not copied, when it
    /// starts a new event (the common case of one argument delta per push).
    pub fn args_owned(&mut self, text: String) {
        let Some(index) = self.open else { return };
        if text.is_empty() {
            return;
        }
        if let Some(Event::ToolCallArgs {
            index: last,
            text: buf,
        }) = self.events.last_mut()
        {
            if *last == index {
                buf.push_str(&text);
                return;
            }
        }
        self.events.push(Event::ToolCallArgs { index, text });
    }

    /// Ends the open call, if any, as complete (its arguments are whole).
    pub fn end_call(&mut self) {
        self.end_call_as(CallStatus::Complete);
    }

    /// Ends the open call, if any, with `status`. A call that is not complete gets its raw text
    /// back as content right after the end event once the machine records the step.
    pub fn end_call_as(&mut self, status: CallStatus) {
        let Some(index) = self.open.take() else {
            return;
        };
        self.events.push(Event::ToolCallEnd { index, status });
        if status == CallStatus::Complete {
            self.complete += 1;
            self.span.settled = true;
        } else {
            self.span.give_back_at = Some(self.events.len());
        }
    }

    /// While a section opened inside reasoning is parsed, text it writes or gives back as
    /// content is reasoning.
    pub fn set_section_in_reasoning(&mut self, on: bool) {
        self.in_reasoning = on;
    }

    /// Whether a call is open.
    #[must_use]
    pub fn call_open(&self) -> bool {
        self.open.is_some()
    }

    /// How many calls were started so far.
    #[must_use]
    pub fn calls_started(&self) -> usize {
        self.calls
    }

    /// How many calls ended complete so far.
    #[must_use]
    pub fn calls_complete(&self) -> usize {
        self.complete
    }

    /// An empty sink that numbers calls on from this one (for calls held back on the side).
    #[must_use]
    pub fn successor(&self) -> Sink {
        Sink {
            calls: self.calls,
            complete: self.complete,
            ..Sink::default()
        }
    }

    /// Takes over the events and numbering of a [`Sink::successor`].
    pub fn absorb(&mut self, side: Sink) {
        self.events.extend(side.events);
        self.calls = side.calls;
        self.complete = side.complete;
    }

    /// Whether every event so far belongs to a call that ended complete (and there is one).
    #[must_use]
    pub fn only_complete_calls(&self) -> bool {
        self.has_complete_call()
            && self.open.is_none()
            && self.events.iter().all(|e| match e {
                Event::ToolCallStart { .. } | Event::ToolCallArgs { .. } => true,
                Event::ToolCallEnd { status, .. } => *status == CallStatus::Complete,
                Event::Content(_) | Event::Reasoning(_) => false,
            })
    }

    /// Whether a call ended complete.
    #[must_use]
    pub fn has_complete_call(&self) -> bool {
        self.events.iter().any(|e| {
            matches!(
                e,
                Event::ToolCallEnd {
                    status: CallStatus::Complete,
                    ..
                }
            )
        })
    }

    /// Whether no call ended broken.
    #[must_use]
    pub fn no_broken_call(&self) -> bool {
        !self
            .events
            .iter()
            .any(|e| matches!(e, Event::ToolCallEnd { status, .. } if *status != CallStatus::Complete))
    }

    /// A tool section opened with `marker` (consumed by the machine).
    pub fn span_begin(&mut self, marker: &str) {
        self.span.on = true;
        self.span.raw.clear();
        self.span.raw.push_str(marker);
        self.span.settled = false;
        self.span.give_back_at = None;
    }

    /// The section consumed `consumed` in one step. Returns true when a call ended broken in
    /// that step: its raw text was given back and the section must end here.
    pub fn span_record(&mut self, consumed: &str) -> bool {
        if !self.span.on {
            return false;
        }
        self.span.raw.push_str(consumed);
        if self.give_back() {
            return true;
        }
        if std::mem::take(&mut self.span.settled) && self.open.is_none() {
            self.span.raw.clear();
        }
        false
    }

    /// End of output inside a section (after the section's own finish): a call still open is
    /// truncated; a broken call's raw text is given back.
    pub fn span_finish(&mut self) {
        if self.span.on {
            self.end_call_as(CallStatus::Truncated);
            self.give_back();
        }
        self.span_end();
    }

    /// The section ended.
    pub fn span_end(&mut self) {
        self.span.on = false;
        self.span.raw.clear();
        self.span.settled = false;
        self.span.give_back_at = None;
    }

    /// Writes the span's raw text as content right after a broken call's end event.
    fn give_back(&mut self) -> bool {
        let Some(at) = self.span.give_back_at.take() else {
            return false;
        };
        let raw = std::mem::take(&mut self.span.raw);
        if !raw.is_empty() {
            match self.events.get_mut(at) {
                Some(Event::Content(next)) if !self.in_reasoning => next.insert_str(0, &raw),
                Some(Event::Reasoning(next)) if self.in_reasoning => next.insert_str(0, &raw),
                _ if self.in_reasoning => self.events.insert(at, Event::Reasoning(raw)),
                _ => self.events.insert(at, Event::Content(raw)),
            }
        }
        self.span_end();
        true
    }

    /// Takes the events collected since the last take.
    pub fn take(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Moves the events collected since the last take to the end of `out` (this sink keeps
    /// its capacity, so a stream allocates no event list per push).
    pub fn drain_into(&mut self, out: &mut Vec<Event>) {
        out.append(&mut self.events);
    }
}
