//! `gemma4`: Google Gemma 4 — `<|tool_call>call:NAME{…}<tool_call|>` with Gemma's own literal
//! syntax, reasoning in the `thought` channel.
//!
//! ```text
//! <|channel>thought
//! Need the weather.<channel|><|tool_call>call:get_weather{location:<|"|>Tokyo<|"|>,days:3}<tool_call|>
//! ```
//!
//! Keys are bare, strings are enclosed in `<|"|>`, other values are bare; objects and arrays
//! nest (see [`keyed_literal`]). Several calls are several `<|tool_call>` blocks; a
//! missing `<tool_call|>` is tolerated (the call is complete once its arguments are). A call
//! marker also ends an unclosed thought; a thought channel later in the output (between calls,
//! after text) is reasoning too; an empty one yields no reasoning, and a `<channel|>` with no
//! channel open is markup. `<turn|>` ends the output. Ids are `""`.

use crate::event::CallStatus;
use crate::gated::{Gated, GatedDialect, InReasoning};
use crate::machine::{Cx, Machine, Progress, Section};
use crate::scan::{bounded_run, is_prefix_of, leading_ws};
use crate::sections::{DropMarker, ProgressExt};
use crate::spec::{Args, CallShape, Detect, Params, Piece, Reasoning, Spec};
use crate::tools::Tools;
use keyed_literal::{held_back, KeyedLiteral, LitStatus};

mod keyed_literal;

const OPEN: &str = "<|tool_call>";
const CLOSE: &str = "<tool_call|>";
const CALL: &str = "call:";
const QUOTE: &str = "<|\"|>";
const MAX_NAME: usize = 256;

const CHANNEL: &str = "<|channel>";
const CHANNEL_CLOSE: &str = "<channel|>";
/// The channel's name and the end of its header line, dropped from the reasoning.
const HEADER: &str = "thought\n";

const DIALECT: GatedDialect = GatedDialect {
    // The channel name ends its header line; a channel without the name is a thought too.
    think_open: &["<|channel>thought\n", "<|channel>thought", CHANNEL],
    think_close: &[CHANNEL_CLOSE],
    // A thought channel may also open later (Gemma 4's grammar repeats `channel content`):
    // recognised in content only, when reasoning is extracted. A channel close with no channel
    // open (the prompt's own empty thought channel, closed again) is markup, not the answer.
    tool_starts: &[OPEN, CHANNEL, CHANNEL_CLOSE],
    reasoning_starts: 1,
    in_reasoning: InReasoning::TextUnlessAtEnd,
    close_without_open: false,
    stops: &["<turn|>"],
    open,
};

/// Reasoning not extracted: a thought channel is text as written.
const PLAIN: GatedDialect = GatedDialect {
    tool_starts: &[OPEN],
    ..DIALECT
};

fn open(marker: usize, _tools: &Tools) -> Box<dyn Section> {
    match marker {
        0 => Box::new(GemmaCall::new()),
        1 => Box::new(Thought { header: true }),
        _ => Box::new(DropMarker),
    }
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    let dialect = if reasoning { DIALECT } else { PLAIN };
    Box::new(Gated::new(dialect, reasoning, forced_open))
}

/// A thought channel after the start of the output: its text is reasoning, up to `<channel|>`.
struct Thought {
    /// The channel's header (`thought\n`) may still follow the marker.
    header: bool,
}

impl Section for Thought {
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        if self.header {
            if input.len() < HEADER.len() && HEADER.starts_with(input) {
                return Progress::NeedMore;
            }
            self.header = false;
            let name = HEADER.trim_end();
            let n = if input.starts_with(HEADER) {
                HEADER.len()
            } else if input.starts_with(name) {
                name.len()
            } else {
                0
            };
            return Progress::Consumed(n);
        }
        match input.find(CHANNEL_CLOSE) {
            Some(at) => {
                cx.reasoning(&input[..at]);
                Progress::Done(at + CHANNEL_CLOSE.len())
            }
            None => {
                let take = held_back(input, CHANNEL_CLOSE);
                cx.reasoning(&input[..take]);
                Progress::Consumed(take).nonzero()
            }
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        // A thought cut off by the end of the output is still the model's thinking; a header
        // cut off is only the channel's name.
        if !(self.header && HEADER.starts_with(held)) {
            cx.reasoning(held);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Call,
    Name,
    Args,
    AfterArgs,
}

/// One `<|tool_call>` block.
struct GemmaCall {
    st: St,
    raw: String,
    name: String,
    args: KeyedLiteral,
}

impl GemmaCall {
    fn new() -> Self {
        GemmaCall {
            st: St::Call,
            raw: OPEN.to_owned(),
            name: String::new(),
            args: KeyedLiteral::new(QUOTE),
        }
    }

    fn give_back(&mut self, n: usize, cx: &mut Cx<'_>) -> Progress {
        cx.content(&std::mem::take(&mut self.raw));
        Progress::Done(n)
    }

    fn name(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let name_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':');
        let run = bounded_run(input, self.name.len(), MAX_NAME, name_byte);
        self.name.push_str(&input[..run]);
        self.raw.push_str(&input[..run]);
        if self.name.len() > MAX_NAME {
            return self.give_back(run, cx);
        }
        match input.as_bytes().get(run) {
            None => Progress::Consumed(run).nonzero(),
            Some(b'{') if !self.name.is_empty() => {
                cx.sink.start_call("", &self.name);
                cx.sink.args("{");
                self.raw.clear();
                self.st = St::Args;
                Progress::Consumed(run + 1)
            }
            Some(_) => self.give_back(run, cx),
        }
    }
}

impl Section for GemmaCall {
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.st {
            St::Call => {
                let ws = leading_ws(input);
                let rest = &input[ws..];
                if rest.starts_with(CALL) {
                    self.raw.push_str(&input[..ws + CALL.len()]);
                    self.st = St::Name;
                    Progress::Consumed(ws + CALL.len())
                } else if rest.is_empty() || is_prefix_of(rest, CALL) {
                    Progress::NeedMore
                } else {
                    self.give_back(0, cx)
                }
            }
            St::Name => self.name(input, cx),
            St::Args => {
                let mut out = String::new();
                let (n, status) = self.args.feed(input, &mut out);
                cx.sink.args(&out);
                match status {
                    LitStatus::NeedMore => Progress::Consumed(n).nonzero(),
                    LitStatus::Complete => {
                        cx.sink.end_call();
                        self.st = St::AfterArgs;
                        Progress::Consumed(n)
                    }
                    LitStatus::Invalid => {
                        // Not a call after all: the machine gives its raw text back as content.
                        cx.sink.end_call_as(CallStatus::Invalid);
                        Progress::Done(n)
                    }
                }
            }
            St::AfterArgs => {
                let ws = leading_ws(input);
                let rest = &input[ws..];
                if rest.starts_with(CLOSE) {
                    Progress::Done(ws + CLOSE.len())
                } else if rest.is_empty() || is_prefix_of(rest, CLOSE) {
                    Progress::NeedMore
                } else {
                    // The whitespace is the machine's (glue, or text as written).
                    Progress::Done(0)
                }
            }
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match self.st {
            St::Args => {
                cx.sink.end_call_as(CallStatus::Truncated);
                cx.content(held);
            }
            St::AfterArgs => cx.content(held.trim_start_matches(|c: char| c.is_ascii_whitespace())),
            St::Call | St::Name => {
                cx.content(&std::mem::take(&mut self.raw));
                cx.content(held);
            }
        }
    }
}

/// `key:<|"|>text<|"|>` for strings, `key:VALUE` otherwise, comma-separated.
const GEMMA_PARAMS: Params = Params {
    string: &[
        Piece::Key,
        Piece::Text(":"),
        Piece::Marker(QUOTE),
        Piece::Value,
        Piece::Marker(QUOTE),
    ],
    other: &[Piece::Key, Piece::Text(":"), Piece::Value],
    separator: ",",
    raw_strings: true,
};

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "gemma4",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<|tool_call>", "<|\"|>"],
        template_rule: None,
        names: &["gemma-4", "gemma4"],
    },
    call: CallShape {
        open: &[],
        call: &[
            Piece::Marker("<|tool_call>"),
            Piece::Text("call:"),
            Piece::Name,
            Piece::Text("{"),
            Piece::Args,
            Piece::Text("}"),
            Piece::Marker("<tool_call|>"),
        ],
        separator: &[],
        close: &[],
        args: Args::Params(GEMMA_PARAMS),
    },
};
