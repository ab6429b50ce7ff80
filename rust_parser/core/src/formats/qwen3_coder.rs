//! `qwen3_coder`: Qwen3-Coder, Qwen3.5 / 3.6, Nemotron-3-Nano, StepFun 3.5.
//!
//! ```text
//! I'll read the file.
//! <tool_call>
//! <function=read_file>
//! <parameter=path>
//! /etc/hosts
//! </parameter>
//! <parameter=limit>
//! 20
//! </parameter>
//! </function>
//! </tool_call>
//! ```
//!
//! Values are raw text (multi-line, unescaped; they may contain `<`, quotes and even literal
//! `</parameter>`, `<function=…>` or `<tool_call>` when the model writes code). One leading and
//! one trailing newline of a value are markup. Typing comes from the tool's JSON Schema
//! ([`crate::coerce`]): string-typed and undeclared parameters stream as JSON strings, the others
//! are typed when complete. Parameter order is free (ik_llama.cpp PR #1352).
//!
//! A `</parameter>` is structural only if what follows it (after whitespace) is `<parameter=NAME>`
//! with NAME declared for the function and not used yet (any unused name when the function has
//! no schema), `</function>`, `</tool_call>`, or the end of output; otherwise it is value text
//! (see [`crate::xml_section`]). A `<parameter=NAME>` for an unused declared parameter while a
//! value is open ends that value (the model forgot `</parameter>`). A missing `</function>` /
//! `</tool_call>` after a closed value at the end of output is tolerated; output ending inside a
//! value is a truncated call, given back as content. Also accepted: several `<function=…>` blocks in one `<tool_call>`, and a
//! `<function=…>…</function>` block without the `<tool_call>` wrapper (some GGUF templates), whose
//! `</tool_call>` right after it (the opener left out) is markup.
//! Reasoning: `<think>…</think>`; tool markup inside it is reasoning text, unless the block is
//! never closed and the output ends with complete calls (Qwen3.5 leaves it open).

use crate::gated::{Gated, GatedDialect, InReasoning, ALL_MARKERS};
use crate::machine::Machine;
use crate::machine::{Cx, Lane, Progress, Section};
use crate::scan::{is_prefix_of, leading_ws};
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec, PARAMETER_TAGS};
use crate::tools::Tools;
use crate::xml_section::{HeadSyntax, Syntax, XmlSection};

const TOOL_CALL: &str = "<tool_call>";
const FUNCTION: &str = "<function=";

const STARTS: &[&str] = &[TOOL_CALL, FUNCTION];

/// `<tool_call>` + `<function=NAME>` blocks + `</tool_call>`.
pub(crate) const WRAPPED: Syntax = Syntax {
    section_close: Some("</tool_call>"),
    call_head: HeadSyntax::Tag(FUNCTION),
    call_close: Some("</function>"),
    param_head: HeadSyntax::Tag("<parameter="),
    param_close: "</parameter>",
    strip_newlines: true,
    declared_only: true,
    open_value_ends_at_declared_param: true,
};

/// A bare `<function=NAME>…</function>` (the marker already read).
pub(crate) const BARE: Syntax = Syntax {
    section_close: None,
    call_head: HeadSyntax::Tag(""),
    ..WRAPPED
};

/// The dialect.
pub(crate) const DIALECT: GatedDialect = GatedDialect {
    think_open: &["<think>"],
    think_close: &["</think>"],
    tool_starts: STARTS,
    reasoning_starts: ALL_MARKERS,
    in_reasoning: InReasoning::TextUnlessAtEnd,
    close_without_open: false,
    stops: &[],
    open,
};

fn open(marker: usize, _tools: &Tools) -> Box<dyn Section> {
    if marker == 0 {
        Box::new(XmlSection::new(&WRAPPED, TOOL_CALL))
    } else {
        Box::new(Bare {
            call: XmlSection::new(&BARE, FUNCTION),
            tail: false,
        })
    }
}

/// The wrapper close a model may still write after a bare call.
const WRAPPER_CLOSE: &str = "</tool_call>";
/// Whitespace looked through for it.
const MAX_GLUE: usize = 64;

/// A bare `<function=…>…</function>` call, then the `</tool_call>` of the opener the model left
/// out, if it comes next (after whitespace): that tag is markup (llama.cpp's and vLLM's Qwen3-Coder
/// tests). Anything else after the call is content, whitespace included.
struct Bare {
    call: XmlSection,
    /// The call is closed: looking for the wrapper close.
    tail: bool,
}

impl Section for Bare {
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        if !self.tail {
            return match self.call.step(input, cx) {
                // A bare section ends with bytes only after its call closed.
                Progress::Done(n) if n > 0 => {
                    self.tail = true;
                    Progress::Consumed(n)
                }
                p => p,
            };
        }
        let ws = leading_ws(input);
        let rest = &input[ws..];
        if ws > MAX_GLUE {
            Progress::Done(0)
        } else if rest.starts_with(WRAPPER_CLOSE) {
            Progress::Done(ws + WRAPPER_CLOSE.len())
        } else if rest.is_empty() || is_prefix_of(rest, WRAPPER_CLOSE) {
            Progress::NeedMore
        } else {
            Progress::Done(0)
        }
    }

    fn lane(&self) -> Option<Lane<'_>> {
        if self.tail {
            None
        } else {
            self.call.lane()
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        if self.tail {
            cx.content(held);
        } else {
            self.call.finish(held, cx);
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
    name: "qwen3_coder",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<parameter="],
        template_rule: None,
        names: &["qwen3-coder", "qwen3.5", "qwen3.6"],
    },
    call: CallShape {
        open: &[],
        call: &[
            Piece::Marker("<tool_call>"),
            Piece::Text("\n<function="),
            Piece::Name,
            Piece::Text(">\n"),
            Piece::Args,
            Piece::Text("</function>\n"),
            Piece::Marker("</tool_call>"),
        ],
        separator: &[Piece::Text("\n")],
        close: &[],
        args: Args::Params(PARAMETER_TAGS),
    },
};
