//! Collects the events of one `push`: merges adjacent text deltas and numbers tool calls.

use crate::event::Event;

/// Where format machines write their output.
///
/// Adjacent deltas of the same kind are merged so one push usually yields at most one event per
/// kind; empty deltas are never emitted.
#[derive(Debug, Default)]
pub struct Sink {
    events: Vec<Event>,
    calls: usize,
    open: Option<usize>,
}

impl Sink {
    /// Appends content text.
    pub fn content(&mut self, text: &str) {
        if text.is_empty() {
            return;
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
        if let Some(Event::Reasoning(last)) = self.events.last_mut() {
            last.push_str(text);
        } else {
            self.events.push(Event::Reasoning(text.to_owned()));
        }
    }

    /// Starts a tool call; an open call is ended first.
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

    /// Ends the open call, if any.
    pub fn end_call(&mut self) {
        if let Some(index) = self.open.take() {
            self.events.push(Event::ToolCallEnd { index });
        }
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

    /// Takes the events collected since the last take.
    pub fn take(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }
}
