//! A JSON value that is the answer text: a string streams as content, decoded; any other value
//! streams as its JSON text (llama.cpp's generic `{"response": …}`).

use crate::json::{JsonValue, Status};
use crate::machine::Cx;
use crate::scan::leading_ws;

/// The value's state.
#[derive(Debug, Default)]
pub struct JsonContent {
    scanner: JsonValue,
    /// Decided by the first byte: whether the value is a string.
    string: Option<bool>,
    /// Nothing of the string was written yet (its opening quote is still to strip).
    first: bool,
}

/// Decodes one safe fragment of a JSON string literal (the scanner never cuts an escape).
fn decode_fragment(frag: &str, first: bool, last: bool) -> String {
    let body = frag.strip_prefix('"').filter(|_| first).unwrap_or(frag);
    let body = if last {
        body.strip_suffix('"').unwrap_or(body)
    } else {
        body
    };
    serde_json::from_str::<String>(&format!("\"{body}\"")).unwrap_or_else(|_| body.to_owned())
}

impl JsonContent {
    /// A value expected next (leading whitespace allowed).
    #[must_use]
    pub fn new() -> Self {
        JsonContent {
            first: true,
            ..Self::default()
        }
    }

    /// Feeds `input`, writing content; returns bytes consumed and the scanner's status.
    pub fn feed(&mut self, input: &str, cx: &mut Cx<'_>) -> (usize, Status) {
        let ws = if self.string.is_none() {
            let ws = leading_ws(input);
            match input.as_bytes().get(ws) {
                None => return (ws, Status::NeedMore),
                Some(&b) => self.string = Some(b == b'"'),
            }
            ws
        } else {
            0
        };
        let mut out = String::new();
        let (n, status) = self.scanner.feed(&input[ws..], &mut out);
        self.write(&out, status == Status::Complete, cx);
        (ws + n, status)
    }

    fn write(&mut self, out: &str, last: bool, cx: &mut Cx<'_>) {
        if self.string == Some(true) {
            cx.content(&decode_fragment(out, self.first, last));
        } else {
            cx.content(out);
        }
        if !out.is_empty() {
            self.first = false;
        }
    }

    /// End of output: what the scanner held back is written (a cut string is closed).
    pub fn finish(&mut self, cx: &mut Cx<'_>) {
        if self.string == Some(true) {
            let mut out = String::new();
            self.scanner.close_eof(&mut out);
            self.write(&out, true, cx);
        }
    }
}
