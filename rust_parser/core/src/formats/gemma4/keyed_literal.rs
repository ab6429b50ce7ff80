//! A JSON-like literal with bare keys and token-delimited strings, streamed as JSON.
//!
//! Gemma 4 writes arguments as `{location:<|"|>Paris, France<|"|>,days:3,opts:{metric:true},
//! tags:[<|"|>a<|"|>,<|"|>b<|"|>]}`: keys are bare words, strings are enclosed in a delimiter
//! token (no escapes inside), other values are bare (`42`, `3.14`, `true`, `null`). This
//! translates it to JSON as it arrives: strings stream as escaped JSON text; bare values are
//! held until their `,`/`}`/`]` and typed (JSON literals and numbers stay, anything else becomes
//! a string); a key is written with its value's first byte, so emitted text can always be closed
//! by a `"` and the open brackets. The caller consumes the opening `{` and writes it.

use crate::coerce::{escape_into, json_string};
use crate::json::valid_number;
use crate::scan::{is_prefix_of, token_limit};

const MAX_TOKEN: usize = 256;

/// What the translator needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LitStatus {
    /// Not complete; everything up to the returned offset was consumed.
    NeedMore,
    /// The outermost `}` was consumed.
    Complete,
    /// The byte at the returned offset does not fit.
    Invalid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    /// In an object: a key or `}`.
    Key,
    /// Inside a key: more key bytes, then `:`.
    KeyName,
    /// Inside a delimited key (`<|"|>3<|"|>`): up to the closing delimiter.
    KeyStr,
    /// After a delimited key: `:`.
    KeyColon,
    /// In an array: a value or `]`.
    FirstValue,
    /// After `:` or `,` in an array: a value.
    Value,
    Str,
    Bare,
    /// After a value: `,` or the container's closer.
    After,
    Done,
}

/// The translator (after the opening `{`).
#[derive(Debug)]
pub(crate) struct KeyedLiteral {
    delim: &'static str,
    st: St,
    /// Open containers, innermost last (`{` or `[`), and whether each has a member yet.
    stack: Vec<(u8, bool)>,
    key: String,
    bare: String,
}

fn key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$')
}

fn typed(bare: &str) -> String {
    let v = bare.trim();
    if matches!(v, "true" | "false" | "null") || valid_number(v) {
        v.to_owned()
    } else {
        json_string(v)
    }
}

/// How much of `rest` can be taken while a delimiter may still begin at its end: all but a tail
/// that is a prefix of `delim`.
pub(crate) fn held_back(rest: &str, delim: &str) -> usize {
    let keep = (1..delim.len().min(rest.len() + 1))
        .rev()
        .find(|&k| rest.is_char_boundary(rest.len() - k) && is_prefix_of(&rest[rest.len() - k..], delim))
        .unwrap_or(0);
    rest.len() - keep
}

impl KeyedLiteral {
    /// A translator for strings enclosed in `delim`, right after the opening `{`.
    #[must_use]
    pub(crate) fn new(delim: &'static str) -> Self {
        KeyedLiteral {
            delim,
            st: St::Key,
            stack: vec![(b'{', false)],
            key: String::new(),
            bare: String::new(),
        }
    }

    /// Writes the separator and the pending key before a value's first byte.
    fn member(&mut self, out: &mut String) {
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        if top.1 {
            out.push_str(", ");
        }
        top.1 = true;
        if top.0 == b'{' {
            out.push_str(&json_string(&self.key));
            out.push_str(": ");
        }
        self.key.clear();
    }

    fn close_container(&mut self, out: &mut String) -> bool {
        if let Some((open, _)) = self.stack.pop() {
            out.push(if open == b'{' { '}' } else { ']' });
        }
        self.st = if self.stack.is_empty() {
            St::Done
        } else {
            St::After
        };
        self.stack.is_empty()
    }

    /// Feeds `input`; JSON text is appended to `out`.
    pub(crate) fn feed(&mut self, input: &str, out: &mut String) -> (usize, LitStatus) {
        let bytes = input.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let rest = &input[i..];
            let b = bytes[i];
            match self.st {
                St::Done => return (i, LitStatus::Complete),
                St::Str => {
                    let (text, found) = match rest.find(self.delim) {
                        Some(at) => (&rest[..at], true),
                        None => (&rest[..held_back(rest, self.delim)], false),
                    };
                    escape_into(text, out);
                    i += text.len();
                    if !found {
                        return (i, LitStatus::NeedMore);
                    }
                    out.push('"');
                    i += self.delim.len();
                    self.st = St::After;
                    continue;
                }
                St::Bare => {
                    let run = rest
                        .bytes()
                        .take_while(|c| !matches!(c, b',' | b'}' | b']'))
                        .count()
                        .min(token_limit(rest, self.bare.len(), MAX_TOKEN));
                    self.bare.push_str(&rest[..run]);
                    i += run;
                    if self.bare.len() > MAX_TOKEN {
                        return (i, LitStatus::Invalid);
                    }
                    if i < bytes.len() {
                        let v = typed(&self.bare);
                        self.bare.clear();
                        self.member(out);
                        out.push_str(&v);
                        self.st = St::After;
                    }
                    continue;
                }
                St::KeyStr => {
                    let (at, found) = match rest.find(self.delim) {
                        Some(at) => (at, true),
                        None => (held_back(rest, self.delim), false),
                    };
                    let take = at.min(token_limit(rest, self.key.len(), MAX_TOKEN));
                    self.key.push_str(&rest[..take]);
                    i += take;
                    if self.key.len() > MAX_TOKEN {
                        return (i, LitStatus::Invalid);
                    }
                    if !found || take < at {
                        return (i, LitStatus::NeedMore);
                    }
                    i += self.delim.len();
                    self.st = St::KeyColon;
                    continue;
                }
                St::KeyName => {
                    let run = rest.bytes().take_while(|&c| key_byte(c)).count();
                    let run = run.min(token_limit(rest, self.key.len(), MAX_TOKEN));
                    self.key.push_str(&rest[..run]);
                    i += run;
                    if self.key.len() > MAX_TOKEN {
                        return (i, LitStatus::Invalid);
                    }
                    match bytes.get(i) {
                        Some(b':') => {
                            self.st = St::Value;
                            i += 1;
                        }
                        Some(_) => return (i, LitStatus::Invalid),
                        None => {}
                    }
                    continue;
                }
                _ if b.is_ascii_whitespace() => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            match (self.st, b) {
                (St::Key, b'}') | (St::FirstValue, b']') => {
                    i += 1;
                    if self.close_container(out) {
                        return (i, LitStatus::Complete);
                    }
                }
                (St::Key, _) if key_byte(b) => self.st = St::KeyName,
                // A key may be written as a string: `{<|"|>3<|"|>:…}`.
                (St::Key, _) if rest.starts_with(self.delim) => {
                    self.key.clear();
                    self.st = St::KeyStr;
                    i += self.delim.len();
                }
                (St::Key, _) if is_prefix_of(rest, self.delim) => return (i, LitStatus::NeedMore),
                (St::KeyColon, b':') => {
                    self.st = St::Value;
                    i += 1;
                }
                (St::Value | St::FirstValue, _) => {
                    if rest.starts_with(self.delim) {
                        self.member(out);
                        out.push('"');
                        self.st = St::Str;
                        i += self.delim.len();
                    } else if is_prefix_of(rest, self.delim) {
                        return (i, LitStatus::NeedMore);
                    } else if b == b'{' || b == b'[' {
                        self.member(out);
                        out.push(char::from(b));
                        self.stack.push((b, false));
                        self.st = if b == b'{' { St::Key } else { St::FirstValue };
                        i += 1;
                    } else if matches!(b, b',' | b'}' | b']') {
                        // `key:` with no value: an empty string (vLLM's reading).
                        self.member(out);
                        out.push_str("\"\"");
                        self.st = St::After;
                    } else {
                        self.st = St::Bare;
                    }
                }
                (St::After, b',') => {
                    i += 1;
                    self.st = match self.stack.last() {
                        Some((b'[', _)) => St::Value,
                        _ => St::Key,
                    };
                }
                (St::After, b'}' | b']') => {
                    let want = if b == b'}' { b'{' } else { b'[' };
                    if self.stack.last().map(|t| t.0) != Some(want) {
                        return (i, LitStatus::Invalid);
                    }
                    i += 1;
                    if self.close_container(out) {
                        return (i, LitStatus::Complete);
                    }
                }
                _ => return (i, LitStatus::Invalid),
            }
        }
        let status = if self.st == St::Done {
            LitStatus::Complete
        } else {
            LitStatus::NeedMore
        };
        (i, status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> (String, LitStatus) {
        let mut k = KeyedLiteral::new("<|\"|>");
        let mut out = String::from("{");
        let (_, st) = k.feed(s, &mut out);
        (out, st)
    }

    #[test]
    fn translates() {
        let (out, st) = run("location:<|\"|>Paris, France<|\"|>,n:3,ok:true,x:abc,o:{a:[<|\"|>b<|\"|>,1]}}");
        assert_eq!(st, LitStatus::Complete);
        assert_eq!(
            out,
            "{\"location\": \"Paris, France\", \"n\": 3, \"ok\": true, \"x\": \"abc\", \"o\": {\"a\": [\"b\", 1]}}"
        );
        assert_eq!(run("}"), ("{}".to_owned(), LitStatus::Complete));
        assert_eq!(run("k:}").0, "{\"k\": \"\"}");
    }

    #[test]
    fn keys_may_be_delimited_strings() {
        let (out, st) = run("m:{<|\"|>3<|\"|>:<|\"|>new text<|\"|>,<|\"|>a b<|\"|> :1},<|\"|>k<|\"|>:{}}");
        assert_eq!(st, LitStatus::Complete);
        assert_eq!(out, "{\"m\": {\"3\": \"new text\", \"a b\": 1}, \"k\": {}}");
        // Streamed byte by byte, the same text.
        let text = "<|\"|>x\"y<|\"|>:2}";
        let mut k = KeyedLiteral::new("<|\"|>");
        let mut out = String::from("{");
        let mut held = String::new();
        for c in text.chars() {
            held.push(c);
            let (n, _) = k.feed(&held, &mut out);
            held.drain(..n);
        }
        assert_eq!(out, "{\"x\\\"y\": 2}");
        assert_eq!(run("<|\"|>k<|\"|>x").1, LitStatus::Invalid);
    }
}
