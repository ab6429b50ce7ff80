//! `pythonic`: a Python list of calls — Llama 3.2 (pythonic template), Llama 4, ToolACE, Olmo 3.
//!
//! ```text
//! [get_weather(location="Tokyo", days=3), get_time(tz='Asia/Tokyo')]
//! <|python_start|>[get_weather(location="Tokyo")]<|python_end|>
//! <function_calls>
//! get_weather(location="Tokyo")
//! get_time(tz="Asia/Tokyo")
//! </function_calls>
//! ```
//!
//! The bare list counts only at the start of the output (vLLM's rule: an answer that starts with
//! `[` followed by a call); Llama 4's `<|python_start|>` and Olmo 3's `<function_calls>` (one call
//! per line, no brackets) open a list anywhere. Keyword values are Python literals — strings in
//! either quote, numbers, `True`/`False`/`None`, lists, dicts, tuples — converted to JSON (see
//! [`crate::python_kwargs`]). Olmo 3 Think's `<think>` block is reasoning. Ids are `""`.

use crate::call_list::{CallList, Elements, ListSyntax};
use crate::gated::{Gated, GatedDialect, InReasoning};
use crate::lead::Lead;
use crate::machine::{Machine, Section};
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec, KWARGS};
use crate::tools::Tools;

const STARTS: &[&str] = &["<|python_start|>", "<function_calls>"];

const PYTHON: Elements = Elements {
    json: None,
    name_key: false,
    python: true,
};

static LIST: ListSyntax = ListSyntax {
    elements: PYTHON,
    bare: false,
    close: &[],
};

static LLAMA4: ListSyntax = ListSyntax {
    elements: PYTHON,
    bare: true,
    close: &["<|python_end|>"],
};

static OLMO3: ListSyntax = ListSyntax {
    elements: PYTHON,
    bare: true,
    close: &["</function_calls>"],
};

const DIALECT: GatedDialect = GatedDialect {
    think_open: &["<think>"],
    think_close: &["</think>"],
    tool_starts: STARTS,
    reasoning_starts: STARTS.len(),
    in_reasoning: InReasoning::TextUnlessAtEnd,
    close_without_open: false,
    stops: &["<|eot|>", "<|eom|>"],
    open,
};

fn open(marker: usize, _tools: &Tools) -> Box<dyn Section> {
    if marker == 0 {
        Box::new(CallList::new(&LLAMA4, STARTS[0]))
    } else {
        Box::new(CallList::new(&OLMO3, STARTS[1]))
    }
}

fn lead(first: u8, _tools: &Tools) -> Option<Box<dyn Section>> {
    (first == b'[').then(|| Box::new(CallList::new(&LIST, "")) as Box<dyn Section>)
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Lead::new(lead, Gated::new(DIALECT, reasoning, forced_open)))
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "pythonic",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &["<|python_start|>", "<function_calls>", "[func_name1("],
        template_rule: None,
        names: &["llama-4", "llama4", "toolace", "olmo-3", "olmo3"],
    },
    call: CallShape {
        open: &[Piece::Text("[")],
        call: &[Piece::Name, Piece::Text("("), Piece::Args, Piece::Text(")")],
        separator: &[Piece::Text(", ")],
        close: &[Piece::Text("]")],
        args: Args::Params(KWARGS),
    },
};
