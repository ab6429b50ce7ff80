//! `deepseek_v31`: DeepSeek V3.1 (and V3.2-Exp, V3.1-Terminus).
//!
//! ```text
//! <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location": "Tokyo"}<｜tool▁call▁end｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location": "Paris"}<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜>
//! ```
//!
//! - No `function` type word, no fence: the name, `<｜tool▁sep｜>`, the raw JSON arguments
//!   (streamed as the model's bytes; a JSON string holding the object is decoded). No id: calls
//!   get `""`. The R1 shapes are accepted too (one parser for the family:
//!   [`super::section`]).
//! - Thinking mode: the prompt ends with `<｜Assistant｜><think>`, so with `thinking_forced_open`
//!   the output starts inside reasoning and `</think>` ends it; non-thinking mode prefills
//!   `</think>` (or `<think></think>`), so the output is plain content. A tool section start
//!   inside an open thinking block is reasoning text (only calls after `</think>` count), unless
//!   the block is never closed and the output ends with complete calls.
//! - `<｜end▁of▁sentence｜>` is the end of output: it is not content, and nothing after it is.
//! - Arguments are append-only byte streams at any chunking (ik_llama.cpp#750's "Invalid diff"
//!   crashes cannot happen: nothing is re-parsed or diffed).

use crate::machine::Machine;
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec};

/// The machine: the family's (tool markup in an open thinking block is reasoning text).
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    super::section::machine(reasoning, forced_open)
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "deepseek_v31",
    build: machine,
    reasoning: Reasoning::of(&super::section::DIALECT),
    detect: Detect {
        template: &[],
        template_rule: Some(super::v31_template),
        names: &["deepseek-v3.1"],
    },
    call: CallShape {
        open: &[Piece::Marker("<｜tool▁calls▁begin｜>")],
        call: &[
            Piece::Marker("<｜tool▁call▁begin｜>"),
            Piece::Name,
            Piece::Marker("<｜tool▁sep｜>"),
            Piece::Args,
            Piece::Marker("<｜tool▁call▁end｜>"),
        ],
        separator: &[],
        close: &[Piece::Marker("<｜tool▁calls▁end｜>")],
        args: Args::Json,
    },
};
