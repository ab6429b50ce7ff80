//! `firefunction_v2`: Fireworks FireFunction v2 — `functools` then a JSON list of calls.
//!
//! ```text
//!  functools[{"name": "get_weather", "arguments": {"location": "Tokyo"}}]
//! ```
//!
//! No reasoning block; ids are `""`. A `functools` not followed by a list is content.

use crate::call_list::{CallList, Elements, ListSyntax};
use crate::envelope::OPENAI_KEYS;
use crate::gated::{Gated, GatedDialect, InReasoning, ALL_MARKERS};
use crate::json_call;
use crate::machine::Machine;
use crate::machine::Section;
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec};
use crate::tools::Tools;

/// With the space the model writes before it (part of the markup, as llama.cpp reads it).
const STARTS: &[&str] = &[" functools", "functools"];

static LIST: ListSyntax = ListSyntax {
    elements: Elements {
        json: Some(OPENAI_KEYS),
        name_key: false,
        python: false,
    },
    bare: false,
    close: &[],
};

/// The dialect.
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
    Box::new(CallList::new(&LIST, STARTS[marker]))
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Gated::new(DIALECT, reasoning, forced_open))
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "firefunction_v2",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["functools["],
        template_rule: None,
        names: &["firefunction"],
    },
    call: CallShape {
        open: &[Piece::Text(" functools[")],
        call: json_call!("arguments"),
        separator: &[Piece::Text(", ")],
        close: &[Piece::Text("]")],
        args: Args::Json,
    },
};
