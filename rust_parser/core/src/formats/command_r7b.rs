//! `command_r7b`: Cohere Command R7B / Command A (CMD3/CMD4 action format).
//!
//! ```text
//! <|START_THINKING|>I will look up the weather.<|END_THINKING|><|START_ACTION|>[
//!     {"tool_call_id": "0", "tool_name": "get_weather", "parameters": {"location": "Tokyo"}}
//! ]<|END_ACTION|>
//! <|START_RESPONSE|>It is sunny.<|END_RESPONSE|>
//! ```
//!
//! The model numbers its calls: `"tool_call_id"` is the call's id (when it comes before the
//! parameters, as the template writes it). `<|START_RESPONSE|>`/`<|END_RESPONSE|>` (and the newer
//! templates' `<|START_TEXT|>`/`<|END_TEXT|>`) are markup around the answer; `<|END_OF_TURN_TOKEN|>` ends the output. An action also ends an unclosed
//! thinking block.

use crate::call_list::{CallList, Elements, ListSyntax};
use crate::envelope::{Keys, OPENAI_KEYS};
use crate::gated::{Gated, GatedDialect, InReasoning};
use crate::machine::{Machine, Section};
use crate::sections::DropMarker;
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec};
use crate::tools::Tools;

const ACTION: &str = "<|START_ACTION|>";
/// The action, then the answer wrappers: Command R7B's `RESPONSE` pair and Command A / the
/// Cohere2 (North) models' `TEXT` pair are markup around the answer, not content.
const STARTS: &[&str] = &[
    ACTION,
    "<|START_RESPONSE|>",
    "<|END_RESPONSE|>",
    "<|START_TEXT|>",
    "<|END_TEXT|>",
];

/// Cohere's call keys.
pub(crate) const COHERE_KEYS: Keys = Keys {
    name: &["tool_name", "name"],
    args: &["parameters", "arguments"],
    id: &["tool_call_id", "id"],
    ..OPENAI_KEYS
};

static LIST: ListSyntax = ListSyntax {
    elements: Elements {
        json: Some(COHERE_KEYS),
        name_key: false,
        python: false,
    },
    bare: true,
    close: &["<|END_ACTION|>"],
};

const DIALECT: GatedDialect = GatedDialect {
    think_open: &["<|START_THINKING|>"],
    think_close: &["<|END_THINKING|>"],
    tool_starts: STARTS,
    reasoning_starts: 1,
    in_reasoning: InReasoning::TextUnlessAtEnd,
    close_without_open: false,
    stops: &["<|END_OF_TURN_TOKEN|>"],
    open,
};

fn open(marker: usize, _tools: &Tools) -> Box<dyn Section> {
    if marker == 0 {
        Box::new(CallList::new(&LIST, ACTION))
    } else {
        Box::new(DropMarker)
    }
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Gated::new(DIALECT, reasoning, forced_open))
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "command_r7b",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<|START_ACTION|>", "<|START_THINKING|>"],
        template_rule: None,
        names: &["command-r7b", "command-r", "command-a", "c4ai-command"],
    },
    call: CallShape {
        open: &[Piece::Marker("<|START_ACTION|>"), Piece::Text("[")],
        call: &[
            Piece::Text("{\"tool_call_id\": \""),
            Piece::Index,
            Piece::Text("\", \"tool_name\": "),
            Piece::NameJson,
            Piece::Text(", \"parameters\": "),
            Piece::Args,
            Piece::Text("}"),
        ],
        separator: &[Piece::Text(", ")],
        close: &[Piece::Text("]"), Piece::Marker("<|END_ACTION|>")],
        args: Args::Json,
    },
};
