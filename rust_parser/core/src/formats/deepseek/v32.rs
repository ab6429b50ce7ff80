//! `deepseek_v32`: DeepSeek V3.2 and V4 "DSML".
//!
//! V3.2:
//!
//! ```text
//! <｜DSML｜function_calls>
//! <｜DSML｜invoke name="get_weather">
//! <｜DSML｜parameter name="location" string="true">Tokyo</｜DSML｜parameter>
//! <｜DSML｜parameter name="days" string="false">3</｜DSML｜parameter>
//! </｜DSML｜invoke>
//! </｜DSML｜function_calls>
//! ```
//!
//! V4: the same with the block name `tool_calls` (`<｜DSML｜tool_calls>` … `</｜DSML｜tool_calls>`).
//! The `｜` is U+FF5C FULLWIDTH VERTICAL LINE.
//!
//! Several `invoke` elements in one block are parallel calls. Typing is in-band, not from the
//! schema: `string="true"` values are JSON strings (streamed as they arrive, kept exactly);
//! `string="false"` values must be JSON text (number, boolean, null, object, array; Python
//! `True`/`False`/`None` accepted) and fall back to a string otherwise. A parameter without the
//! attribute is typed by the schema. A `</｜DSML｜parameter>` is structural only if followed
//! (after whitespace) by a parameter head with an unused name, `</｜DSML｜invoke>`, the
//! block close or the end of output. Reasoning: `<think>…</think>` (forced open in thinking
//! mode); a DSML block also ends an unclosed reasoning block.
//! - `<｜end▁of▁sentence｜>` (the turn end the template renders after the block) leaking into
//!   the text ends the output: it and anything after it are dropped, as for the rest of the
//!   DeepSeek family (vLLM's V3.2 parser test: no content after the block).

use super::section::EOS;
use crate::gated::{Gated, GatedDialect, InReasoning};
use crate::machine::{Machine, Section};
use crate::spec::{Args, CallShape, Detect, Params, Piece, Reasoning, Spec};
use crate::tools::Tools;
use crate::xml_section::{HeadSyntax, Syntax, XmlSection};

const FUNCTION_CALLS: &str = "<｜DSML｜function_calls>";
const TOOL_CALLS: &str = "<｜DSML｜tool_calls>";

/// V3.2: `<｜DSML｜function_calls>` block.
pub(crate) const V32: Syntax = Syntax {
    section_close: Some("</｜DSML｜function_calls>"),
    call_head: HeadSyntax::Tag("<｜DSML｜invoke name="),
    call_close: Some("</｜DSML｜invoke>"),
    param_head: HeadSyntax::Tag("<｜DSML｜parameter name="),
    param_close: "</｜DSML｜parameter>",
    strip_newlines: false,
    declared_only: false,
    open_value_ends_at_declared_param: false,
};

/// V4: `<｜DSML｜tool_calls>` block.
pub(crate) const V4: Syntax = Syntax {
    section_close: Some("</｜DSML｜tool_calls>"),
    ..V32
};

/// The dialect: both block spellings also end reasoning; the end of sentence ends the output.
pub(crate) const DIALECT: GatedDialect = GatedDialect {
    think_open: &["<think>"],
    think_close: &["</think>"],
    tool_starts: &[FUNCTION_CALLS, TOOL_CALLS],
    reasoning_starts: 2,
    in_reasoning: InReasoning::EndsReasoning,
    close_without_open: false,
    stops: &[EOS],
    open,
};

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Gated::new(DIALECT, reasoning, forced_open))
}

fn open(marker: usize, _tools: &Tools) -> Box<dyn Section> {
    if marker == 0 {
        Box::new(XmlSection::new(&V32, FUNCTION_CALLS))
    } else {
        Box::new(XmlSection::new(&V4, TOOL_CALLS))
    }
}

/// DSML parameters: `string="true"` values raw, others JSON.
const DSML_PARAMS: Params = Params {
    string: &[
        Piece::Text("<｜DSML｜parameter name=\""),
        Piece::Key,
        Piece::Text("\" string=\"true\">"),
        Piece::Value,
        Piece::Text("</｜DSML｜parameter>\n"),
    ],
    other: &[
        Piece::Text("<｜DSML｜parameter name=\""),
        Piece::Key,
        Piece::Text("\" string=\"false\">"),
        Piece::Value,
        Piece::Text("</｜DSML｜parameter>\n"),
    ],
    separator: "",
    raw_strings: true,
};

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "deepseek_v32",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["｜DSML｜", "dsml_token"],
        template_rule: None,
        names: &["deepseek-v3.2", "deepseek-v4"],
    },
    call: CallShape {
        open: &[Piece::Text("<｜DSML｜function_calls>\n")],
        call: &[
            Piece::Text("<｜DSML｜invoke name=\""),
            Piece::Name,
            Piece::Text("\">\n"),
            Piece::Args,
            Piece::Text("</｜DSML｜invoke>\n"),
        ],
        separator: &[],
        close: &[Piece::Text("</｜DSML｜function_calls>")],
        args: Args::Params(DSML_PARAMS),
    },
};
