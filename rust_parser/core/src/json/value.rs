//! An incremental scanner for one JSON value that passes the model's bytes through.
//!
//! Bytes are appended to `out` as soon as they are *safe*: the text emitted so far can always be
//! completed into valid JSON by appending closers only (a `"` for an open string, then `}`/`]`).
//! Everything else (a key being written, a `,` or `:`, a number or literal that may continue, a
//! cut escape or surrogate pair) is held back until it becomes safe, so no emitted byte is ever
//! retracted. Each input byte is examined once; string interiors are copied in bulk.
//!
//! Repairs that keep the output valid JSON and lose nothing meaningful: raw control characters
//! inside strings are escaped, a trailing comma before a closer is dropped, an unknown escape
//! `\x` becomes `\\x`, and Python literals `True`/`False`/`None` become `true`/`false`/`null`.

/// What the scanner needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// The value is not complete yet.
    NeedMore,
    /// The value is complete; bytes after it were not consumed.
    Complete,
    /// The byte at the returned offset cannot continue a JSON value.
    Invalid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Start,
    Value,
    ArrayFirst,
    ObjFirst,
    ObjKey,
    Key,
    KeyEsc,
    KeyU(u8),
    Colon,
    After,
    Str,
    StrEsc,
    StrU(u8),
    LowWait,
    LowEsc,
    LowU(u8),
    Num,
    Lit,
    Done,
    Invalid,
}

const LITERALS: [(&str, &str); 6] = [
    ("true", "true"),
    ("false", "false"),
    ("null", "null"),
    ("True", "true"),
    ("False", "false"),
    ("None", "null"),
];

/// Scanner state for one JSON value.
#[derive(Debug, Clone)]
pub(crate) struct JsonValue {
    st: St,
    stack: Vec<u8>,
    held: String,
    num_start: usize,
    lit: usize,
    lit_pos: usize,
    code: u32,
    emitted: bool,
}

impl Default for JsonValue {
    fn default() -> Self {
        Self::new()
    }
}

/// Length of the leading run of `text` that a string with nothing held back passes through
/// unchanged: anything but the closing quote, a control character or an escape, except
/// complete two-byte escapes (`\\"`, `\\n`, …), which are written as they are. Ends on a
/// char boundary (every byte it stops at is ASCII).
#[must_use]
pub(crate) fn plain_string_run(text: &str) -> usize {
    let b = text.as_bytes();
    let mut i = 0;
    loop {
        // Plain bytes first: one table look-up each.
        while b.get(i).is_some_and(|&c| !STRING_STOP[usize::from(c)]) {
            i += 1;
        }
        match (b.get(i), b.get(i + 1)) {
            (Some(b'\\'), Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't')) => i += 2,
            _ => return i,
        }
    }
}

/// The bytes that end a run of string text (the quote, the backslash, control characters):
/// where the scanner looks closer, and where a plain run stops or checks for a simple escape.
static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// JSON's whitespace (RFC 8259): space, tab, line feed, carriage return — not form feed.
#[must_use]
pub(crate) fn is_json_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn is_num_byte(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')
}

/// Whether `s` is a JSON number.
#[must_use]
pub(crate) fn valid_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(c) if c.is_ascii_digit() => {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let s0 = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == s0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let s0 = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == s0 {
            return false;
        }
    }
    i == b.len()
}

fn hex(b: u8) -> Option<u32> {
    char::from(b).to_digit(16)
}

impl JsonValue {
    /// A scanner expecting one value (leading whitespace allowed).
    #[must_use]
    pub(crate) fn new() -> Self {
        JsonValue {
            st: St::Start,
            stack: Vec::new(),
            held: String::new(),
            num_start: 0,
            lit: 0,
            lit_pos: 0,
            code: 0,
            emitted: false,
        }
    }

    /// A scanner expecting a new value, keeping this one's buffers.
    pub(crate) fn reset(&mut self) {
        let mut stack = std::mem::take(&mut self.stack);
        let mut held = std::mem::take(&mut self.held);
        stack.clear();
        held.clear();
        *self = JsonValue {
            stack,
            held,
            ..JsonValue::new()
        };
    }

    /// Inside a string with nothing held back: a [`plain_string_run`] would be appended to the
    /// output unchanged and leave the state as it is (see [`crate::machine::Lane`]).
    #[must_use]
    pub(crate) fn in_plain_string(&self) -> bool {
        self.st == St::Str && self.held.is_empty() && self.emitted
    }

    fn flush(&mut self, out: &mut String) {
        if !self.held.is_empty() {
            out.push_str(&self.held);
            self.held.clear();
            self.emitted = true;
        }
    }

    fn emit(&mut self, out: &mut String, s: &str) {
        self.flush(out);
        out.push_str(s);
        self.emitted = true;
    }

    /// A value just ended: decide what comes next.
    fn value_done(&mut self) {
        self.st = if self.stack.is_empty() {
            St::Done
        } else {
            St::After
        };
    }

    /// Feeds `input`; safe bytes are appended to `out`. Returns the bytes consumed and the status.
    pub(crate) fn feed(&mut self, input: &str, out: &mut String) -> (usize, Status) {
        let bytes = input.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match self.st {
                St::Done => return (i, Status::Complete),
                St::Invalid => return (i, Status::Invalid),
                St::Str => {
                    let run = bytes[i..].iter().position(|&c| STRING_STOP[usize::from(c)]);
                    let end = run.map_or(bytes.len(), |r| i + r);
                    if end > i {
                        self.emit(out, &input[i..end]);
                        i = end;
                        continue;
                    }
                    match b {
                        b'"' => {
                            self.emit(out, "\"");
                            self.value_done();
                        }
                        b'\\' => {
                            self.held.push('\\');
                            self.st = St::StrEsc;
                        }
                        _ => self.emit(out, &control_escape(b)),
                    }
                    i += 1;
                }
                St::Key => {
                    let run = bytes[i..].iter().position(|&c| STRING_STOP[usize::from(c)]);
                    let end = run.map_or(bytes.len(), |r| i + r);
                    if end > i {
                        self.held.push_str(&input[i..end]);
                        i = end;
                        continue;
                    }
                    match b {
                        b'"' => {
                            self.held.push('"');
                            self.st = St::Colon;
                        }
                        b'\\' => {
                            self.held.push('\\');
                            self.st = St::KeyEsc;
                        }
                        _ => self.held.push_str(&control_escape(b)),
                    }
                    i += 1;
                }
                St::StrEsc
                | St::StrU(_)
                | St::LowWait
                | St::LowEsc
                | St::LowU(_)
                | St::KeyEsc
                | St::KeyU(_)
                    if b >= 0x80 =>
                {
                    // A multi-byte character cannot continue an escape: the escape so far
                    // becomes literal text and the character is read again as string content.
                    self.abandon_escape(out);
                }
                _ => {
                    if !self.step(b, out) {
                        return (
                            i,
                            if self.st == St::Done {
                                Status::Complete
                            } else {
                                Status::Invalid
                            },
                        );
                    }
                    i += 1;
                }
            }
        }
        let status = match self.st {
            St::Done => Status::Complete,
            St::Invalid => Status::Invalid,
            _ => Status::NeedMore,
        };
        (i, status)
    }

    /// One structural byte. Returns false when the byte is not consumed (value ended before it,
    /// or it is invalid).
    fn step(&mut self, b: u8, out: &mut String) -> bool {
        match self.st {
            St::Start | St::Value | St::ArrayFirst => {
                if is_json_ws(b) {
                    self.held.push(char::from(b));
                    return true;
                }
                if self.st == St::ArrayFirst && b == b']' {
                    return self.close(b, out);
                }
                self.begin_value(b, out)
            }
            St::ObjFirst | St::ObjKey => {
                if is_json_ws(b) {
                    self.held.push(char::from(b));
                    true
                } else if b == b'"' {
                    self.held.push('"');
                    self.st = St::Key;
                    true
                } else if b == b'}' {
                    self.close(b, out)
                } else {
                    self.fail()
                }
            }
            St::KeyEsc => {
                match b {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                        self.held.push(char::from(b));
                        self.st = St::Key;
                    }
                    b'u' => {
                        self.held.push('u');
                        self.st = St::KeyU(0);
                    }
                    _ => {
                        // Not an escape: the backslash is a literal one.
                        self.held.push('\\');
                        self.key_char(b);
                    }
                }
                true
            }
            St::KeyU(n) => {
                if hex(b).is_some() {
                    self.held.push(char::from(b));
                    self.st = if n == 3 { St::Key } else { St::KeyU(n + 1) };
                } else {
                    if let Some(pos) = self.held.rfind('\\') {
                        self.held.insert(pos, '\\');
                    }
                    self.key_char(b);
                }
                true
            }
            St::Colon => {
                if is_json_ws(b) {
                    self.held.push(char::from(b));
                    true
                } else if b == b':' {
                    self.held.push(':');
                    self.st = St::Value;
                    true
                } else {
                    self.fail()
                }
            }
            St::After => self.after(b, out),
            St::StrEsc => self.escape(b, out),
            St::StrU(n) | St::LowU(n) => self.unicode_digit(b, n, out),
            St::LowWait => {
                if b == b'\\' {
                    self.held.push('\\');
                    self.st = St::LowEsc;
                    true
                } else {
                    // A lone high surrogate: the model's text, passed through as written.
                    self.flush(out);
                    self.st = St::Str;
                    self.reprocess_in_str(b, out)
                }
            }
            St::LowEsc => {
                if b == b'u' {
                    self.held.push('u');
                    self.code = 0;
                    self.st = St::LowU(0);
                    true
                } else {
                    // Not a low surrogate: emit the lone high one, start a new escape.
                    self.held.pop();
                    self.flush(out);
                    self.held.push('\\');
                    self.escape(b, out)
                }
            }
            St::Num => {
                if is_num_byte(b) {
                    self.held.push(char::from(b));
                    true
                } else if valid_number(&self.held[self.num_start..]) {
                    self.flush(out);
                    self.value_done();
                    if self.st == St::Done {
                        return false;
                    }
                    self.after(b, out)
                } else {
                    self.fail()
                }
            }
            St::Lit => self.literal(b, out),
            St::Str | St::Key | St::Done | St::Invalid => false,
        }
    }

    fn fail(&mut self) -> bool {
        self.st = St::Invalid;
        false
    }

    fn begin_value(&mut self, b: u8, out: &mut String) -> bool {
        match b {
            b'{' | b'[' => {
                self.stack.push(b);
                self.emit(out, if b == b'{' { "{" } else { "[" });
                self.st = if b == b'{' { St::ObjFirst } else { St::ArrayFirst };
            }
            b'"' => {
                self.emit(out, "\"");
                self.st = St::Str;
            }
            b'-' | b'0'..=b'9' => {
                self.num_start = self.held.len();
                self.held.push(char::from(b));
                self.st = St::Num;
            }
            _ => {
                let Some(k) = LITERALS.iter().position(|(w, _)| w.as_bytes()[0] == b) else {
                    return self.fail();
                };
                self.lit = k;
                self.lit_pos = 1;
                self.st = St::Lit;
            }
        }
        true
    }

    fn literal(&mut self, b: u8, out: &mut String) -> bool {
        let word = LITERALS[self.lit].0.as_bytes();
        if word.get(self.lit_pos) != Some(&b) {
            // `f` may start `false` or `False`; only the capitalised forms share a first byte
            // with nothing else, so a mismatch is final.
            return self.fail();
        }
        self.lit_pos += 1;
        if self.lit_pos == word.len() {
            let canonical = LITERALS[self.lit].1;
            self.emit(out, canonical);
            self.value_done();
        }
        true
    }

    fn after(&mut self, b: u8, out: &mut String) -> bool {
        if is_json_ws(b) {
            if self.held.is_empty() {
                self.emit(out, &char::from(b).to_string());
            } else {
                self.held.push(char::from(b));
            }
            return true;
        }
        match (b, self.stack.last()) {
            (b',', Some(b'{')) => {
                self.held.push(',');
                self.st = St::ObjKey;
                true
            }
            (b',', Some(b'[')) => {
                self.held.push(',');
                self.st = St::Value;
                true
            }
            (b'}' | b']', _) => self.close(b, out),
            _ => self.fail(),
        }
    }

    fn close(&mut self, b: u8, out: &mut String) -> bool {
        let want = if b == b'}' { b'{' } else { b'[' };
        if self.stack.last() != Some(&want) {
            return self.fail();
        }
        // Whatever is held here is whitespace or a trailing comma: drop it (a repair).
        self.held.clear();
        self.stack.pop();
        self.emit(out, if b == b'}' { "}" } else { "]" });
        self.value_done();
        true
    }

    fn escape(&mut self, b: u8, out: &mut String) -> bool {
        match b {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                self.held.push(char::from(b));
                self.flush(out);
                self.st = St::Str;
            }
            b'u' => {
                self.held.push('u');
                self.code = 0;
                self.st = St::StrU(0);
            }
            _ => {
                // `\x` is not JSON: keep the backslash as a literal one.
                self.held.push('\\');
                self.flush(out);
                self.st = St::Str;
                return self.reprocess_in_str(b, out);
            }
        }
        true
    }

    fn unicode_digit(&mut self, b: u8, n: u8, out: &mut String) -> bool {
        let low = matches!(self.st, St::LowU(_));
        let Some(d) = hex(b) else {
            // A cut `\u` escape followed by something else: keep its text as literal characters.
            self.escape_partial_escape(out);
            self.st = St::Str;
            return self.reprocess_in_str(b, out);
        };
        self.held.push(char::from(b));
        self.code = self.code * 16 + d;
        if n < 3 {
            self.st = if low { St::LowU(n + 1) } else { St::StrU(n + 1) };
            return true;
        }
        if !low && (0xD800..0xDC00).contains(&self.code) {
            self.st = St::LowWait;
        } else {
            self.flush(out);
            self.st = St::Str;
        }
        true
    }

    /// An ASCII byte of a key read after a broken escape.
    fn key_char(&mut self, b: u8) {
        self.st = St::Key;
        match b {
            b'"' => {
                self.held.push('"');
                self.st = St::Colon;
            }
            b'\\' => {
                self.held.push('\\');
                self.st = St::KeyEsc;
            }
            c if c < 0x20 => self.held.push_str(&control_escape(c)),
            c => self.held.push(char::from(c)),
        }
    }

    /// Ends an escape cut by a non-ASCII character; the state returns to the string body.
    fn abandon_escape(&mut self, out: &mut String) {
        match self.st {
            St::KeyEsc => {
                self.held.push('\\');
                self.st = St::Key;
            }
            St::KeyU(_) => {
                if let Some(pos) = self.held.rfind('\\') {
                    self.held.insert(pos, '\\');
                }
                self.st = St::Key;
            }
            St::LowWait => {
                self.flush(out);
                self.st = St::Str;
            }
            St::LowEsc => {
                self.held.pop();
                self.held.push_str("\\\\");
                self.flush(out);
                self.st = St::Str;
            }
            St::StrEsc => {
                self.held.push('\\');
                self.flush(out);
                self.st = St::Str;
            }
            _ => {
                self.escape_partial_escape(out);
                self.st = St::Str;
            }
        }
    }

    /// Turns the trailing, incomplete escape in `held` into literal text (`\u00` → `\\u00`).
    fn escape_partial_escape(&mut self, out: &mut String) {
        if let Some(pos) = self.held.rfind('\\') {
            self.held.insert(pos, '\\');
        }
        self.flush(out);
    }

    fn reprocess_in_str(&mut self, b: u8, out: &mut String) -> bool {
        match b {
            b'"' => {
                self.emit(out, "\"");
                self.value_done();
            }
            b'\\' => {
                self.held.push('\\');
                self.st = St::StrEsc;
            }
            c if c < 0x20 => self.emit(out, &control_escape(c)),
            c => self.emit(out, &char::from(c).to_string()),
        }
        true
    }

    /// End of input: a trailing number that is valid stays; then open strings and containers are
    /// closed. Returns true when closers had to be added.
    pub(crate) fn close_eof(&mut self, out: &mut String) -> bool {
        if self.st == St::Num && valid_number(&self.held[self.num_start..]) {
            self.flush(out);
            self.value_done();
        }
        self.close_prefix(out)
    }

    /// Closes what is open, dropping held (unsafe) bytes: the heal of a prefix.
    /// Returns true when closers had to be added.
    pub(crate) fn close_prefix(&mut self, out: &mut String) -> bool {
        if self.st == St::Done {
            return false;
        }
        self.held.clear();
        let mut repaired = false;
        if matches!(
            self.st,
            St::Str | St::StrEsc | St::StrU(_) | St::LowWait | St::LowEsc | St::LowU(_)
        ) {
            out.push('"');
            repaired = true;
        }
        while let Some(open) = self.stack.pop() {
            out.push(if open == b'{' { '}' } else { ']' });
            repaired = true;
        }
        if self.emitted {
            self.st = St::Done;
        }
        repaired
    }
}

fn control_escape(b: u8) -> String {
    match b {
        b'\n' => "\\n".to_owned(),
        b'\r' => "\\r".to_owned(),
        b'\t' => "\\t".to_owned(),
        _ => format!("\\u{b:04x}"),
    }
}

/// Completes a JSON prefix into valid JSON without guessing: open strings and containers are
/// closed; a trailing number, literal, key, or cut escape is dropped. A complete value is
/// returned as is (text after it is ignored). Returns an empty string when nothing can be kept.
#[must_use]
pub fn heal_json(prefix: &str) -> String {
    let mut scanner = JsonValue::new();
    let mut out = String::new();
    let (_, status) = scanner.feed(prefix, &mut out);
    if status != Status::Complete {
        scanner.close_prefix(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::plain_string_run as run;

    #[test]
    fn plain_string_runs_stop_where_the_state_would_change() {
        assert_eq!(run("abc"), 3);
        assert_eq!(run(r#"a\nb\"c"#), 7);
        assert_eq!(run("é漢😀"), "é漢😀".len());
        assert_eq!(run(r#"ab"cd"#), 2);
        assert_eq!(run(r"ab\"), 2, "a cut escape waits");
        assert_eq!(run(r"ab\u00e9"), 2, "a unicode escape is the scanner's");
        assert_eq!(run(r"ab\x"), 2, "an unknown escape is repaired by the scanner");
        assert_eq!(
            run("a\tb"),
            1,
            "a raw control character is escaped by the scanner"
        );
    }
}
