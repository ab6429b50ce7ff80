//! `apertus`: Swiss AI Apertus — name-keyed call objects between `<|tools_prefix|>` and
//! `<|tools_suffix|>`, reasoning between `<|inner_prefix|>` and `<|inner_suffix|>`.
//!
//! ```text
//! <|inner_prefix|>Need the weather.<|inner_suffix|>
//! <|tools_prefix|>[{"get_weather": {"location": "Tokyo"}}, {"get_time": {"tz": "JST"}}]<|tools_suffix|>
//! ```
//!
//! The single key of each object is the function name, its value the arguments (llama.cpp's
//! "short form"). `<|assistant_end|>` ends the output. Ids are `""`.

use crate::call_list::{CallList, Elements, ListSyntax};
use crate::gated::{Gated, GatedDialect, InReasoning};
use crate::machine::{Machine, Section};
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec};
use crate::tools::Tools;

const OPEN: &str = "<|tools_prefix|>";

static LIST: ListSyntax = ListSyntax {
    elements: Elements {
        json: None,
        name_key: true,
        python: false,
    },
    // Lenient: a single element without the brackets.
    bare: true,
    close: &["<|tools_suffix|>"],
};

const DIALECT: GatedDialect = GatedDialect {
    think_open: &["<|inner_prefix|>"],
    think_close: &["<|inner_suffix|>"],
    tool_starts: &[OPEN],
    reasoning_starts: 1,
    in_reasoning: InReasoning::TextUnlessAtEnd,
    close_without_open: false,
    stops: &["<|assistant_end|>"],
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
    name: "apertus",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<|tools_prefix|>", "<|inner_prefix|>"],
        template_rule: None,
        names: &["apertus"],
    },
    call: CallShape {
        open: &[Piece::Marker("<|tools_prefix|>"), Piece::Text("[")],
        call: &[
            Piece::Text("{"),
            Piece::NameJson,
            Piece::Text(": "),
            Piece::Args,
            Piece::Text("}"),
        ],
        separator: &[Piece::Text(", ")],
        close: &[Piece::Text("]"), Piece::Marker("<|tools_suffix|>")],
        args: Args::Json,
    },
};
