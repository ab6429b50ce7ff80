//! `kimi_k2`: Kimi-K2 (Instruct, 0905, Thinking; K2.5 uses the same markers).
//!
//! ```text
//! <think>The user wants weather.</think><|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{"city": "Beijing"}<|tool_call_end|><|tool_calls_section_end|>
//! ```
//!
//! - The section markers may be singular (`<|tool_call_section_begin|>` /
//!   `<|tool_call_section_end|>`) or missing (a `<|tool_call_begin|>` in content starts a call);
//!   `<|tool_call_end|>` may be missing (the next call, the section end, `<|im_end|>` or the end
//!   of output closes the call). Whitespace between markers is optional. Many calls per section.
//! - The id token (between `<|tool_call_begin|>` and `<|tool_call_argument_begin|>`) is passed
//!   through verbatim as the call id, whatever it is (`functions.get_weather:0`, `get_weather:0`,
//!   `call00003` copied from history: sglang#25358, `functions_get_weather_1`: exo#2281). The
//!   name: `functions.NAME:IDX` gives NAME; otherwise the longest tool name contained in the id;
//!   otherwise the only tool when exactly one is declared; otherwise the id without a
//!   `functions.`/`functions_` prefix and a `:N`/`_N` suffix, if what is left is a function
//!   name (`[A-Za-z0-9_-]`, OpenAI's charset). An id like `functions.get_weather.0` names no
//!   function: the call is not made and its text stays content (vLLM, SGLang and llama.cpp all
//!   require `NAME:IDX`; vLLM's `test_invalid_funcall_id_skipped`).
//! - Arguments are the raw JSON object; a JSON *string* holding the object (MoonshotAI/Kimi-K2#26)
//!   is decoded. They stream as they arrive (a 30k-character argument is not held: vllm#41182).
//! - Reasoning `<think>…</think>` (K2-Thinking); a section or call begin inside an unclosed think
//!   block ends it (llama.cpp#17376). With `thinking_forced_open` the output starts inside it.
//! - Fallback shapes (ik_llama.cpp PR #628), recognised in content only:
//!
//!   ```text
//!   <tool_call>
//!   <invoke name="Write">
//!   <parameter name="file_path">/path</parameter>
//!   <parameter name="content">text</parameter>
//!   </invoke>
//!   </tool_call>
//!   ```
//!
//!   (values typed from the tool's schema, one leading and one trailing newline stripped, id
//!   `""`), and the bare `functions.get_weather:0{"location": "Tokyo"}` (id
//!   `functions.get_weather:0`; `functions.` not followed by `NAME:IDX{` is plain text).
//! - `<|im_end|>` (end of turn) leaking into the text (ik_llama.cpp PR #958) ends the output: it
//!   and anything after it are dropped.

use crate::call_section::{CallParser, CallSection, CallStep, SectionSyntax};
use crate::gated::{Gated, GatedDialect, InReasoning};
use crate::json_args::{ArgsStatus, JsonArgs};
use crate::machine::{Cx, Lane, Machine, Progress, Section};
use crate::scan::{bounded_run, token_limit, Markers, Scan};
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec};
use crate::tools::Tools;
use crate::xml_section::{HeadSyntax, Syntax, XmlSection};

const SECTION_BEGIN: &str = "<|tool_calls_section_begin|>";
const SECTION_BEGIN_1: &str = "<|tool_call_section_begin|>";
const SECTION_END: &str = "<|tool_calls_section_end|>";
const SECTION_END_1: &str = "<|tool_call_section_end|>";
const CALL_BEGIN: &str = "<|tool_call_begin|>";
const ARG_BEGIN: &str = "<|tool_call_argument_begin|>";
const CALL_END: &str = "<|tool_call_end|>";
const IM_END: &str = "<|im_end|>";
const XML_OPEN: &str = "<tool_call>";
const BARE: &str = "functions.";

/// Longest id token considered.
const MAX_ID: usize = 256;

const STARTS: &[&str] = &[SECTION_BEGIN, SECTION_BEGIN_1, CALL_BEGIN, XML_OPEN, BARE];

/// The dialect: the first three markers also end reasoning.
pub(crate) const DIALECT: GatedDialect = GatedDialect {
    think_open: &["<think>"],
    think_close: &["</think>"],
    tool_starts: STARTS,
    reasoning_starts: 3,
    in_reasoning: InReasoning::Resumes,
    close_without_open: false,
    stops: &[IM_END],
    open,
};

/// The native section.
pub(crate) static SECTION: SectionSyntax = SectionSyntax {
    call_begin: CALL_BEGIN,
    call_end: CALL_END,
    section_end: &[SECTION_END, SECTION_END_1],
    stops: &[IM_END],
    implicit_call: |_| false,
    new_call,
};

/// The XML fallback.
pub(crate) const XML: Syntax = Syntax {
    section_close: Some("</tool_call>"),
    call_head: HeadSyntax::Tag("<invoke name="),
    call_close: Some("</invoke>"),
    param_head: HeadSyntax::Tag("<parameter name="),
    param_close: "</parameter>",
    strip_newlines: true,
    declared_only: false,
    open_value_ends_at_declared_param: false,
};

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Gated::new(DIALECT, reasoning, forced_open))
}

fn open(marker: usize, _tools: &Tools) -> Box<dyn Section> {
    match STARTS.get(marker).copied() {
        Some(CALL_BEGIN) => Box::new(CallSection::bare_call(&SECTION)),
        Some(XML_OPEN) => Box::new(XmlSection::new(&XML, XML_OPEN)),
        Some(BARE) => Box::new(Bare::default()),
        Some(m) => Box::new(CallSection::section(&SECTION, m)),
        None => Box::new(CallSection::section(&SECTION, "")),
    }
}

fn new_call(raw: &str) -> Box<dyn CallParser> {
    Box::new(KimiCall {
        raw: raw.to_owned(),
        id: String::new(),
        args: None,
        markers: Markers::new(&[
            ARG_BEGIN,
            CALL_BEGIN,
            CALL_END,
            SECTION_END,
            SECTION_END_1,
            IM_END,
        ]),
    })
}

/// `functions.NAME:IDX` → NAME.
fn canonical_name(id: &str) -> Option<&str> {
    let rest = id.strip_prefix("functions.")?;
    let (name, idx) = rest.rsplit_once(':')?;
    (!name.is_empty() && !idx.is_empty() && idx.bytes().all(|b| b.is_ascii_digit())).then_some(name)
}

fn strip_index(s: &str) -> &str {
    for sep in [':', '_'] {
        if let Some((head, idx)) = s.rsplit_once(sep) {
            if !head.is_empty() && !idx.is_empty() && idx.bytes().all(|b| b.is_ascii_digit()) {
                return head;
            }
        }
    }
    s
}

/// The function name for an id token (see the module documentation).
#[must_use]
pub(crate) fn name_from_id(id: &str, tools: &Tools) -> String {
    if let Some(name) = canonical_name(id) {
        return name.to_owned();
    }
    let contained = tools
        .names()
        .filter(|n| !n.is_empty() && id.contains(n))
        .max_by_key(|n| n.len());
    if let Some(name) = contained {
        return name.to_owned();
    }
    let mut names = tools.names();
    if let (Some(only), None) = (names.next(), names.next()) {
        return only.to_owned();
    }
    let s = strip_index(id);
    let s = s
        .strip_prefix("functions.")
        .or_else(|| s.strip_prefix("functions_"))
        .unwrap_or(s);
    if s.bytes().all(bare_name_byte) {
        s.to_owned()
    } else {
        String::new()
    }
}

/// One native call: the id token, `<|tool_call_argument_begin|>`, the arguments.
struct KimiCall {
    raw: String,
    id: String,
    args: Option<JsonArgs>,
    markers: Markers,
}

impl KimiCall {
    fn fail(&mut self, n: usize) -> CallStep {
        CallStep::Failed {
            n,
            raw: std::mem::take(&mut self.raw),
        }
    }

    /// The id is too long: it fails after `limit` bytes (see [`token_limit`]).
    fn overflow(&mut self, input: &str, limit: usize) -> CallStep {
        self.raw.push_str(&input[..limit]);
        self.id.push_str(&input[..limit]);
        self.fail(limit)
    }
}

impl CallParser for KimiCall {
    fn lane(&self) -> Option<Lane<'_>> {
        self.args.as_ref().and_then(JsonArgs::lane)
    }

    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> CallStep {
        if let Some(args) = self.args.as_mut() {
            let (n, status) = args.feed(input, cx);
            return match status {
                ArgsStatus::NeedMore => CallStep::Consumed(n),
                ArgsStatus::Complete | ArgsStatus::Broken => CallStep::Done(n),
            };
        }
        // An id longer than MAX_ID fails at a fixed text position (the end of the character that
        // takes it past the limit), whatever the pieces: nothing beyond it is consumed.
        let limit = token_limit(input, self.id.len(), MAX_ID);
        let too_long = |end: usize| self.id.len() + end > MAX_ID;
        match self.markers.find(input) {
            Scan::Clear if too_long(input.len()) => self.overflow(input, limit),
            Scan::Partial { at } | Scan::Found { at, .. } if too_long(at) => self.overflow(input, limit),
            Scan::Clear => {
                self.raw.push_str(input);
                self.id.push_str(input);
                CallStep::Consumed(input.len())
            }
            Scan::Partial { at } => {
                self.raw.push_str(&input[..at]);
                self.id.push_str(&input[..at]);
                if at == 0 {
                    CallStep::NeedMore
                } else {
                    CallStep::Consumed(at)
                }
            }
            Scan::Found { at, marker } => {
                self.raw.push_str(&input[..at]);
                self.id.push_str(&input[..at]);
                let id = self.id.trim();
                if marker != 0 || id.is_empty() {
                    return self.fail(at);
                }
                let name = name_from_id(id, cx.tools);
                if name.is_empty() {
                    return self.fail(at);
                }
                cx.sink.start_call(id, &name);
                self.args = Some(JsonArgs::new());
                CallStep::Consumed(at + ARG_BEGIN.len())
            }
        }
    }

    fn finish(&mut self, cx: &mut Cx<'_>) -> Option<String> {
        match self.args.as_mut() {
            Some(args) => {
                if cx.sink.call_open() {
                    args.finish(cx, true);
                }
                None
            }
            None => Some(std::mem::take(&mut self.raw)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum BareSt {
    #[default]
    Name,
    Index,
    Ws,
    Args,
}

/// The bare `functions.NAME:IDX{json}` form (after `functions.`).
#[derive(Debug, Default)]
struct Bare {
    st: BareSt,
    name: String,
    index: String,
    ws: String,
    args: JsonArgs,
}

impl Bare {
    fn give_back(&mut self, n: usize, cx: &mut Cx<'_>) -> Progress {
        cx.content(BARE);
        cx.content(&self.name);
        if self.st != BareSt::Name {
            cx.content(":");
        }
        cx.content(&self.index);
        cx.content(&self.ws);
        Progress::Done(n)
    }
}

fn bare_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

impl Section for Bare {
    fn lane(&self) -> Option<Lane<'_>> {
        match self.st {
            BareSt::Args => self.args.lane(),
            _ => None,
        }
    }

    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let bytes = input.as_bytes();
        match self.st {
            BareSt::Name => {
                let run = bounded_run(input, self.name.len(), MAX_ID, bare_name_byte);
                self.name.push_str(&input[..run]);
                if self.name.len() > MAX_ID {
                    return self.give_back(run, cx);
                }
                match bytes.get(run) {
                    None => Progress::Consumed(run),
                    Some(b':') if !self.name.is_empty() => {
                        self.st = BareSt::Index;
                        Progress::Consumed(run + 1)
                    }
                    Some(_) => self.give_back(run, cx),
                }
            }
            BareSt::Index => {
                let run = bounded_run(input, self.index.len(), MAX_ID, |b| b.is_ascii_digit());
                self.index.push_str(&input[..run]);
                if self.index.len() > MAX_ID {
                    return self.give_back(run, cx);
                }
                match bytes.get(run) {
                    None => Progress::Consumed(run),
                    Some(_) if self.index.is_empty() => self.give_back(run, cx),
                    Some(_) => {
                        self.st = BareSt::Ws;
                        Progress::Consumed(run)
                    }
                }
            }
            BareSt::Ws => {
                let ws = bytes.iter().take_while(|&&b| b == b' ').count();
                self.ws.push_str(&input[..ws]);
                match bytes.get(ws) {
                    None => Progress::Consumed(ws),
                    Some(b'{') if self.ws.len() <= MAX_ID => {
                        let id = format!("{BARE}{}:{}", self.name, self.index);
                        cx.sink.start_call(&id, &self.name);
                        self.st = BareSt::Args;
                        Progress::Consumed(ws)
                    }
                    Some(_) => self.give_back(ws, cx),
                }
            }
            BareSt::Args => {
                let (n, status) = self.args.feed(input, cx);
                match status {
                    ArgsStatus::NeedMore => Progress::Consumed(n),
                    ArgsStatus::Complete | ArgsStatus::Broken => Progress::Done(n),
                }
            }
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        if self.st == BareSt::Args {
            if cx.sink.call_open() {
                self.args.finish(cx, true);
            }
        } else {
            let _ = self.give_back(0, cx);
        }
        cx.content(held);
    }
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "kimi_k2",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<|tool_calls_section_begin|>", "tool_declare"],
        template_rule: None,
        names: &["kimi-k2", "kimi_k2"],
    },
    call: CallShape {
        open: &[Piece::Marker("<|tool_calls_section_begin|>")],
        call: &[
            Piece::Marker("<|tool_call_begin|>"),
            Piece::Text("functions."),
            Piece::Name,
            Piece::Text(":"),
            Piece::Index,
            Piece::Marker("<|tool_call_argument_begin|>"),
            Piece::Args,
            Piece::Marker("<|tool_call_end|>"),
        ],
        separator: &[],
        close: &[Piece::Marker("<|tool_calls_section_end|>")],
        args: Args::Json,
    },
};
