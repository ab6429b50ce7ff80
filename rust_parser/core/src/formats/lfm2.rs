//! `lfm2`: Liquid LFM2 / LFM2.5 — a call list between `<|tool_call_start|>` and
//! `<|tool_call_end|>`, pythonic (current templates) or JSON (early LFM2).
//!
//! ```text
//! <|tool_call_start|>[get_weather(location="Tokyo"), get_time(tz="JST")]<|tool_call_end|>
//! <|tool_call_start|>[{"name": "get_weather", "arguments": {"location": "Tokyo"}}]<|tool_call_end|>
//! ```
//!
//! LFM2 thinking models write `<think>…</think>` first; a call marker also ends an unclosed
//! `<think>`. `<|im_end|>` ends the output. Ids are `""`.
//!
//! When tools are declared, an output that starts with a bare pythonic list
//! (`[get_weather(location="Tokyo")]`, the markers left out) is that call list too, as in the
//! `pythonic` format; without tools a leading `[` is text.

use crate::call_list::{CallList, Elements, ListSyntax};
use crate::envelope::OPENAI_KEYS;
use crate::gated::{Gated, GatedDialect, InReasoning};
use crate::lead::Lead;
use crate::machine::{Machine, Section};
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec, KWARGS};
use crate::tools::Tools;

const OPEN: &str = "<|tool_call_start|>";

static LIST: ListSyntax = ListSyntax {
    elements: Elements {
        json: Some(OPENAI_KEYS),
        name_key: false,
        python: true,
    },
    // Lenient: a single element without the brackets.
    bare: true,
    close: &["<|tool_call_end|>"],
};

/// The bare list: pythonic elements only (a JSON array answer is not a call).
static BARE: ListSyntax = ListSyntax {
    elements: Elements {
        json: None,
        name_key: false,
        python: true,
    },
    bare: false,
    close: &[],
};

const DIALECT: GatedDialect = GatedDialect {
    think_open: &["<think>"],
    think_close: &["</think>"],
    tool_starts: &[OPEN],
    reasoning_starts: 1,
    in_reasoning: InReasoning::TextUnlessAtEnd,
    close_without_open: false,
    stops: &["<|im_end|>"],
    open,
};

fn open(_marker: usize, _tools: &Tools) -> Box<dyn Section> {
    Box::new(CallList::new(&LIST, OPEN))
}

fn lead(first: u8, tools: &Tools) -> Option<Box<dyn Section>> {
    (first == b'[' && !tools.is_empty()).then(|| Box::new(CallList::new(&BARE, "")) as Box<dyn Section>)
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Lead::new(lead, Gated::new(DIALECT, reasoning, forced_open)))
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "lfm2",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<|tool_call_start|>", "<|tool_list_start|>"],
        template_rule: None,
        names: &["lfm2"],
    },
    call: CallShape {
        open: &[Piece::Marker("<|tool_call_start|>"), Piece::Text("[")],
        call: &[Piece::Name, Piece::Text("("), Piece::Args, Piece::Text(")")],
        separator: &[Piece::Text(", ")],
        close: &[Piece::Text("]"), Piece::Marker("<|tool_call_end|>")],
        args: Args::Params(KWARGS),
    },
};
