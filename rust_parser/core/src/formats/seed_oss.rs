//! `seed_oss`: ByteDance Seed-OSS, the Qwen3-Coder XML shape with `seed:` markers.
//!
//! ```text
//! <seed:think>Need the weather.</seed:think>
//! <seed:tool_call>
//! <function=get_weather>
//! <parameter=location>Tokyo</parameter>
//! <parameter=days>3</parameter>
//! </function>
//! </seed:tool_call>
//! ```
//!
//! Compact form: `<seed:tool_call><function=NAME><parameter=KEY>VALUE</parameter></function></seed:tool_call>`.
//! Values and typing as in [`super::qwen3_coder`] (raw text, schema typing, one leading and one
//! trailing newline are markup, literal close tags decided by lookahead). Several `<function=…>`
//! blocks in one section are parallel calls. Reasoning: `<seed:think>…</seed:think>`; a
//! `<seed:tool_call>` also ends an unclosed reasoning block (one that ends with calls); tool markup
//! inside a closed block is reasoning text (vLLM's Seed-OSS case quotes a call in its thinking).

use crate::gated::{Gated, GatedDialect, InReasoning, ALL_MARKERS};
use crate::machine::Machine;
use crate::machine::Section;
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec, PARAMETER_TAGS};
use crate::tools::Tools;
use crate::xml_section::{HeadSyntax, Syntax, XmlSection};

const TOOL_CALL: &str = "<seed:tool_call>";

/// The section syntax.
pub(crate) const SYNTAX: Syntax = Syntax {
    section_close: Some("</seed:tool_call>"),
    call_head: HeadSyntax::Tag("<function="),
    call_close: Some("</function>"),
    param_head: HeadSyntax::Tag("<parameter="),
    param_close: "</parameter>",
    strip_newlines: true,
    declared_only: true,
    open_value_ends_at_declared_param: false,
};

/// The dialect.
pub(crate) const DIALECT: GatedDialect = GatedDialect {
    think_open: &["<seed:think>"],
    think_close: &["</seed:think>"],
    tool_starts: &[TOOL_CALL],
    reasoning_starts: ALL_MARKERS,
    in_reasoning: InReasoning::TextUnlessAtEnd,
    close_without_open: false,
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

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "seed_oss",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<seed:tool_call>"],
        template_rule: None,
        names: &["seed-oss"],
    },
    call: CallShape {
        open: &[],
        call: &[
            Piece::Marker("<seed:tool_call>"),
            Piece::Text("\n<function="),
            Piece::Name,
            Piece::Text(">\n"),
            Piece::Args,
            Piece::Text("</function>\n"),
            Piece::Marker("</seed:tool_call>"),
        ],
        separator: &[Piece::Text("\n")],
        close: &[],
        args: Args::Params(PARAMETER_TAGS),
    },
};
