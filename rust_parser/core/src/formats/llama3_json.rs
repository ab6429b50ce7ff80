//! `llama3_json`: Llama 3.1 / 3.2 / 3.3 JSON tool calls and `<|python_tag|>` built-ins.
//!
//! Custom tools — a bare JSON object (`"parameters"`, also `"arguments"`; an optional leading
//! `"type": "function"`), several separated by `;` (vLLM), optionally after `<|python_tag|>`:
//!
//! ```text
//! {"name": "get_weather", "parameters": {"location": "Tokyo"}}<|eot_id|>
//! {"type": "function", "name": "a", "parameters": {}}; {"name": "b", "parameters": {"x": 1}}
//! <|python_tag|>{"name": "get_weather", "parameters": {"location": "Tokyo"}}<|eom_id|>
//! ```
//!
//! Built-in tools (`Environment: ipython`) — Python call syntax, or raw code for
//! `code_interpreter`:
//!
//! ```text
//! <|python_tag|>brave_search.call(query="weather Tokyo")<|eom_id|>
//! <|python_tag|>import math
//! print(math.sqrt(2))<|eom_id|>
//! ```
//!
//! The first becomes a call `brave_search` with arguments `{"query": "weather Tokyo"}` built from
//! the keyword arguments (see [`crate::python_kwargs`]); the second a call `code_interpreter`
//! with `{"code": "…"}`, the code streamed as a JSON string.
//!
//! Without a wrapper token, "content or call?" is decided at the start (Ollama's rule): the
//! output is a call only when its first non-whitespace character is `{` and the object has a
//! name; otherwise the text is content, byte-identical. (An answer that *is* a JSON object with a
//! `"name"` key therefore reads as a call — the rule every peer shares.) `<|eom_id|>` and
//! `<|eot_id|>` end the output and are not content. Llama 3 has no reasoning block: the
//! reasoning options change nothing. Ids are `""`.

use crate::envelope::{Envelope, OPENAI_KEYS};
use crate::event::CallStatus;
use crate::gated::{Gated, GatedDialect, InReasoning, ALL_MARKERS};
use crate::json_call;
use crate::lead::Lead;
use crate::machine::{Cx, Machine, Progress, Section};
use crate::python_kwargs::{KwStatus, Kwargs};
use crate::raw_code::RawCode;
use crate::scan::{bounded_run, is_prefix_of, leading_ws, Markers, Scan};
use crate::sections::{feed_envelope, finish_envelope, EnvStep, ProgressExt};
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec};
use crate::tools::Tools;

const PYTHON_TAG: &str = "<|python_tag|>";
const EOM: &str = "<|eom_id|>";
const EOT: &str = "<|eot_id|>";
const STARTS: &[&str] = &[PYTHON_TAG, EOM, EOT];
const CALL_OPEN: &str = ".call(";
const CODE_TOOL: &str = "code_interpreter";
const MAX_IDENT: usize = 64;

/// The dialect the machine delegates to after its start decision: `<|python_tag|>` opens a
/// section; the end tokens open an empty one (they are dropped).
pub(crate) const DIALECT: GatedDialect = GatedDialect {
    think_open: &[],
    think_close: &[],
    tool_starts: STARTS,
    reasoning_starts: ALL_MARKERS,
    in_reasoning: InReasoning::Ignored,
    close_without_open: false,
    stops: &[],
    open,
};

fn open(marker: usize, _tools: &Tools) -> Box<dyn Section> {
    if marker == 0 {
        Box::new(PythonTag::new())
    } else {
        Box::new(EndToken)
    }
}

/// `<|eom_id|>` / `<|eot_id|>`: nothing to parse.
struct EndToken;

impl Section for EndToken {
    fn step(&mut self, _input: &str, _cx: &mut Cx<'_>) -> Progress {
        Progress::Done(0)
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        cx.content(held);
    }
}

/// One or more call objects separated by `;` or whitespace.
struct JsonCalls {
    env: Envelope,
    /// Consumed text before the current object (given back if it is not a call).
    prefix: String,
    after: bool,
    /// A `;` was seen since the last object.
    sep: bool,
}

enum JStep {
    /// Keep going.
    Go(Progress),
    /// The calls ended before this many bytes.
    End(usize),
    /// An object broke off after this many bytes (repaired or given back); the rest is content.
    Broken(usize),
}

impl JsonCalls {
    fn new(prefix: String) -> Self {
        JsonCalls {
            env: Envelope::new(OPENAI_KEYS),
            prefix,
            after: false,
            sep: false,
        }
    }

    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> JStep {
        if !self.after {
            return match feed_envelope(&mut self.env, &self.prefix, input, cx) {
                EnvStep::Progress(p) => JStep::Go(p),
                EnvStep::Complete(n) => {
                    self.prefix.clear();
                    self.after = true;
                    JStep::Go(Progress::Consumed(n))
                }
                EnvStep::Broken { n, .. } => JStep::Broken(n),
            };
        }
        let ws = leading_ws(input);
        if ws > 0 {
            self.prefix.push_str(&input[..ws]);
            return JStep::Go(Progress::Consumed(ws));
        }
        match input.as_bytes().first() {
            Some(b';') if !self.sep => {
                self.sep = true;
                self.prefix.push(';');
                JStep::Go(Progress::Consumed(1))
            }
            Some(b'{') => {
                self.env = Envelope::new(OPENAI_KEYS);
                self.after = false;
                self.sep = false;
                JStep::Go(Progress::Consumed(0))
            }
            // A trailing separator is markup; what follows is content (or an end token).
            _ => JStep::End(0),
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        if self.after {
            cx.content(held);
        } else {
            finish_envelope(&mut self.env, &self.prefix, held, cx);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PSt {
    Head,
    Json,
    Ident,
    Kwargs,
    /// Raw code (`code_interpreter`), in [`PythonTag::code`].
    Code,
    /// Markup that did not parse was given back: content up to the next marker.
    Content,
}

/// What follows `<|python_tag|>`: JSON calls, `name.call(kwargs)`, or raw code.
struct PythonTag {
    st: PSt,
    ws: String,
    ident: String,
    json: JsonCalls,
    kwargs: Kwargs,
    code: RawCode,
    starts: Markers,
}

impl PythonTag {
    fn new() -> Self {
        PythonTag {
            st: PSt::Head,
            ws: String::new(),
            ident: String::new(),
            json: JsonCalls::new(String::new()),
            kwargs: Kwargs::new(),
            code: RawCode::new(CODE_TOOL, &[EOM, EOT]),
            starts: Markers::new(STARTS),
        }
    }

    fn head(&mut self, input: &str) -> Progress {
        let ws = leading_ws(input);
        if ws > 0 {
            self.ws.push_str(&input[..ws]);
            return Progress::Consumed(ws);
        }
        if input.starts_with('{') {
            self.json = JsonCalls::new(format!("{PYTHON_TAG}{}", self.ws));
            self.st = PSt::Json;
            return Progress::Consumed(0);
        }
        for m in [EOM, EOT] {
            if input.starts_with(m) {
                // A tag with nothing after it: no call.
                return Progress::Done(0);
            }
            if is_prefix_of(input, m) {
                return Progress::NeedMore;
            }
        }
        self.st = PSt::Ident;
        Progress::Consumed(0)
    }

    /// The text so far was the start of raw code: it is the code call's first bytes.
    fn start_code(&mut self, cx: &mut Cx<'_>) {
        let ident = std::mem::take(&mut self.ident);
        self.code.step(&ident, cx);
        self.st = PSt::Code;
    }

    fn ident(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let run = bounded_run(input, self.ident.len(), MAX_IDENT, |b| {
            b.is_ascii_alphanumeric() || b == b'_'
        });
        self.ident.push_str(&input[..run]);
        if self.ident.len() > MAX_IDENT {
            self.start_code(cx);
            return Progress::Consumed(run);
        }
        let rest = &input[run..];
        if rest.is_empty() {
            return Progress::Consumed(run).nonzero();
        }
        let named = !self.ident.is_empty() && !self.ident.starts_with(|c: char| c.is_ascii_digit());
        if named && rest.starts_with(CALL_OPEN) {
            cx.sink.start_call("", &self.ident);
            cx.sink.args("{");
            self.st = PSt::Kwargs;
            return Progress::Consumed(run + CALL_OPEN.len());
        }
        if named && is_prefix_of(rest, CALL_OPEN) {
            return Progress::Consumed(run).nonzero();
        }
        self.start_code(cx);
        Progress::Consumed(run)
    }

    fn content(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.starts.find(input) {
            Scan::Clear => {
                cx.content(input);
                Progress::Consumed(input.len())
            }
            Scan::Partial { at } => {
                cx.content(&input[..at]);
                Progress::Consumed(at).nonzero()
            }
            Scan::Found { at, marker: 0 } if at > 0 => {
                // The tag in a step of its own: it starts a call's raw text.
                cx.content(&input[..at]);
                Progress::Consumed(at)
            }
            Scan::Found { at, marker } => {
                cx.content(&input[..at]);
                if marker == 0 {
                    cx.boundary();
                    *self = PythonTag::new();
                    Progress::Consumed(at + PYTHON_TAG.len())
                } else {
                    Progress::Done(at)
                }
            }
        }
    }
}

impl Section for PythonTag {
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.st {
            PSt::Head => self.head(input),
            PSt::Json => match self.json.step(input, cx) {
                JStep::Go(p) => p,
                JStep::End(n) => Progress::Done(n),
                JStep::Broken(n) => {
                    self.st = PSt::Content;
                    Progress::Consumed(n)
                }
            },
            PSt::Ident => self.ident(input, cx),
            PSt::Kwargs => {
                let mut out = String::new();
                let (n, status) = self.kwargs.feed(input, &mut out);
                cx.sink.args(&out);
                match status {
                    KwStatus::NeedMore => Progress::Consumed(n).nonzero(),
                    KwStatus::Complete => {
                        cx.sink.end_call();
                        Progress::Done(n)
                    }
                    KwStatus::Invalid => {
                        // Not a call: the machine gives its raw text back as content.
                        cx.sink.end_call_as(CallStatus::Invalid);
                        self.st = PSt::Content;
                        Progress::Consumed(n)
                    }
                }
            }
            PSt::Code => self.code.step(input, cx),
            PSt::Content => self.content(input, cx),
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match self.st {
            PSt::Head | PSt::Content => cx.content(held),
            PSt::Json => self.json.finish(held, cx),
            PSt::Ident | PSt::Code => {
                if self.st == PSt::Ident {
                    self.start_code(cx);
                }
                self.code.finish(held, cx);
            }
            PSt::Kwargs => {
                cx.sink.end_call_as(CallStatus::Truncated);
                cx.content(held);
            }
        }
    }
}

/// The calls of an output that starts with `{`: a tool section without a marker.
struct Leading(JsonCalls);

impl Section for Leading {
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.0.step(input, cx) {
            JStep::Go(p) => p,
            JStep::End(n) | JStep::Broken(n) => Progress::Done(n),
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        self.0.finish(held, cx);
    }
}

fn lead(first: u8, _tools: &Tools) -> Option<Box<dyn Section>> {
    (first == b'{').then(|| Box::new(Leading(JsonCalls::new(String::new()))) as Box<dyn Section>)
}

/// The machine: bare JSON calls at the start (Ollama's rule), then the [`DIALECT`] (Llama 3 has
/// no reasoning block; the options are passed on unchanged).
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Lead::new(lead, Gated::new(DIALECT, reasoning, forced_open)))
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "llama3_json",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<|python_tag|>", "dictionary of argument name and its value"],
        template_rule: None,
        names: &["llama-3", "llama3"],
    },
    call: CallShape {
        open: &[],
        call: json_call!("parameters"),
        separator: &[Piece::Text("; ")],
        close: &[],
        args: Args::Json,
    },
};
