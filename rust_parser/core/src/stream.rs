//! The public streaming parser: owns the pending input, the format machine and the sink.

use crate::error::Error;
use crate::event::{CallStatus, Event};
use crate::formats;
use crate::machine::{Cx, Machine};
use crate::sink::{Events, Sink};
use crate::text::TextOut;
use crate::tools::Tools;

/// Per-stream options.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Extract reasoning blocks (false: they stay in content verbatim).
    pub reasoning: bool,
    /// The prompt already opened the reasoning block: output starts inside it.
    pub thinking_forced_open: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            reasoning: true,
            thinking_forced_open: false,
        }
    }
}

/// Incremental extraction of content, reasoning and tool calls from one generation.
pub struct ToolCallStream {
    machine: Box<dyn Machine>,
    tools: Tools,
    sink: Sink,
    text: TextOut,
    pending: String,
    finished: bool,
}

impl std::fmt::Debug for ToolCallStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolCallStream")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl ToolCallStream {
    /// A stream for `format`.
    ///
    /// # Errors
    /// `Error::UnknownFormat` when the format is not registered.
    pub fn new(format: &str, tools: Tools, options: Options) -> Result<Self, Error> {
        let machine = formats::build(format, options.reasoning, options.thinking_forced_open)?;
        Ok(ToolCallStream {
            machine,
            tools,
            sink: Sink::default(),
            text: TextOut::default(),
            pending: String::new(),
            finished: false,
        })
    }

    /// Feeds one decoded piece; returns the events it completes. After `finish`, input is ignored.
    pub fn push(&mut self, text: &str) -> Vec<Event> {
        let mut out = Vec::new();
        self.push_into(text, &mut out);
        out
    }

    /// [`ToolCallStream::push`] appending to `out`: a caller that reuses `out` allocates no
    /// event list per piece.
    pub fn push_into(&mut self, text: &str, out: &mut Vec<Event>) {
        self.push_visit(text, |events| out.extend(events.iter().map(|e| e.to_owned())));
    }

    /// Runs the machine over `text` after what is pending; the events stay in the sink.
    fn feed(&mut self, text: &str) {
        if self.pending.is_empty() {
            // Common case: run on the new text directly, keep only the undecided tail. A piece
            // that passed through whole (most pieces of prose or of a long string argument)
            // is done.
            let text = &text[self.pass_through(text)..];
            if text.is_empty() {
                return;
            }
            let used = self.run(text);
            self.pending.push_str(&text[used..]);
        } else {
            let mut buf = std::mem::take(&mut self.pending);
            buf.push_str(text);
            let used = self.run(&buf);
            buf.drain(..used);
            self.pending = buf;
        }
    }

    /// [`ToolCallStream::push`] handing the events to `visit`, borrowed: no string is made per
    /// event, and a push allocates nothing once the stream's buffers have grown. The cheapest
    /// way to consume a stream (the Python binding uses it).
    pub fn push_visit<R>(&mut self, text: &str, visit: impl FnOnce(Events<'_>) -> R) -> R {
        if !self.finished && !text.is_empty() {
            self.feed(text);
        }
        self.sink.visit(visit)
    }

    /// [`ToolCallStream::finish`] handing the events to `visit` (see
    /// [`ToolCallStream::push_visit`]).
    pub fn finish_visit<R>(&mut self, visit: impl FnOnce(Events<'_>) -> R) -> R {
        self.end();
        self.sink.visit(visit)
    }

    /// Writes the leading run of `text` that the machine's current state passes through
    /// unchanged (see [`Lane`]); returns its length. Most pieces of prose or of a long string
    /// argument end here without stepping through the format's layers.
    fn pass_through(&mut self, text: &str) -> usize {
        let Some(lane) = self.machine.lane() else {
            return 0;
        };
        let n = lane.run(text);
        if n > 0 {
            let mut cx = Cx {
                sink: &mut self.sink,
                tools: &self.tools,
                text: &mut self.text,
            };
            lane.write(&text[..n], &mut cx);
        }
        n
    }

    fn run(&mut self, input: &str) -> usize {
        let mut cx = Cx {
            sink: &mut self.sink,
            tools: &self.tools,
            text: &mut self.text,
        };
        let mut pos = 0;
        while let Some(n) = self.machine.step(&input[pos..], &mut cx) {
            pos += n;
        }
        pos
    }

    /// End of generation: flushes held-back text, ends open calls (a call cut inside its
    /// arguments is truncated and given back as content).
    pub fn finish(&mut self) -> Vec<Event> {
        self.end();
        self.sink.take()
    }

    /// The end of generation; its events stay in the sink.
    fn end(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        let held = std::mem::take(&mut self.pending);
        let mut cx = Cx {
            sink: &mut self.sink,
            tools: &self.tools,
            text: &mut self.text,
        };
        self.machine.finish(&held, &mut cx);
        cx.sink.end_call_as(CallStatus::Truncated);
        cx.text.end(cx.sink);
    }
}

/// One parsed tool call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedCall {
    /// The model's id, or empty.
    pub id: String,
    /// Function name.
    pub name: String,
    /// Arguments (JSON text).
    pub arguments: String,
}

/// A whole message: the fold of a stream's events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Answer text.
    pub content: String,
    /// Reasoning text.
    pub reasoning_content: String,
    /// Tool calls in order.
    pub tool_calls: Vec<ParsedCall>,
}

impl Parsed {
    /// Applies one event.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::Content(t) => self.content.push_str(t),
            Event::Reasoning(t) => self.reasoning_content.push_str(t),
            Event::ToolCallStart { id, name, .. } => {
                self.tool_calls.push(ParsedCall {
                    id: id.clone(),
                    name: name.clone(),
                    arguments: String::new(),
                });
            }
            // Calls do not interleave: the open call is the last one.
            Event::ToolCallArgs { text, .. } => {
                if let Some(call) = self.tool_calls.last_mut() {
                    call.arguments.push_str(text);
                }
            }
            Event::ToolCallEnd { status, .. } => {
                if *status != CallStatus::Complete {
                    // Not a call: its raw text follows as content.
                    self.tool_calls.pop();
                }
            }
        }
    }

    /// Folds events.
    #[must_use]
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Parsed {
        let mut p = Parsed::default();
        for e in events {
            p.apply(e);
        }
        p
    }
}

/// Parses a whole output: exactly the fold of `push(text)` + `finish()`.
///
/// # Errors
/// `Error::UnknownFormat` when the format is not registered.
pub fn parse(format: &str, text: &str, tools: Tools, options: Options) -> Result<Parsed, Error> {
    let mut stream = ToolCallStream::new(format, tools, options)?;
    let mut events = stream.push(text);
    events.extend(stream.finish());
    Ok(Parsed::fold(&events))
}
