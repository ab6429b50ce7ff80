//! `glm45`: GLM-4.5 / GLM-4.6 and GLM-4.7 / GLM-5.
//!
//! GLM-4.5 / 4.6:
//!
//! ```text
//! <think>Check weather.</think>
//! <tool_call>get_weather
//! <arg_key>city</arg_key>
//! <arg_value>北京</arg_value>
//! <arg_key>date</arg_key>
//! <arg_value>2024-06-27</arg_value>
//! </tool_call>
//! ```
//!
//! GLM-4.7 / GLM-5 (no newlines):
//! `<tool_call>get_weather<arg_key>city</arg_key><arg_value>北京</arg_value></tool_call>`.
//!
//! One call per `<tool_call>` block (consecutive blocks are parallel calls). Values are raw
//! text for string parameters and JSON text for the others: typing comes from the tool's JSON
//! Schema ([`crate::coerce`]); a parameter the schema does not declare (or of an unknown tool,
//! or with no tools) is its JSON when its text is JSON (`42`, `true`, `{"a": 1}`), else a
//! string, as vLLM, SGLang and llama.cpp read it. Values are
//! kept exactly (no newline trimming: the template writes them without). sglang#35564: an
//! integer-typed `123` is the number `123`, streamed and one-shot alike. A `</arg_value>` is
//! structural only if followed (after whitespace) by an `<arg_key>` with an unused name,
//! `</tool_call>` or the end of output. Reasoning: `<think>…</think>`; a `<tool_call>` also ends
//! an unclosed reasoning block (one that ends with calls); tool markup inside a closed block is
//! reasoning text (as vLLM's and llama.cpp's reasoning parsers read it).

use crate::gated::{Gated, GatedDialect, InReasoning, ALL_MARKERS};
use crate::machine::Machine;
use crate::machine::Section;
use crate::spec::{Args, CallShape, Detect, Params, Piece, Reasoning, Spec};
use crate::tools::Tools;
use crate::xml_section::{HeadSyntax, Syntax, XmlSection};

const TOOL_CALL: &str = "<tool_call>";

/// The section syntax: the block is the call.
pub(crate) const SYNTAX: Syntax = Syntax {
    section_close: Some("</tool_call>"),
    call_head: HeadSyntax::Line,
    call_close: None,
    param_head: HeadSyntax::KeyValue,
    param_close: "</arg_value>",
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
    close_without_open: false,
    stops: &[],
    open,
};

fn open(_marker: usize, _tools: &Tools) -> Box<dyn Section> {
    Box::new(XmlSection::new(&SYNTAX, TOOL_CALL).undeclared_as_json())
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Gated::new(DIALECT, reasoning, forced_open))
}

/// One parameter: the same markup for every type.
const GLM_ENTRY: &[Piece] = &[
    Piece::Marker("<arg_key>"),
    Piece::Key,
    Piece::Marker("</arg_key>"),
    Piece::Text("\n"),
    Piece::Marker("<arg_value>"),
    Piece::Value,
    Piece::Marker("</arg_value>"),
    Piece::Text("\n"),
];

/// `<arg_key>KEY</arg_key>\n<arg_value>VALUE</arg_value>\n`, strings raw.
const GLM_PARAMS: Params = Params {
    string: GLM_ENTRY,
    other: GLM_ENTRY,
    separator: "",
    raw_strings: true,
};

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "glm45",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<arg_key>"],
        template_rule: None,
        names: &["glm-4.5", "glm-4.6", "glm-4.7", "glm-5"],
    },
    call: CallShape {
        open: &[],
        call: &[
            Piece::Marker("<tool_call>"),
            Piece::Name,
            Piece::Text("\n"),
            Piece::Args,
            Piece::Marker("</tool_call>"),
        ],
        separator: &[Piece::Text("\n")],
        close: &[],
        args: Args::Params(GLM_PARAMS),
    },
};
