//! `deepseek_v3`: DeepSeek V3 and V3-0324.
//!
//! ````text
//! <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather
//! ```json
//! {"location": "Tokyo"}
//! ```<｜tool▁call▁end｜><｜tool▁calls▁end｜>
//! ````
//!
//! The call shape is R1's (the type word `function`, the name, a ```` ```json ```` fence; no id:
//! calls get `""`), and so is everything this parser accepts: the section opener spellings,
//! optional call begin/end markers, ik_llama.cpp PR #652's alternative shapes, the V3.1 shape,
//! `<｜end▁of▁sentence｜>` ending the output (see [`super::deepseek_r1`] and
//! [`super::section`]).
//!
//! The difference from `deepseek_r1` is the model, not the parser: V3 has no thinking mode and
//! its template never opens a reasoning block, so `thinking_forced_open` should be false. A
//! `<think>…</think>` at the very start is still taken as reasoning (V3 does not write one;
//! an R1-style fine-tune served with the V3 template does), and `reasoning=false` keeps it in
//! the content verbatim.

use crate::machine::Machine;
use crate::spec::{Detect, Reasoning, Spec};

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    super::section::machine(reasoning, forced_open)
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "deepseek_v3",
    build: machine,
    reasoning: Reasoning::of(&super::section::DIALECT),
    detect: Detect {
        template: &[],
        template_rule: Some(super::v3_template),
        names: &["deepseek-v3"],
    },
    call: super::FENCED_CALL,
};
