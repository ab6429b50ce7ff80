//! The DeepSeek tool-call family (R1, V3-0324, R1-0528, V3.1, V3.2-Exp): markers, the call
//! parser shared by `deepseek_r1`, `deepseek_v3` and `deepseek_v31`, and their machine.
//!
//! The markers use U+FF5C FULLWIDTH VERTICAL LINE `｜` and U+2581 LOWER ONE EIGHTH BLOCK `▁`.
//! One call parser accepts every call shape the family writes, so a model that drifts between
//! them (R1 distills do) still parses:
//!
//! ````text
//! function<｜tool▁sep｜>NAME\n```json\n{…}\n```      R1 / V3-0324 (the type word, a fence)
//! NAME<｜tool▁sep｜>{…}                              V3.1 / V3.2-Exp (raw JSON)
//! function<NAME>\n```json\n{…}\n```                  ik_llama.cpp PR #652 format 2
//! function\n```json\n{"tools": [{"name": …, "arguments": {…}}, …]}\n```   format 3
//! <tool_call>\nfunction</think>NAME\n```json\n{…}\n```\n</tool_call>       format 4
//! ````
//!
//! Inside `<｜tool▁calls▁begin｜>` … `<｜tool▁calls▁end｜>` (or the opener spellings llama.cpp
//! accepts: `<｜tool_calls_begin｜>`, `<｜tool calls begin｜>`, `<｜tool\_calls\_begin｜>`,
//! `<｜tool▁calls｜>`) each call is `<｜tool▁call▁begin｜>` CALL `<｜tool▁call▁end｜>`; the call
//! begin and end are optional (llama.cpp's regex makes the begin optional). A bare
//! `<｜tool▁call▁begin｜>` in content opens a call too. Formats 2 and 3 are recognised bare in
//! content (not in reasoning, where `function<` is likely prose or code). Format 4 and the native
//! markers inside an open reasoning block are reasoning text (the model quotes or plans the
//! syntax: llama.cpp, vLLM and SGLang all read everything before `</think>` as reasoning), unless
//! the block is never closed and the output ends with their complete calls (the model forgot the
//! close). Arguments stream as the model's raw JSON
//! (a JSON string holding the object is decoded). `<｜end▁of▁sentence｜>` leaking into the text
//! ends the output (it and what follows are dropped).

use crate::call_section::{match_lits, CallParser, CallSection, CallStep, Lit, SectionSyntax};
use crate::envelope::{EnvStatus, Envelope, OPENAI_KEYS};
use crate::gated::{Gated, GatedDialect, InReasoning};
use crate::json_args::{ArgsStatus, JsonArgs};
use crate::machine::{Cx, Lane, Machine, Progress, Section};
use crate::scan::{bounded_run, is_prefix_of, leading_ws};
use crate::tools::Tools;

/// Opens the calls section.
pub(crate) const CALLS_BEGIN: &str = "<｜tool▁calls▁begin｜>";
/// Closes the calls section.
pub(crate) const CALLS_END: &str = "<｜tool▁calls▁end｜>";
/// Opens one call.
pub(crate) const CALL_BEGIN: &str = "<｜tool▁call▁begin｜>";
/// Closes one call.
pub(crate) const CALL_END: &str = "<｜tool▁call▁end｜>";
/// Separates the type word (R1) or the name (V3.1) from what follows.
pub(crate) const SEP: &str = "<｜tool▁sep｜>";
/// End of turn.
pub(crate) const EOS: &str = "<｜end▁of▁sentence｜>";

const FORMAT4: &str = "<tool_call>";
const FORMAT4_CLOSE: &str = "</tool_call>";
const FORMAT2: &str = "function<";
const FORMAT3: &str = "function\n```json";

/// Section openers: the native one, then the spellings llama.cpp accepts.
const OPENERS: [&str; 5] = [
    CALLS_BEGIN,
    "<｜tool_calls_begin｜>",
    "<｜tool calls begin｜>",
    "<｜tool\\_calls\\_begin｜>",
    "<｜tool▁calls｜>",
];

const STARTS: &[&str] = &[
    OPENERS[0], OPENERS[1], OPENERS[2], OPENERS[3], OPENERS[4], CALL_BEGIN, FORMAT4, FORMAT2, FORMAT3,
];

/// The dialect shared by `deepseek_r1`, `deepseek_v3` and `deepseek_v31`: `<think>…</think>`
/// reasoning; the section openers, a bare call begin and `<tool_call>` in an open one are
/// reasoning text unless the output ends with their complete calls.
pub(crate) const DIALECT: GatedDialect = GatedDialect {
    think_open: &["<think>"],
    think_close: &["</think>"],
    tool_starts: STARTS,
    reasoning_starts: 7,
    in_reasoning: InReasoning::TextUnlessAtEnd,
    close_without_open: false,
    stops: &[EOS],
    open,
};

/// The calls section.
pub(crate) static SECTION: SectionSyntax = SectionSyntax {
    call_begin: CALL_BEGIN,
    call_end: CALL_END,
    section_end: &[
        CALLS_END,
        "<｜tool_calls_end｜>",
        "<｜tool calls end｜>",
        "<｜tool\\_calls\\_end｜>",
    ],
    stops: &[EOS],
    implicit_call: token_byte,
    new_call,
};

/// The machine for the family.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    machine_for(DIALECT, reasoning, forced_open)
}

/// The machine for a member of the family whose reasoning properties differ from [`DIALECT`].
#[must_use]
pub(crate) fn machine_for(d: GatedDialect, reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Gated::new(d, reasoning, forced_open))
}

fn open(marker: usize, _tools: &Tools) -> Box<dyn Section> {
    match STARTS.get(marker).copied() {
        Some(CALL_BEGIN) => Box::new(CallSection::bare_call(&SECTION)),
        Some(FORMAT4) => Box::new(Single::new(DsCall::new(FORMAT4), Some(FORMAT4_CLOSE))),
        Some(FORMAT2) => {
            let mut call = DsCall::new(FORMAT2);
            call.st = St::Name;
            call.fmt2 = true;
            Box::new(Single::new(call, None))
        }
        Some(FORMAT3) => {
            let mut call = DsCall::new(FORMAT3);
            call.st = St::Fence;
            call.tools_array = true;
            Box::new(Single::new(call, None))
        }
        Some(m) => Box::new(CallSection::section(&SECTION, m)),
        None => Box::new(CallSection::section(&SECTION, "")),
    }
}

fn new_call(raw: &str) -> Box<dyn CallParser> {
    Box::new(DsCall::new(raw))
}

/// A byte that may be part of a type word or a function name.
fn token_byte(b: u8) -> bool {
    !(b.is_ascii_whitespace() || matches!(b, b'<' | b'>' | b'`' | b'{' | b'[' | b'"'))
}

/// Longest type word or name considered.
const MAX_TOKEN: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    /// The type word (R1) or the name (V3.1).
    Head,
    /// After it: `<｜tool▁sep｜>`, `</think>`, `<NAME>`, or a fence.
    AfterHead,
    /// After the separator: JSON (V3.1) or the name (R1).
    AfterSep,
    /// The name (R1; format 2 up to `>`).
    Name,
    /// After the name: a fence or JSON.
    AfterName,
    /// After the opening fence.
    Fence,
    Args,
    /// After fenced arguments: the closing fence.
    CloseFence,
    /// Format 3: `{"tools": [` token `k`.
    ToolsHead(usize),
    /// Format 3: an element or `]`.
    Elem,
    /// Format 3: inside an element.
    Env,
    /// Format 3: `,` or `]`.
    ElemAfter,
    /// Format 3: `}` then the fence (token `k`).
    ToolsTail(usize),
}

const TOOLS_HEAD: [&str; 4] = ["{", "\"tools\"", ":", "["];
const TOOLS_TAIL: [&str; 2] = ["}", "```"];

/// One call of any of the family's shapes.
pub(crate) struct DsCall {
    st: St,
    raw: String,
    head: String,
    name: String,
    fmt2: bool,
    /// Whitespace came after the head (`function <x>` is not format 2).
    gap: bool,
    fenced: bool,
    tools_array: bool,
    args: JsonArgs,
    env: Envelope,
    emitted: usize,
}

impl DsCall {
    /// A call after `raw` (its call-begin marker, possibly empty).
    #[must_use]
    pub(crate) fn new(raw: &str) -> Self {
        DsCall {
            st: St::Head,
            raw: raw.to_owned(),
            head: String::new(),
            name: String::new(),
            fmt2: false,
            gap: false,
            fenced: false,
            tools_array: false,
            args: JsonArgs::new(),
            env: Envelope::new(OPENAI_KEYS),
            emitted: 0,
        }
    }

    fn fail(&mut self, n: usize) -> CallStep {
        CallStep::Failed {
            n,
            raw: std::mem::take(&mut self.raw),
        }
    }

    /// Consumes leading whitespace into `raw`; `Some` when the input is all whitespace.
    fn ws(&mut self, input: &str) -> (usize, Option<CallStep>) {
        let ws = leading_ws(input);
        self.raw.push_str(&input[..ws]);
        if ws == input.len() {
            (ws, Some(CallStep::Consumed(ws)))
        } else {
            (ws, None)
        }
    }

    fn start(&mut self, name: &str, cx: &mut Cx<'_>) {
        cx.sink.start_call("", name);
        self.emitted += 1;
        self.st = St::Args;
    }

    /// Reads a token (into `head` or `name`); `Some(step)` while it goes on or failed.
    fn token(&mut self, input: &str, into_name: bool) -> (usize, Option<CallStep>) {
        let stop_at_gt = into_name && self.fmt2;
        let have = if into_name {
            self.name.len()
        } else {
            self.head.len()
        };
        // Capped so that "too long" is decided at the same text position on every split.
        let run = bounded_run(input, have, MAX_TOKEN, |b| {
            if stop_at_gt {
                b != b'>' && b != b'\n' && b != b'<'
            } else {
                token_byte(b)
            }
        });
        let piece = &input[..run];
        self.raw.push_str(piece);
        let buf = if into_name { &mut self.name } else { &mut self.head };
        buf.push_str(piece);
        if buf.len() > MAX_TOKEN {
            return (run, Some(self.fail(run)));
        }
        if run == input.len() {
            return (run, Some(CallStep::Consumed(run)));
        }
        if buf.trim().is_empty() {
            return (run, Some(self.fail(run)));
        }
        (run, None)
    }

    fn step_inner(&mut self, input: &str, cx: &mut Cx<'_>) -> CallStep {
        match self.st {
            St::Head => {
                let (ws, done) = if self.head.is_empty() {
                    self.ws(input)
                } else {
                    (0, None)
                };
                if let Some(step) = done {
                    return step;
                }
                let (run, done) = self.token(&input[ws..], false);
                if let Some(step) = done {
                    return shift(step, ws);
                }
                self.st = St::AfterHead;
                CallStep::Consumed(ws + run)
            }
            St::AfterHead => {
                let (ws, done) = self.ws(input);
                self.gap |= ws > 0;
                if let Some(step) = done {
                    return step;
                }
                let rest = &input[ws..];
                let is_function = self.head == "function";
                match match_lits(rest, &[SEP, "</think>", "```json", "```", "<"]) {
                    Lit::Partial => wait(ws),
                    Lit::Found(k, len) if k < 2 => {
                        self.raw.push_str(&rest[..len]);
                        self.st = St::AfterSep;
                        CallStep::Consumed(ws + len)
                    }
                    Lit::Found(k, len) if k < 4 && is_function => {
                        self.raw.push_str(&rest[..len]);
                        self.tools_array = true;
                        self.st = St::Fence;
                        CallStep::Consumed(ws + len)
                    }
                    Lit::Found(4, len) if is_function && !self.gap => {
                        self.raw.push_str(&rest[..len]);
                        self.fmt2 = true;
                        self.st = St::Name;
                        CallStep::Consumed(len)
                    }
                    _ => self.fail(ws),
                }
            }
            St::AfterSep => {
                let (ws, done) = self.ws(input);
                if let Some(step) = done {
                    return step;
                }
                match input.as_bytes().get(ws) {
                    Some(b'{' | b'[' | b'"') => {
                        let name = self.head.clone();
                        self.start(&name, cx);
                        CallStep::Consumed(ws)
                    }
                    Some(&b) if token_byte(b) => {
                        self.st = St::Name;
                        CallStep::Consumed(ws)
                    }
                    _ => self.fail(ws),
                }
            }
            St::Name => {
                let (run, done) = self.token(input, true);
                if let Some(step) = done {
                    return step;
                }
                if self.fmt2 {
                    if input.as_bytes().get(run) != Some(&b'>') {
                        return self.fail(run);
                    }
                    self.raw.push('>');
                    self.st = St::AfterName;
                    return CallStep::Consumed(run + 1);
                }
                self.st = St::AfterName;
                CallStep::Consumed(run)
            }
            St::AfterName => {
                let (ws, done) = self.ws(input);
                if let Some(step) = done {
                    return step;
                }
                let rest = &input[ws..];
                match match_lits(rest, &["```json", "```"]) {
                    Lit::Partial => wait(ws),
                    Lit::Found(_, len) => {
                        self.raw.push_str(&rest[..len]);
                        self.fenced = true;
                        self.st = St::Fence;
                        CallStep::Consumed(ws + len)
                    }
                    Lit::Miss => match rest.as_bytes().first() {
                        Some(b'{' | b'[') => {
                            let name = self.name.trim().to_owned();
                            self.start(&name, cx);
                            CallStep::Consumed(ws)
                        }
                        _ => self.fail(ws),
                    },
                }
            }
            St::Fence => {
                let (ws, done) = self.ws(input);
                if let Some(step) = done {
                    return step;
                }
                match input.as_bytes().get(ws) {
                    Some(b'{') if self.tools_array => {
                        self.st = St::ToolsHead(0);
                        CallStep::Consumed(ws)
                    }
                    Some(b'{' | b'[' | b'"') if !self.tools_array => {
                        self.fenced = true;
                        let name = self.name.trim().to_owned();
                        self.start(&name, cx);
                        CallStep::Consumed(ws)
                    }
                    _ => self.fail(ws),
                }
            }
            St::Args => {
                let (n, status) = self.args.feed(input, cx);
                match status {
                    ArgsStatus::NeedMore => CallStep::Consumed(n),
                    ArgsStatus::Complete if self.fenced => {
                        self.st = St::CloseFence;
                        CallStep::Consumed(n)
                    }
                    ArgsStatus::Complete | ArgsStatus::Broken => CallStep::Done(n),
                }
            }
            St::CloseFence => {
                let ws = leading_ws(input);
                let rest = &input[ws..];
                if rest.starts_with("```") {
                    CallStep::Done(ws + 3)
                } else if rest.is_empty() || is_prefix_of(rest, "```") {
                    wait(ws)
                } else {
                    CallStep::Done(ws)
                }
            }
            St::ToolsHead(k) => self.tools_head(input, k),
            St::Elem | St::ElemAfter => self.elem(input),
            St::Env => self.env(input, cx),
            St::ToolsTail(k) => {
                let ws = leading_ws(input);
                let rest = &input[ws..];
                let Some(tok) = TOOLS_TAIL.get(k) else {
                    return CallStep::Done(0);
                };
                match match_lits(rest, &[tok]) {
                    Lit::Found(_, len) => {
                        if k + 1 == TOOLS_TAIL.len() {
                            CallStep::Done(ws + len)
                        } else {
                            self.st = St::ToolsTail(k + 1);
                            CallStep::Consumed(ws + len)
                        }
                    }
                    Lit::Partial => wait(ws),
                    Lit::Miss if rest.is_empty() => wait(ws),
                    Lit::Miss => CallStep::Done(ws),
                }
            }
        }
    }

    fn tools_head(&mut self, input: &str, k: usize) -> CallStep {
        let (ws, done) = self.ws(input);
        if let Some(step) = done {
            return step;
        }
        let rest = &input[ws..];
        let Some(tok) = TOOLS_HEAD.get(k) else {
            self.st = St::Elem;
            return CallStep::Consumed(ws);
        };
        match match_lits(rest, &[tok]) {
            Lit::Found(_, len) => {
                self.raw.push_str(&rest[..len]);
                self.st = if k + 1 == TOOLS_HEAD.len() {
                    St::Elem
                } else {
                    St::ToolsHead(k + 1)
                };
                CallStep::Consumed(ws + len)
            }
            Lit::Partial => wait(ws),
            Lit::Miss => self.fail(ws),
        }
    }

    /// Format 3: the start of an element, `,` or `]`.
    fn elem(&mut self, input: &str) -> CallStep {
        let ws = leading_ws(input);
        if self.emitted == 0 {
            self.raw.push_str(&input[..ws]);
        }
        let after = self.st == St::ElemAfter;
        match input.as_bytes().get(ws) {
            None => CallStep::Consumed(ws),
            Some(b'{') if !after => {
                self.env = Envelope::new(OPENAI_KEYS);
                self.st = St::Env;
                CallStep::Consumed(ws)
            }
            Some(b',') if after => {
                self.st = St::Elem;
                CallStep::Consumed(ws + 1)
            }
            Some(b']') => {
                if self.emitted == 0 {
                    return self.fail(ws);
                }
                self.st = St::ToolsTail(0);
                CallStep::Consumed(ws + 1)
            }
            Some(_) if self.emitted == 0 => self.fail(ws),
            Some(_) => CallStep::Done(ws),
        }
    }

    /// Format 3: inside an element object.
    fn env(&mut self, input: &str, cx: &mut Cx<'_>) -> CallStep {
        let (n, status) = self.env.feed(input, cx);
        match status {
            EnvStatus::NeedMore if n == 0 => CallStep::NeedMore,
            EnvStatus::NeedMore => CallStep::Consumed(n),
            EnvStatus::Complete => {
                self.emitted += 1;
                self.st = St::ElemAfter;
                CallStep::Consumed(n)
            }
            EnvStatus::Invalid => {
                if self.env.started() {
                    self.env.abort(cx);
                    self.emitted += 1;
                    CallStep::Done(n)
                } else if self.emitted == 0 {
                    let raw = self.env.take_raw();
                    self.raw.push_str(&raw);
                    self.fail(n)
                } else {
                    cx.content(&self.env.take_raw());
                    CallStep::Done(n)
                }
            }
        }
    }
}

/// `NeedMore` unless whitespace was consumed first.
fn wait(ws: usize) -> CallStep {
    if ws > 0 {
        CallStep::Consumed(ws)
    } else {
        CallStep::NeedMore
    }
}

/// Adds `k` consumed bytes to a step.
fn shift(step: CallStep, k: usize) -> CallStep {
    match step {
        CallStep::Consumed(n) => CallStep::Consumed(n + k),
        CallStep::Done(n) => CallStep::Done(n + k),
        CallStep::Failed { n, raw } => CallStep::Failed { n: n + k, raw },
        CallStep::NeedMore if k > 0 => CallStep::Consumed(k),
        CallStep::NeedMore => CallStep::NeedMore,
    }
}

impl CallParser for DsCall {
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> CallStep {
        self.step_inner(input, cx)
    }

    fn lane(&self) -> Option<Lane<'_>> {
        match self.st {
            St::Args => self.args.lane(),
            St::Env => self.env.lane(),
            _ => None,
        }
    }

    fn finish(&mut self, cx: &mut Cx<'_>) -> Option<String> {
        match self.st {
            St::Args => {
                if cx.sink.call_open() {
                    self.args.finish(cx, true);
                }
                None
            }
            St::Env => {
                if self.env.finish(cx) {
                    return None;
                }
                let raw = self.env.take_raw();
                if self.emitted == 0 {
                    self.raw.push_str(&raw);
                    Some(std::mem::take(&mut self.raw))
                } else {
                    cx.content(&raw);
                    None
                }
            }
            _ if self.emitted > 0 => None,
            _ => Some(std::mem::take(&mut self.raw)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SingleSt {
    Call,
    Close,
}

/// One call opened in content (formats 2, 3, 4), with an optional close tag after it.
pub(crate) struct Single {
    call: DsCall,
    close: Option<&'static str>,
    st: SingleSt,
}

impl Single {
    fn new(call: DsCall, close: Option<&'static str>) -> Self {
        Single {
            call,
            close,
            st: SingleSt::Call,
        }
    }
}

impl Section for Single {
    fn lane(&self) -> Option<Lane<'_>> {
        match self.st {
            SingleSt::Call => self.call.lane(),
            SingleSt::Close => None,
        }
    }

    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.st {
            SingleSt::Call => match self.call.step(input, cx) {
                CallStep::Consumed(n) => Progress::Consumed(n),
                CallStep::NeedMore => Progress::NeedMore,
                CallStep::Done(n) => {
                    if self.close.is_some() {
                        self.st = SingleSt::Close;
                        Progress::Consumed(n)
                    } else {
                        Progress::Done(n)
                    }
                }
                CallStep::Failed { n, raw } => {
                    cx.content(&raw);
                    Progress::Done(n)
                }
            },
            SingleSt::Close => {
                let Some(close) = self.close else {
                    return Progress::Done(0);
                };
                let ws = leading_ws(input);
                let rest = &input[ws..];
                if rest.starts_with(close) {
                    Progress::Done(ws + close.len())
                } else if rest.is_empty() || is_prefix_of(rest, close) {
                    if ws > 0 {
                        Progress::Consumed(ws)
                    } else {
                        Progress::NeedMore
                    }
                } else {
                    Progress::Done(ws)
                }
            }
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        if self.st == SingleSt::Call {
            if let Some(raw) = self.call.finish(cx) {
                cx.content(&raw);
            }
        }
        cx.content(held);
    }
}
