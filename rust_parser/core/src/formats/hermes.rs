//! `hermes`: Hermes 2 Pro / Hermes 3 / Qwen2.5 / Qwen3 / QwQ / MiMo.
//!
//! ```text
//! <think>…</think>
//! Let me check.
//! <tool_call>
//! {"name": "get_weather", "arguments": {"location": "Tokyo"}}
//! </tool_call>
//! ```
//!
//! Also accepted, as llama.cpp does: the wrapper tags `<function_call>`, `<tool>`, `<tools>`,
//! `<response>`, `<json>`, `<xml>`, `<JSON>` (closed by the same name); a ```` ```json ````/
//! ```` ```xml ```` fence around the block; `<function=NAME>{json}</function>` and
//! `<function name="NAME">{json}</function>`; several call objects in one block; arguments as
//! a JSON string. A `<tool_call>` also ends an unclosed `<think>` (Qwen3.5 does this).

use crate::envelope::{Envelope, Keys, OPENAI_KEYS};
use crate::gated::{Gated, GatedDialect, InReasoning, ALL_MARKERS};
use crate::machine::Machine;
use crate::machine::{Cx, Lane, Progress, Section};
use crate::scan::{is_prefix_of, leading_ws};
use crate::sections::{feed_envelope, finish_envelope, EnvStep, FunctionTag, UntilClose};
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec};
use crate::tools::Tools;

/// A call object directly inside a code fence: it must carry its arguments.
const FENCED_KEYS: Keys = Keys {
    args_required: true,
    ..OPENAI_KEYS
};

/// Wrapper tags: (open, close).
const WRAPPERS: [(&str, &str); 8] = [
    ("<tool_call>", "</tool_call>"),
    ("<function_call>", "</function_call>"),
    ("<tool>", "</tool>"),
    ("<tools>", "</tools>"),
    ("<response>", "</response>"),
    ("<json>", "</json>"),
    ("<xml>", "</xml>"),
    ("<JSON>", "</JSON>"),
];

const FN_EQ: &str = "<function=";
const FN_NAME: &str = "<function name=\"";
const FENCES: [&str; 3] = ["```json", "```xml", "```"];

const STARTS: &[&str] = &[
    "<tool_call>",
    "<function_call>",
    "<tool>",
    "<tools>",
    "<response>",
    "<json>",
    "<xml>",
    "<JSON>",
    FN_EQ,
    FN_NAME,
    "```json",
    "```xml",
    "```",
];

/// The dialect.
pub(crate) const DIALECT: GatedDialect = GatedDialect {
    think_open: &["<think>"],
    think_close: &["</think>"],
    tool_starts: STARTS,
    reasoning_starts: ALL_MARKERS,
    in_reasoning: InReasoning::TextUnlessAtEnd,
    // Qwen3 / QwQ templates open the block in the prompt. The family is also the fallback of
    // models that never think (the default SmolLM2): the service turns reasoning off for
    // templates without reasoning markers, and for prompts that already closed the block, so
    // their answers stream instead of being held until a close or the end of output.
    close_without_open: true,
    stops: &[],
    open,
};

fn open(marker: usize, _tools: &Tools) -> Box<dyn Section> {
    match STARTS[marker] {
        FN_EQ => Box::new(FunctionTag::new(FN_EQ, false)),
        FN_NAME => Box::new(FunctionTag::new(FN_NAME, true)),
        m if FENCES.contains(&m) => Box::new(Fence::new(m)),
        _ => Box::new(Block::new(
            WRAPPERS[marker].0.to_owned(),
            WRAPPERS[marker].1,
            OPENAI_KEYS,
        )),
    }
}

#[derive(Debug)]
enum BSt {
    Head,
    Call,
    Inner,
    After,
    Trailing,
}

/// A wrapper block: one or more call objects (or a `<function=…>` call), then the close tag.
pub(crate) struct Block {
    /// The text that opened the block (given back if its first object is not a call).
    open: String,
    close: &'static str,
    keys: Keys,
    st: BSt,
    env: Envelope,
    inner: Option<FunctionTag>,
    until: UntilClose,
    calls: usize,
}

impl Block {
    fn new(open: String, close: &'static str, keys: Keys) -> Self {
        Block {
            open,
            close,
            keys,
            st: BSt::Head,
            env: Envelope::new(keys),
            inner: None,
            until: UntilClose::new(close),
            calls: 0,
        }
    }

    /// What to give back as content when the first object breaks: the open tag.
    fn prefix_of(open: &str, calls: usize) -> &str {
        if calls == 0 {
            open
        } else {
            ""
        }
    }
}

impl Section for Block {
    fn lane(&self) -> Option<Lane<'_>> {
        match self.st {
            BSt::Call => self.env.lane(),
            BSt::Inner => self.inner.as_ref().and_then(Section::lane),
            _ => None,
        }
    }

    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.st {
            BSt::Head => {
                let ws = leading_ws(input);
                let rest = &input[ws..];
                for (m, quoted) in [(FN_EQ, false), (FN_NAME, true)] {
                    if rest.starts_with(m) {
                        self.inner = Some(FunctionTag::new(m, quoted));
                        self.st = BSt::Inner;
                        return Progress::Consumed(ws + m.len());
                    }
                    if is_prefix_of(rest, m) {
                        return Progress::NeedMore;
                    }
                }
                if rest.is_empty() {
                    return Progress::NeedMore;
                }
                self.st = BSt::Call;
                Progress::Consumed(0)
            }
            BSt::Call => {
                match feed_envelope(&mut self.env, Self::prefix_of(&self.open, self.calls), input, cx) {
                    EnvStep::Progress(p) => p,
                    EnvStep::Complete(n) => {
                        self.calls += 1;
                        self.st = BSt::After;
                        Progress::Consumed(n)
                    }
                    EnvStep::Broken { n, started } => {
                        if started {
                            self.calls += 1;
                            self.st = BSt::Trailing;
                            Progress::Consumed(n)
                        } else if self.calls == 0 {
                            Progress::Done(n)
                        } else {
                            self.st = BSt::Trailing;
                            Progress::Consumed(n)
                        }
                    }
                }
            }
            BSt::Inner => {
                let Some(inner) = self.inner.as_mut() else {
                    return Progress::Done(0);
                };
                match inner.step(input, cx) {
                    Progress::Done(n) => {
                        self.calls += usize::from(cx.sink.calls_started() > 0);
                        self.st = BSt::After;
                        Progress::Consumed(n)
                    }
                    p => p,
                }
            }
            BSt::After => {
                let ws = leading_ws(input);
                let rest = &input[ws..];
                if rest.starts_with(self.close) {
                    Progress::Done(ws + self.close.len())
                } else if rest.is_empty() || is_prefix_of(rest, self.close) {
                    Progress::NeedMore
                } else if rest.starts_with('{') {
                    self.env = Envelope::new(self.keys);
                    self.st = BSt::Call;
                    Progress::Consumed(ws)
                } else {
                    self.st = BSt::Trailing;
                    Progress::Consumed(ws)
                }
            }
            BSt::Trailing => self.until.step(input, cx),
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match self.st {
            BSt::Head => {
                cx.content(&self.open);
                cx.content(held);
            }
            BSt::Call => {
                let prefix = Self::prefix_of(&self.open, self.calls);
                finish_envelope(&mut self.env, prefix, held, cx);
            }
            BSt::Inner => match self.inner.as_mut() {
                Some(inner) => inner.finish(held, cx),
                None => cx.content(held),
            },
            BSt::After | BSt::Trailing => cx.content(held),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FSt {
    Head,
    Block,
    After,
}

/// A code fence that must be followed by a wrapper tag; otherwise it is plain content.
pub(crate) struct Fence {
    fence: &'static str,
    ws: String,
    st: FSt,
    block: Option<Block>,
}

impl Fence {
    fn new(fence: &'static str) -> Self {
        Fence {
            fence,
            ws: String::new(),
            st: FSt::Head,
            block: None,
        }
    }
}

impl Section for Fence {
    fn lane(&self) -> Option<Lane<'_>> {
        match (self.st, self.block.as_ref()) {
            (FSt::Block, Some(block)) => block.lane(),
            _ => None,
        }
    }

    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.st {
            FSt::Head => {
                let ws = leading_ws(input);
                if ws > 0 {
                    self.ws.push_str(&input[..ws]);
                    return Progress::Consumed(ws);
                }
                for (open, close) in WRAPPERS {
                    if input.starts_with(open) {
                        self.block = Some(Block::new(open.to_owned(), close, OPENAI_KEYS));
                        self.st = FSt::Block;
                        return Progress::Consumed(open.len());
                    }
                    if is_prefix_of(input, open) {
                        return Progress::NeedMore;
                    }
                }
                if input.starts_with('{') {
                    // A call object right in the fence (indented or not), closed by the fence.
                    // Only an object with arguments is a call: a fenced JSON example is not.
                    let open = format!("{}{}", self.fence, self.ws);
                    self.block = Some(Block::new(open, "```", FENCED_KEYS));
                    self.st = FSt::Block;
                    return Progress::Consumed(0);
                }
                cx.content(self.fence);
                cx.content(&self.ws);
                Progress::Done(0)
            }
            FSt::Block => {
                let Some(block) = self.block.as_mut() else {
                    return Progress::Done(0);
                };
                match block.step(input, cx) {
                    Progress::Done(n) => {
                        self.st = FSt::After;
                        Progress::Consumed(n)
                    }
                    p => p,
                }
            }
            FSt::After => {
                let ws = leading_ws(input);
                let rest = &input[ws..];
                if rest.starts_with("```") {
                    Progress::Done(ws + 3)
                } else if rest.is_empty() || is_prefix_of(rest, "```") {
                    Progress::NeedMore
                } else {
                    Progress::Done(0)
                }
            }
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match (self.st, self.block.as_mut()) {
            (FSt::Head, _) => {
                cx.content(self.fence);
                cx.content(&self.ws);
                cx.content(held);
            }
            (FSt::Block, Some(block)) => block.finish(held, cx),
            _ => cx.content(held),
        }
    }
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Gated::new(DIALECT, reasoning, forced_open))
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "hermes",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<tool_call>"],
        template_rule: None,
        names: &["qwen", "qwq", "hermes", "mimo"],
    },
    call: CallShape {
        open: &[],
        call: &[
            Piece::Marker("<tool_call>"),
            Piece::Text("\n"),
            Piece::Text("{\"name\": "),
            Piece::NameJson,
            Piece::Text(", \"arguments\": "),
            Piece::Args,
            Piece::Text("}\n"),
            Piece::Marker("</tool_call>"),
        ],
        separator: &[Piece::Text("\n")],
        close: &[],
        args: Args::Json,
    },
};
