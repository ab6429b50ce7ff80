//! A JSON value that is the answer text: a string streams as content, decoded; any other value
//! streams as its JSON text (llama.cpp's generic `{"response": …}`).

use crate::json::{JsonValue, Status};
use crate::machine::Cx;
use crate::scan::leading_ws;

/// The value's state.
#[derive(Debug, Default)]
pub(crate) struct JsonContent {
    scanner: JsonValue,
    /// Decided by the first byte: whether the value is a string.
    string: Option<bool>,
    /// Nothing of the string was written yet (its opening quote is still to strip).
    first: bool,
}

/// Decodes one safe fragment of a JSON string literal. The scanner never cuts an escape or a
/// surrogate pair, so each fragment decodes on its own, the same on every split; a lone
/// surrogate becomes U+FFFD.
fn decode_fragment(frag: &str, first: bool, last: bool) -> String {
    let body = frag.strip_prefix('"').filter(|_| first).unwrap_or(frag);
    let body = if last {
        body.strip_suffix('"').unwrap_or(body)
    } else {
        body
    };
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let Some(e) = rest.chars().next() else {
            out.push('\\');
            break;
        };
        rest = &rest[e.len_utf8()..];
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'u' => {
                let (c, used) = unicode_escape(rest);
                out.push(c);
                rest = &rest[used..];
            }
            other => out.push(other),
        }
    }
    out.push_str(rest);
    out
}

/// The character of a `\u` escape (after the `u`) and the bytes it used, pairs included.
fn unicode_escape(rest: &str) -> (char, usize) {
    let hex = |s: &str| s.get(..4).and_then(|h| u32::from_str_radix(h, 16).ok());
    let Some(hi) = hex(rest) else {
        return ('\u{FFFD}', 0);
    };
    if (0xD800..0xDC00).contains(&hi) {
        if let Some(lo) = rest
            .get(4..)
            .filter(|r| r.starts_with("\\u"))
            .and_then(|r| hex(&r[2..]))
        {
            if (0xDC00..0xE000).contains(&lo) {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return (char::from_u32(c).unwrap_or('\u{FFFD}'), 10);
            }
        }
    }
    (char::from_u32(hi).unwrap_or('\u{FFFD}'), 4)
}

impl JsonContent {
    /// A value expected next (leading whitespace allowed).
    #[must_use]
    pub(crate) fn new() -> Self {
        JsonContent {
            first: true,
            ..Self::default()
        }
    }

    /// Feeds `input`, writing content; returns bytes consumed and the scanner's status.
    pub(crate) fn feed(&mut self, input: &str, cx: &mut Cx<'_>) -> (usize, Status) {
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
    pub(crate) fn finish(&mut self, cx: &mut Cx<'_>) {
        if self.string == Some(true) {
            let mut out = String::new();
            self.scanner.close_eof(&mut out);
            self.write(&out, true, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::decode_fragment;

    #[test]
    fn fragments_decode_alone() {
        assert_eq!(decode_fragment("\"a\\nb", true, false), "a\nb");
        assert_eq!(decode_fragment("\\ud83d\\ude00 \\u00e9\"", false, true), "😀 é");
        assert_eq!(decode_fragment("\\ud83d x", false, false), "\u{FFFD} x");
        assert_eq!(decode_fragment("\\\\ \\\" \\/", false, false), "\\ \" /");
    }
}
