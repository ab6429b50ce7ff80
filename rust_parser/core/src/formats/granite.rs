//! `granite`: IBM Granite 3.x and 4.x.
//!
//! Granite 3.x — `<|tool_call|>` then a JSON list of calls (a single object is accepted too):
//!
//! ```text
//! <|tool_call|>[{"name": "get_weather", "arguments": {"location": "Tokyo"}}]
//! ```
//!
//! Granite 4.x — Hermes-style `<tool_call>` blocks, one object (or a list) each:
//!
//! ```text
//! <tool_call>
//! {"name": "get_weather", "arguments": {"location": "Tokyo"}}
//! </tool_call>
//! ```
//!
//! Granite 20B-FC — `<function_call>` before each call object:
//!
//! ```text
//! <function_call> {"name": "get_weather", "arguments": {"location": "Tokyo"}} <function_call> {…}
//! ```
//!
//! Granite 3.3 thinking: `<think>…</think><response>…</response>` — the response tags are markup
//! (dropped), the text between them is content. A tool marker also ends an unclosed `<think>`.
//! Ids are `""`.

use crate::call_list::{CallList, Elements, ListSyntax};
use crate::envelope::OPENAI_KEYS;
use crate::gated::{Gated, GatedDialect, InReasoning, ALL_MARKERS};
use crate::json_call;
use crate::machine::Machine;
use crate::machine::Section;
use crate::sections::DropMarker;
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec};
use crate::tools::Tools;

const STARTS: &[&str] = &[
    "<|tool_call|>",
    "<tool_call>",
    "<function_call>",
    "<response>",
    "</response>",
];

const ELEMENTS: Elements = Elements {
    json: Some(OPENAI_KEYS),
    name_key: false,
    python: false,
};

static LIST3: ListSyntax = ListSyntax {
    elements: ELEMENTS,
    bare: true,
    close: &[],
};

static BLOCK4: ListSyntax = ListSyntax {
    elements: ELEMENTS,
    bare: true,
    close: &["</tool_call>"],
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
    match marker {
        0 => Box::new(CallList::new(&LIST3, STARTS[0])),
        1 => Box::new(CallList::new(&BLOCK4, STARTS[1])),
        2 => Box::new(CallList::new(&LIST3, STARTS[2])),
        _ => Box::new(DropMarker),
    }
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Gated::new(DIALECT, reasoning, forced_open))
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "granite",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<|start_of_role|>", "<|tool_call|>"],
        template_rule: None,
        names: &["granite"],
    },
    call: CallShape {
        open: &[Piece::Marker("<|tool_call|>"), Piece::Text("[")],
        call: json_call!("arguments"),
        separator: &[Piece::Text(", ")],
        close: &[Piece::Text("]")],
        args: Args::Json,
    },
};
