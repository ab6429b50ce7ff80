//! `deepseek_r1`: DeepSeek R1 and R1-0528 (and the R1 distills that keep its template).
//!
//! ````text
//! <think>
//! Need the weather.
//! </think>
//!
//! <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather
//! ```json
//! {"location": "Tokyo"}
//! ```<｜tool▁call▁end｜><｜tool▁calls▁end｜>
//! ````
//!
//! - The literal word `function` is the tool type; the arguments are a JSON object in a
//!   ```` ```json ```` fence. No id: calls get `""`.
//! - Section opener spellings accepted as llama.cpp does: `<｜tool▁calls▁begin｜>`,
//!   `<｜tool_calls_begin｜>`, `<｜tool calls begin｜>`, `<｜tool\_calls\_begin｜>`,
//!   `<｜tool▁calls｜>`; `<｜tool▁call▁begin｜>` and `<｜tool▁call▁end｜>` are optional.
//! - The other shapes R1 emitted in practice (ik_llama.cpp PR #652):
//!   format 2 ```` function<get_weather>\n```json\n{…}\n``` ````;
//!   format 3 ```` function\n```json\n{"tools": [{"name": …, "arguments": {…}}, …]}\n``` ````
//!   (one call per element);
//!   format 4 ```` <tool_call>\nfunction</think>Read\n```json\n{…}\n```\n</tool_call> ````.
//!   The V3.1 shape `NAME<｜tool▁sep｜>{…}` is accepted as well (one parser for the family:
//!   [`super::section`]).
//! - Reasoning: `<think>…</think>`. The updated R1 templates end the prompt with `<think>\n`, so
//!   with `thinking_forced_open` the output starts inside reasoning (a `<think>` repeated at the
//!   very start is dropped). Tool markup inside the open thinking block is reasoning text, as
//!   llama.cpp, vLLM and SGLang read it (the model quotes the syntax while planning: "It starts
//!   with <｜tool▁calls▁begin｜> and ends with"); only calls after `</think>` count, unless the
//!   block is never closed and the output ends with complete calls (the model forgot the close).
//!   Reasoning is one state of one machine: answer text before, between and after the think
//!   block is never lost or merged (ik_llama.cpp#690); a `<think>` that is not at the start of
//!   the output is text.
//! - `<｜end▁of▁sentence｜>` leaking into the text ends the output (it and what follows are
//!   dropped).

use super::section::{machine_for, DIALECT};
use crate::gated::GatedDialect;
use crate::machine::Machine;
use crate::spec::{Detect, Reasoning, Spec};

/// R1's template opens `<think>` in the prompt: a `</think>` without an opening one ends the
/// reasoning that began before the output.
const R1: GatedDialect = GatedDialect {
    close_without_open: true,
    ..DIALECT
};

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    machine_for(R1, reasoning, forced_open)
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "deepseek_r1",
    build: machine,
    reasoning: Reasoning::of(&R1),
    detect: Detect {
        template: &[],
        template_rule: Some(super::r1_template),
        names: &["deepseek-r1"],
    },
    call: super::FENCED_CALL,
};
