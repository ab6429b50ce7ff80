//! Collects the events of one `push`: merges adjacent text deltas, numbers tool calls, and keeps
//! the raw text of the call being parsed so that a broken one can be given back.
//!
//! A tool section is a *span*: the machine opens it with the section's marker and records every
//! byte the section consumes. A call that ends as anything but complete is followed by its raw
//! text (from the section marker, or from the end of the previous complete call, or from the
//! last content the section wrote) as content, and the machine ends the section there; what
//! follows is read as content again. This is the one place that rule lives.
//!
//! The events of a push are small records whose text lies in one buffer, in order, so that a
//! push allocates nothing once the buffer has grown, and a consumer can read them borrowed
//! ([`Sink::visit`]) without a string per event.

use crate::event::{CallStatus, Event, EventRef};

/// A piece of the text buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Text {
    start: usize,
    end: usize,
}

/// An event of the current push; its text is in [`Sink::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rec {
    Content(Text),
    Reasoning(Text),
    Start { index: usize, id: Text, name: Text },
    Args { index: usize, text: Text },
    End { index: usize, status: CallStatus },
}

/// Where format machines write their output.
///
/// Adjacent deltas of the same kind are merged so one push usually yields at most one event per
/// kind; empty deltas are never emitted.
#[derive(Debug, Default)]
pub struct Sink {
    recs: Vec<Rec>,
    /// The text of every record, in record order (the last text record ends at its end).
    text: String,
    calls: usize,
    complete: usize,
    open: Option<usize>,
    span: Span,
    /// Inside a tool section opened in reasoning (Kimi-K2): text it gives back is reasoning.
    in_reasoning: bool,
}

/// The events of one push, borrowed from the sink (see `ToolCallStream::push_visit`).
#[derive(Debug, Clone, Copy)]
pub struct Events<'a> {
    recs: &'a [Rec],
    text: &'a str,
}

impl<'a> Events<'a> {
    /// How many events.
    #[must_use]
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    /// The events in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = EventRef<'a>> + 'a {
        let text = self.text;
        self.recs.iter().map(move |r| view(text, *r))
    }
}

#[inline]
fn view(text: &str, r: Rec) -> EventRef<'_> {
    let t = |t: Text| text.get(t.start..t.end).unwrap_or_default();
    match r {
        Rec::Content(x) => EventRef::Content(t(x)),
        Rec::Reasoning(x) => EventRef::Reasoning(t(x)),
        Rec::Start { index, id, name } => EventRef::ToolCallStart {
            index,
            id: t(id),
            name: t(name),
        },
        Rec::Args { index, text: x } => EventRef::ToolCallArgs { index, text: t(x) },
        Rec::End { index, status } => EventRef::ToolCallEnd { index, status },
    }
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
    /// Appends `s` to the text buffer; returns its place.
    fn put(&mut self, s: &str) -> Text {
        let start = self.text.len();
        self.text.push_str(s);
        Text {
            start,
            end: self.text.len(),
        }
    }

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
        let t = self.put(text);
        match self.recs.last_mut() {
            Some(Rec::Content(last)) if last.end == t.start => last.end = t.end,
            _ => self.recs.push(Rec::Content(t)),
        }
    }

    /// Appends reasoning text.
    pub fn reasoning(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.span.settled = true;
        let t = self.put(text);
        match self.recs.last_mut() {
            Some(Rec::Reasoning(last)) if last.end == t.start => last.end = t.end,
            _ => self.recs.push(Rec::Reasoning(t)),
        }
    }

    /// Starts a tool call; an open call is ended (as complete) first.
    pub fn start_call(&mut self, id: &str, name: &str) {
        self.end_call();
        let index = self.calls;
        self.calls += 1;
        self.open = Some(index);
        let id = self.put(id);
        let name = self.put(name);
        self.recs.push(Rec::Start { index, id, name });
    }

    /// Appends argument text to the open call (ignored when none is open).
    pub fn args(&mut self, text: &str) {
        self.args_with(|out| out.push_str(text));
    }

    /// Appends argument text that `write` appends to the string it is given, straight into the
    /// open call's last argument delta; returns what `write` returns. With no call open the
    /// text is discarded, as [`Sink::args`] does.
    pub fn args_with<R>(&mut self, write: impl FnOnce(&mut String) -> R) -> R {
        let start = self.text.len();
        let r = write(&mut self.text);
        let end = self.text.len();
        let Some(index) = self.open.filter(|_| end > start) else {
            self.text.truncate(start);
            return r;
        };
        match self.recs.last_mut() {
            Some(Rec::Args { index: last, text }) if *last == index && text.end == start => text.end = end,
            _ => self.recs.push(Rec::Args {
                index,
                text: Text { start, end },
            }),
        }
        r
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
        self.recs.push(Rec::End { index, status });
        if status == CallStatus::Complete {
            self.complete += 1;
            self.span.settled = true;
        } else {
            self.span.give_back_at = Some(self.recs.len());
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
    pub fn absorb(&mut self, mut side: Sink) {
        let events = side.take();
        self.append(events);
        self.calls = side.calls;
        self.complete = side.complete;
    }

    /// Appends owned events as they are (no merging).
    fn append(&mut self, events: Vec<Event>) {
        for e in events {
            let rec = match e {
                Event::Content(t) => Rec::Content(self.put(&t)),
                Event::Reasoning(t) => Rec::Reasoning(self.put(&t)),
                Event::ToolCallStart { index, id, name } => Rec::Start {
                    index,
                    id: self.put(&id),
                    name: self.put(&name),
                },
                Event::ToolCallArgs { index, text } => Rec::Args {
                    index,
                    text: self.put(&text),
                },
                Event::ToolCallEnd { index, status } => Rec::End { index, status },
            };
            self.recs.push(rec);
        }
    }

    /// Whether every event so far belongs to a call that ended complete (and there is one).
    #[must_use]
    pub fn only_complete_calls(&self) -> bool {
        self.has_complete_call()
            && self.open.is_none()
            && self.recs.iter().all(|r| match r {
                Rec::Start { .. } | Rec::Args { .. } => true,
                Rec::End { status, .. } => *status == CallStatus::Complete,
                Rec::Content(_) | Rec::Reasoning(_) => false,
            })
    }

    /// Whether a call ended complete.
    #[must_use]
    pub fn has_complete_call(&self) -> bool {
        self.recs.iter().any(|r| {
            matches!(
                r,
                Rec::End {
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
            .recs
            .iter()
            .any(|r| matches!(r, Rec::End { status, .. } if *status != CallStatus::Complete))
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
        // Checked here first: nearly every step ends no call, and the call costs more.
        if self.span.give_back_at.is_some() && self.give_back() {
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
            // Rare: rebuilt as owned events, the raw text inserted, written back in order.
            let mut events = self.take();
            match events.get_mut(at) {
                Some(Event::Content(next)) if !self.in_reasoning => next.insert_str(0, &raw),
                Some(Event::Reasoning(next)) if self.in_reasoning => next.insert_str(0, &raw),
                _ if self.in_reasoning => events.insert(at, Event::Reasoning(raw)),
                _ => events.insert(at, Event::Content(raw)),
            }
            self.append(events);
        }
        self.span_end();
        true
    }

    /// Takes the events collected since the last take.
    pub fn take(&mut self) -> Vec<Event> {
        self.visit(|events| events.iter().map(|e| e.to_owned()).collect())
    }

    /// Hands the events collected since the last take to `visit`, borrowed, then drops them
    /// (the buffers keep their capacity).
    pub fn visit<R>(&mut self, visit: impl FnOnce(Events<'_>) -> R) -> R {
        let r = visit(self.events());
        self.clear();
        r
    }

    fn events(&self) -> Events<'_> {
        Events {
            recs: &self.recs,
            text: &self.text,
        }
    }

    fn clear(&mut self) {
        self.recs.clear();
        self.text.clear();
    }
}
