//! `functionary_v3_1`: MeetKai Functionary v3.1 (Llama 3.1 based).
//!
//! ```text
//! <function=get_weather>{"location": "Tokyo"}</function>
//! <|python_tag|>import math
//! print(math.sqrt(2))
//! ```
//!
//! Calls are `<function=NAME>{json}</function>`, several in a row; the built-in `python` tool is
//! Llama 3.1's `<|python_tag|>` followed by raw code, which becomes a call `python` with
//! arguments `{"code": "…"}` (the code streamed as a JSON string, up to `<|eom_id|>`/`<|eot_id|>`
//! or the end). `<|eom_id|>` and `<|eot_id|>` end the output. No reasoning block; ids are `""`.

use crate::gated::{Gated, GatedDialect, InReasoning};
use crate::machine::{Machine, Section};
use crate::raw_code::RawCode;
use crate::sections::FunctionTag;
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec};
use crate::tools::Tools;

const FN_EQ: &str = "<function=";
const PYTHON_TAG: &str = "<|python_tag|>";
const ENDS: &[&str] = &["<|eom_id|>", "<|eot_id|>"];

const DIALECT: GatedDialect = GatedDialect {
    think_open: &[],
    think_close: &[],
    tool_starts: &[FN_EQ, PYTHON_TAG],
    reasoning_starts: 0,
    in_reasoning: InReasoning::Ignored,
    close_without_open: false,
    stops: ENDS,
    open,
};

fn open(marker: usize, _tools: &Tools) -> Box<dyn Section> {
    if marker == 0 {
        Box::new(FunctionTag::new(FN_EQ, false))
    } else {
        Box::new(RawCode::new("python", ENDS))
    }
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Gated::new(DIALECT, reasoning, forced_open))
}

/// Llama 3.1 headers with `<function=NAME>` calls (Qwen3-Coder also writes `<function=`, always
/// with `<parameter=`).
fn functionary_v31_template(t: &str) -> bool {
    t.contains("<function=") && t.contains("<|start_header_id|>") && !t.contains("<parameter=")
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "functionary_v3_1",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &[],
        template_rule: Some(functionary_v31_template),
        names: &["functionary-small-v3.1", "functionary-medium-v3.1"],
    },
    call: CallShape {
        open: &[],
        call: &[
            Piece::Text("<function="),
            Piece::Name,
            Piece::Text(">"),
            Piece::Args,
            Piece::Text("</function>"),
        ],
        separator: &[],
        close: &[],
        args: Args::Json,
    },
};
