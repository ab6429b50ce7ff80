//! `minimax_m2`: MiniMax-M2.
//!
//! ```text
//! <think>
//! Need weather.
//! </think>
//!
//! <minimax:tool_call>
//! <invoke name="get_weather">
//! <parameter name="location">Tokyo</parameter>
//! <parameter name="days">3</parameter>
//! </invoke>
//! </minimax:tool_call>
//! ```
//!
//! Several `<invoke>` elements in one block are parallel calls. Values are raw text for string
//! parameters and `tojson` text for the others: typing comes from the tool's JSON Schema
//! ([`crate::coerce`]); undeclared parameters are strings; values are kept exactly (no newline
//! trimming). A `</parameter>` is structural only if followed (after whitespace) by a
//! `<parameter name="…">` with an unused name, `</invoke>`, `</minimax:tool_call>` or
//! the end of output. Reasoning: the generation prompt ends with `]~b]ai\n<think>\n`, so with
//! `thinking_forced_open` the output starts inside reasoning and `</think>` closes it; a
//! `<minimax:tool_call>` also ends an unclosed reasoning block (one that ends with calls); tool
//! markup inside a closed block is reasoning text (vLLM, llama.cpp).

use crate::gated::{Gated, GatedDialect, InReasoning, ALL_MARKERS};
use crate::machine::Machine;
use crate::machine::Section;
use crate::spec::{Args, CallShape, Detect, Params, Piece, Reasoning, Spec};
use crate::tools::Tools;
use crate::xml_section::{HeadSyntax, Syntax, XmlSection};

const TOOL_CALL: &str = "<minimax:tool_call>";

/// The section syntax.
pub(crate) const SYNTAX: Syntax = Syntax {
    section_close: Some("</minimax:tool_call>"),
    call_head: HeadSyntax::Tag("<invoke name="),
    call_close: Some("</invoke>"),
    param_head: HeadSyntax::Tag("<parameter name="),
    param_close: "</parameter>",
    strip_newlines: false,
    declared_only: false,
    open_value_ends_at_declared_param: false,
};

/// The dialect.
pub(crate) const DIALECT: GatedDialect = GatedDialect {
    think_open: &["<think>"],
    think_close: &["</think>"],
    tool_starts: &[TOOL_CALL],
    reasoning_starts: ALL_MARKERS,
    in_reasoning: InReasoning::TextUnlessAtEnd,
    close_without_open: true,
    stops: &[],
    open,
};

fn open(_marker: usize, _tools: &Tools) -> Box<dyn Section> {
    Box::new(XmlSection::new(&SYNTAX, TOOL_CALL))
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Gated::new(DIALECT, reasoning, forced_open))
}

/// One parameter: the same markup for every type.
const INVOKE_ENTRY: &[Piece] = &[
    Piece::Text("<parameter name=\""),
    Piece::Key,
    Piece::Text("\">"),
    Piece::Value,
    Piece::Text("</parameter>\n"),
];

/// `<parameter name="KEY">VALUE</parameter>\n`, strings raw.
const INVOKE_PARAMS: Params = Params {
    string: INVOKE_ENTRY,
    other: INVOKE_ENTRY,
    separator: "",
    raw_strings: true,
};

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "minimax_m2",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<minimax:tool_call>"],
        template_rule: None,
        names: &["minimax-m2"],
    },
    call: CallShape {
        open: &[Piece::Marker("<minimax:tool_call>"), Piece::Text("\n")],
        call: &[
            Piece::Text("<invoke name=\""),
            Piece::Name,
            Piece::Text("\">\n"),
            Piece::Args,
            Piece::Text("</invoke>\n"),
        ],
        separator: &[],
        close: &[Piece::Marker("</minimax:tool_call>")],
        args: Args::Params(INVOKE_PARAMS),
    },
};
