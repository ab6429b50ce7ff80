//! Python keyword arguments (`k="v", n=1, ok=True)`) streamed as a JSON object.
//!
//! Used after `name.call(` (Llama 3.1 built-in tools). String literals (`"…"` or `'…'`) stream
//! as JSON-escaped fragments as they arrive; other values are buffered until their `,` or `)`
//! and typed: `True`/`False`/`None` → `true`/`false`/`null`, JSON numbers stay as written, a
//! valid JSON text (a list in JSON syntax) stays as written, anything else becomes a JSON string
//! of its text. Nothing is evaluated. The output is `{"k": "v", "n": 1, "ok": true}`; the caller
//! writes the opening `{`. Emitted text can always be closed by `"` and/or `}`: a key is only
//! written together with its value's first byte.

use crate::coerce::{escape_into, json_string};
use crate::json::valid_number;
use crate::scan::bounded_run;

const MAX_KEY: usize = 256;

/// What the parser needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KwStatus {
    /// Not complete yet.
    NeedMore,
    /// The closing `)` was consumed; the object is closed.
    Complete,
    /// The byte at the returned offset does not fit.
    Invalid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum K {
    /// A key or `)`.
    Start,
    Key,
    /// After the key: `=`.
    Eq,
    /// After `=`: the value.
    ValStart,
    Str(u8),
    StrEsc(u8),
    Raw,
    /// After a value: `,` or `)`.
    After,
    Done,
}

/// What ended a scan of a raw value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RawEnd {
    /// The input ran out inside the value.
    More,
    /// A top-level `,` or `)` ends it.
    End,
    /// A closing bracket that closes nothing.
    Stray,
}

/// Streaming parser of a keyword-argument list (after the opening parenthesis).
#[derive(Debug)]
pub(crate) struct Kwargs {
    st: K,
    key: String,
    /// Raw text consumed but not yet emitted (given back if the list breaks).
    raw: String,
    val: String,
    depth: usize,
    in_str: Option<u8>,
    esc: bool,
    first: bool,
}

impl Default for Kwargs {
    fn default() -> Self {
        Self::new()
    }
}

fn ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// JSON text for a non-string Python value.
fn py_value(raw: &str) -> String {
    match raw {
        "True" => return "true".to_owned(),
        "False" => return "false".to_owned(),
        "None" => return "null".to_owned(),
        _ => {}
    }
    if valid_number(raw) || serde_json::from_str::<serde_json::Value>(raw).is_ok() {
        raw.to_owned()
    } else {
        py_literal(raw).unwrap_or_else(|| json_string(raw))
    }
}

/// A string literal's prefix that still makes a `str`: none or `u`, `r` (raw), `f` (an f-string,
/// a plain string when it has no placeholder). Bytes (`b'…'`) are not text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    Plain,
    Raw,
    Format,
}

impl Prefix {
    fn of(word: &str) -> Option<Prefix> {
        match word.to_ascii_lowercase().as_str() {
            "u" => Some(Prefix::Plain),
            "r" => Some(Prefix::Raw),
            "f" => Some(Prefix::Format),
            _ => None,
        }
    }
}

/// A Python number as JSON text: as written when JSON reads it, else without a unary `+` or a
/// zero padding.
fn py_number(w: &str) -> Option<String> {
    let unsigned = w.strip_prefix('+').filter(|u| !u.starts_with(['+', '-']));
    let w = unsigned.unwrap_or(w);
    if valid_number(w) {
        Some(w.to_owned())
    } else {
        zero_padded(w)
    }
}

/// A zero-padded decimal integer (`07`, `-007`, `00`) without its padding: `7`, `-7`, `0`. Python 3 rejects
/// the padding and JSON forbids it, but the digits leave no doubt about the number meant.
fn zero_padded(w: &str) -> Option<String> {
    let (sign, digits) = w.strip_prefix('-').map_or(("", w), |d| ("-", d));
    let trimmed = match digits.trim_start_matches('0') {
        "" => "0",
        t => t,
    };
    let ok = digits.starts_with('0') && trimmed.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| format!("{sign}{trimmed}"))
}

/// A Python literal (`{'a': [1, 'x', None]}`, `(1, 2)`, `-2.5`) as JSON text; `None` when `raw`
/// is not one. Strings take either quote and Python's escapes; tuples become arrays; dict keys
/// that are not strings are written as their JSON text in a string. Nothing is evaluated.
#[must_use]
pub(crate) fn py_literal(raw: &str) -> Option<String> {
    let mut p = PyLit {
        s: raw.as_bytes(),
        text: raw,
        i: 0,
        depth: 0,
    };
    let mut out = String::new();
    p.value(&mut out)?;
    p.ws();
    (p.i == p.s.len()).then_some(out)
}

struct PyLit<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    depth: usize,
}

impl PyLit<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn value(&mut self, out: &mut String) -> Option<()> {
        self.ws();
        let b = *self.s.get(self.i)?;
        match b {
            b'"' | b'\'' => self.string(b, Prefix::Plain, out),
            b'[' => self.seq(b']', out),
            b'(' => self.seq(b')', out),
            b'{' => self.dict(out),
            _ => {
                let start = self.i;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'+'))
                {
                    self.i += 1;
                }
                let word = &self.text[start..self.i];
                if let Some(&q @ (b'"' | b'\'')) = self.s.get(self.i) {
                    return self.string(q, Prefix::of(word)?, out);
                }
                match word {
                    "True" | "true" => out.push_str("true"),
                    "False" | "false" => out.push_str("false"),
                    "None" | "null" => out.push_str("null"),
                    w => out.push_str(&py_number(w)?),
                }
                Some(())
            }
        }
    }

    fn string(&mut self, q: u8, prefix: Prefix, out: &mut String) -> Option<()> {
        self.i += 1;
        let mut text = String::new();
        loop {
            let rest = &self.text[self.i..];
            let run = rest.bytes().position(|c| c == q || c == b'\\')?;
            text.push_str(&rest[..run]);
            self.i += run;
            if self.s[self.i] == q {
                self.i += 1;
                break;
            }
            let e = *self.s.get(self.i + 1)?;
            self.i += 2;
            if prefix == Prefix::Raw {
                // A raw string keeps its backslashes; one still stops a quote from closing it.
                self.i -= 1;
                text.push('\\');
                if e == q {
                    self.i += 1;
                    text.push(char::from(q));
                }
                continue;
            }
            match e {
                b'n' => text.push('\n'),
                b't' => text.push('\t'),
                b'r' => text.push('\r'),
                b'0' => text.push('\0'),
                b'\\' | b'"' | b'\'' => text.push(char::from(e)),
                _ => {
                    // Python keeps an unknown escape's backslash.
                    self.i -= 1;
                    text.push('\\');
                }
            }
        }
        if prefix == Prefix::Format && text.contains(['{', '}']) {
            // A placeholder would need evaluating.
            return None;
        }
        out.push_str(&json_string(&text));
        Some(())
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= 64).then_some(())
    }

    fn seq(&mut self, close: u8, out: &mut String) -> Option<()> {
        self.enter()?;
        self.i += 1;
        out.push('[');
        let mut first = true;
        loop {
            self.ws();
            if self.s.get(self.i) == Some(&close) {
                self.i += 1;
                break;
            }
            if !first {
                out.push_str(", ");
            }
            first = false;
            self.value(out)?;
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(&c) if c == close => {}
                _ => return None,
            }
        }
        out.push(']');
        self.depth -= 1;
        Some(())
    }

    /// A dict, or a set (`{'a', 'b'}`), written as an array: JSON has no sets.
    fn dict(&mut self, out: &mut String) -> Option<()> {
        self.enter()?;
        self.i += 1;
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            out.push_str("{}");
            self.depth -= 1;
            return Some(());
        }
        // One pass: the first element decides, with no backtracking.
        let mut first = String::new();
        self.value(&mut first)?;
        self.ws();
        if self.s.get(self.i) == Some(&b':') {
            self.dict_items(first, out)?;
        } else {
            out.push('[');
            out.push_str(&first);
            self.set_items(out)?;
            out.push(']');
        }
        self.depth -= 1;
        Some(())
    }

    /// The rest of a set after its first element, up to and including `}`.
    fn set_items(&mut self, out: &mut String) -> Option<()> {
        loop {
            self.ws();
            match self.s.get(self.i) {
                Some(b'}') => {
                    self.i += 1;
                    return Some(());
                }
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                    if self.s.get(self.i) != Some(&b'}') {
                        out.push_str(", ");
                        self.value(out)?;
                    }
                }
                _ => return None,
            }
        }
    }

    /// A dict's items from its first key (already read), up to and including `}`.
    fn dict_items(&mut self, first_key: String, out: &mut String) -> Option<()> {
        out.push('{');
        let mut key = first_key;
        loop {
            if !key.starts_with('"') {
                key = json_string(&key);
            }
            out.push_str(&key);
            self.ws();
            if self.s.get(self.i) != Some(&b':') {
                return None;
            }
            self.i += 1;
            out.push_str(": ");
            self.value(out)?;
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                _ => return None,
            }
            self.ws();
            if self.s.get(self.i) == Some(&b'}') {
                self.i += 1;
                break;
            }
            out.push_str(", ");
            key = String::new();
            self.value(&mut key)?;
        }
        out.push('}');
        Some(())
    }
}

impl Kwargs {
    /// A parser right after `(`.
    #[must_use]
    pub(crate) fn new() -> Self {
        Kwargs {
            st: K::Start,
            key: String::new(),
            raw: String::new(),
            val: String::new(),
            depth: 0,
            in_str: None,
            esc: false,
            first: true,
        }
    }

    fn key_prefix(&mut self, out: &mut String) {
        if !self.first {
            out.push_str(", ");
        }
        self.first = false;
        out.push_str(&json_string(&self.key));
        out.push_str(": ");
        self.raw.clear();
    }

    /// Emits a buffered value; false when it is empty.
    fn end_raw(&mut self, out: &mut String) -> bool {
        let v = self.val.trim().to_owned();
        if v.is_empty() {
            return false;
        }
        self.key_prefix(out);
        out.push_str(&py_value(&v));
        self.val.clear();
        true
    }

    /// Feeds `input`; JSON text is appended to `out`. Returns bytes consumed and the status.
    pub(crate) fn feed(&mut self, input: &str, out: &mut String) -> (usize, KwStatus) {
        let bytes = input.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match self.st {
                K::Done => return (i, KwStatus::Complete),
                K::Start | K::Eq | K::ValStart | K::After if b.is_ascii_whitespace() => {
                    self.raw.push(char::from(b));
                    i += 1;
                }
                K::Start if b == b')' => {
                    out.push('}');
                    self.st = K::Done;
                    return (i + 1, KwStatus::Complete);
                }
                K::Start if ident_byte(b) && !b.is_ascii_digit() => {
                    self.key.clear();
                    self.st = K::Key;
                }
                K::Key => {
                    let run = bounded_run(&input[i..], self.key.len(), MAX_KEY, ident_byte);
                    self.key.push_str(&input[i..i + run]);
                    self.raw.push_str(&input[i..i + run]);
                    i += run;
                    if self.key.len() > MAX_KEY {
                        return (i, KwStatus::Invalid);
                    }
                    if i < bytes.len() {
                        self.st = K::Eq;
                    }
                }
                K::Eq if b == b'=' => {
                    self.raw.push('=');
                    self.st = K::ValStart;
                    i += 1;
                }
                K::ValStart if b == b'"' || b == b'\'' => {
                    self.key_prefix(out);
                    out.push('"');
                    self.st = K::Str(b);
                    i += 1;
                }
                K::ValStart if b != b',' && b != b')' => {
                    self.val.clear();
                    self.depth = 0;
                    self.in_str = None;
                    self.esc = false;
                    self.st = K::Raw;
                }
                K::Str(q) => {
                    let run = bytes[i..]
                        .iter()
                        .position(|&c| c == q || c == b'\\')
                        .unwrap_or(bytes.len() - i);
                    escape_into(&input[i..i + run], out);
                    i += run;
                    if let Some(&c) = bytes.get(i) {
                        if c == q {
                            out.push('"');
                            self.st = K::After;
                        } else {
                            self.st = K::StrEsc(q);
                        }
                        i += 1;
                    }
                }
                K::StrEsc(q) => {
                    self.st = K::Str(q);
                    let text = match b {
                        b'n' => "\n",
                        b't' => "\t",
                        b'r' => "\r",
                        b'0' => "\0",
                        b'\\' => "\\",
                        b'"' => "\"",
                        b'\'' => "'",
                        _ => {
                            // Python keeps an unknown escape's backslash.
                            out.push_str("\\\\");
                            continue;
                        }
                    };
                    escape_into(text, out);
                    i += 1;
                }
                K::Raw => {
                    let (n, end) = self.raw_run(&bytes[i..]);
                    self.val.push_str(&input[i..i + n]);
                    self.raw.push_str(&input[i..i + n]);
                    i += n;
                    match end {
                        RawEnd::More => {}
                        RawEnd::End => {
                            if !self.end_raw(out) {
                                return (i, KwStatus::Invalid);
                            }
                            self.st = K::After;
                        }
                        RawEnd::Stray => return (i, KwStatus::Invalid),
                    }
                }
                K::After if b == b',' => {
                    self.raw.push(',');
                    self.st = K::Start;
                    i += 1;
                }
                K::After if b == b')' => {
                    out.push('}');
                    self.st = K::Done;
                    return (i + 1, KwStatus::Complete);
                }
                _ => return (i, KwStatus::Invalid),
            }
        }
        let status = if self.st == K::Done {
            KwStatus::Complete
        } else {
            KwStatus::NeedMore
        };
        (i, status)
    }

    /// Scans a raw value: bytes that belong to it, and what stopped the scan.
    fn raw_run(&mut self, bytes: &[u8]) -> (usize, RawEnd) {
        for (k, &c) in bytes.iter().enumerate() {
            if let Some(q) = self.in_str {
                if self.esc {
                    self.esc = false;
                } else if c == b'\\' {
                    self.esc = true;
                } else if c == q {
                    self.in_str = None;
                }
                continue;
            }
            match c {
                b'"' | b'\'' => self.in_str = Some(c),
                b'(' | b'[' | b'{' => self.depth += 1,
                b')' | b']' | b'}' if self.depth > 0 => self.depth -= 1,
                b',' | b')' if self.depth == 0 => return (k, RawEnd::End),
                // A closing bracket that closes nothing: the value is not Python (`x=1])`).
                b']' | b'}' => return (k, RawEnd::Stray),
                _ => {}
            }
        }
        (bytes.len(), RawEnd::More)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> (String, KwStatus, usize) {
        let mut k = Kwargs::new();
        let mut out = String::from("{");
        let (n, st) = k.feed(s, &mut out);
        (out, st, n)
    }

    #[test]
    fn values() {
        let (out, st, _) =
            run("query=\"weather Tokyo\", n=3, x=2.5e1, ok=True, no=None, l=[1, \"a\"], w=abc)");
        assert_eq!(st, KwStatus::Complete);
        assert_eq!(
            out,
            "{\"query\": \"weather Tokyo\", \"n\": 3, \"x\": 2.5e1, \"ok\": true, \"no\": null, \"l\": [1, \"a\"], \"w\": \"abc\"}"
        );
        let (out, _, _) = run("q='it\\'s \"x\"\\n\\d')");
        assert_eq!(out, "{\"q\": \"it's \\\"x\\\"\\n\\\\d\"}");
        let (out, st, n) = run("\"positional\")");
        assert_eq!((out.as_str(), st, n), ("{", KwStatus::Invalid, 0));
    }

    #[test]
    fn sets_are_arrays() {
        let (out, st, _) = run("tags={'urgent', 'bug'}, one={1,}, d={'a': {2}}, e={})");
        assert_eq!(st, KwStatus::Complete);
        assert_eq!(
            out,
            "{\"tags\": [\"urgent\", \"bug\"], \"one\": [1], \"d\": {\"a\": [2]}, \"e\": {}}"
        );
        assert_eq!(py_literal("{'a', 'b': 1}"), None);
        assert_eq!(py_literal("{'a': 1, 'b'}"), None);
    }

    #[test]
    fn zero_padded_integers_are_numbers() {
        let (out, st, _) = run("month=07, day=05, n=-007, z=00, l=[01, 2])");
        assert_eq!(st, KwStatus::Complete);
        assert_eq!(
            out,
            "{\"month\": 7, \"day\": 5, \"n\": -7, \"z\": 0, \"l\": [1, 2]}"
        );
        assert_eq!(py_literal("07.5"), None);
    }

    #[test]
    fn a_stray_closing_bracket_breaks_the_list() {
        for s in ["x=1])", "x=1})", "x=[1]])", "x=abc], y=2)"] {
            let (_, st, _) = run(s);
            assert_eq!(st, KwStatus::Invalid, "{s}");
        }
        let (out, st, _) = run("x=[1, [2]], y={'a': (3)})");
        assert_eq!(st, KwStatus::Complete);
        assert_eq!(out, "{\"x\": [1, [2]], \"y\": {\"a\": [3]}}");
    }

    #[test]
    fn unary_plus_and_string_prefixes() {
        let (out, st, _) =
            run("a=+7, b=+2.5, c=f'hello', d=u\"x\", e=r'\\d+\\'', g=F\"{x}\", h=b'z', i=++1)");
        assert_eq!(st, KwStatus::Complete);
        assert_eq!(
            out,
            "{\"a\": 7, \"b\": 2.5, \"c\": \"hello\", \"d\": \"x\", \"e\": \"\\\\d+\\\\'\", \"g\": \"F\\\"{x}\\\"\", \"h\": \"b'z'\", \"i\": \"++1\"}"
        );
    }
}
