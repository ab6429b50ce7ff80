//! `nemotron_v2`: NVIDIA Nemotron Nano v2 — a JSON list of calls in `<TOOLCALL>` tags.
//!
//! ```text
//! <think>Need the weather.</think>
//! <TOOLCALL>[{"name": "get_weather", "arguments": {"location": "Tokyo"}}]</TOOLCALL>
//! ```
//!
//! Several calls share one list; `"parameters"` is accepted for `"arguments"`; a `<TOOLCALL>`
//! also ends an unclosed `<think>`; `<SPECIAL_12>` (the end of the turn) ends the output.
//! (Nemotron-3-Nano switched to the Qwen3-Coder XML shape: that is `qwen3_coder`.) Ids are `""`.

use crate::call_list::{CallList, Elements, ListSyntax};
use crate::envelope::OPENAI_KEYS;
use crate::gated::{Gated, GatedDialect, InReasoning};
use crate::json_call;
use crate::machine::{Machine, Section};
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec};
use crate::tools::Tools;

const OPEN: &str = "<TOOLCALL>";

static LIST: ListSyntax = ListSyntax {
    elements: Elements {
        json: Some(OPENAI_KEYS),
        name_key: false,
        python: false,
    },
    // Lenient: a single element without the brackets.
    bare: true,
    close: &["</TOOLCALL>"],
};

const DIALECT: GatedDialect = GatedDialect {
    think_open: &["<think>"],
    think_close: &["</think>"],
    tool_starts: &[OPEN],
    reasoning_starts: 1,
    in_reasoning: InReasoning::TextUnlessAtEnd,
    close_without_open: false,
    stops: &["<SPECIAL_12>"],
    open,
};

fn open(_marker: usize, _tools: &Tools) -> Box<dyn Section> {
    Box::new(CallList::new(&LIST, OPEN))
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Gated::new(DIALECT, reasoning, forced_open))
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "nemotron_v2",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<TOOLCALL>"],
        template_rule: None,
        names: &["nemotron-nano-9b-v2", "nemotron-nano-12b-v2", "nemotron-nano-v2"],
    },
    call: CallShape {
        open: &[Piece::Marker("<TOOLCALL>"), Piece::Text("[")],
        call: json_call!("arguments"),
        separator: &[Piece::Text(", ")],
        close: &[Piece::Text("]"), Piece::Marker("</TOOLCALL>")],
        args: Args::Json,
    },
};
