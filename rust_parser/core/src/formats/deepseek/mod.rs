//! The DeepSeek family: R1 and V3 (`function<｜tool▁sep｜>NAME` + a fenced JSON block), V3.1
//! (`NAME<｜tool▁sep｜>{…}`), whose shared tool section is [`section`], and V3.2's DSML.

use crate::spec::{Args, CallShape, Piece};

pub(crate) mod r1;
mod section;
pub(crate) mod v3;
pub(crate) mod v31;
pub(crate) mod v32;

/// A template that writes R1/V3/V3.1 calls (V3.2's DSML templates also name the tokens).
fn writes_calls(t: &str) -> bool {
    !t.contains("DSML") && (t.contains("<｜tool▁calls▁begin｜>") || t.contains("<｜tool▁sep｜>"))
}

/// R1 and V3-0324 write `function<｜tool▁sep｜>NAME` + a ```json fence; R1 templates also strip
/// `…</think>` from history and/or prefill `<think>\n`.
pub(crate) fn r1_template(t: &str) -> bool {
    writes_calls(t) && t.contains("```json") && t.contains("think>")
}

pub(crate) fn v3_template(t: &str) -> bool {
    writes_calls(t) && t.contains("```json") && !t.contains("think>")
}

/// V3.1 writes no fence.
pub(crate) fn v31_template(t: &str) -> bool {
    writes_calls(t) && !t.contains("```json")
}

/// R1's and V3's call: `function<｜tool▁sep｜>NAME` and the arguments in a ```json fence.
const FENCED_CALL: CallShape = CallShape {
    open: &[Piece::Marker("<｜tool▁calls▁begin｜>")],
    call: &[
        Piece::Marker("<｜tool▁call▁begin｜>"),
        Piece::Text("function"),
        Piece::Marker("<｜tool▁sep｜>"),
        Piece::Name,
        Piece::Text("\n```json\n"),
        Piece::Args,
        Piece::Text("\n```"),
        Piece::Marker("<｜tool▁call▁end｜>"),
    ],
    separator: &[],
    close: &[Piece::Marker("<｜tool▁calls▁end｜>")],
    args: Args::Json,
};
