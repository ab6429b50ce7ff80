//! One section parser for the tagged key/value tool-call formats (`qwen3_coder`, `seed_oss`,
//! `glm45`, `minimax_m2`, `deepseek_v32`), configured by a [`Syntax`].
//!
//! Shape: after the section's opening marker come one or more calls — a call head (the function
//! name), parameters (a parameter head naming the key, the raw value, the parameter close tag),
//! the call close tag — then the section close tag. Arguments are written by an
//! [`ArgsWriter`]: string values stream as they arrive, other values are typed when complete.
//!
//! Values are raw text and may contain the format's own tags (a file being written). A
//! parameter close tag is therefore structural only if what follows it (after whitespace) is a
//! structural token — a parameter head whose name is not used yet (and, with
//! [`Syntax::declared_only`], declared for the function when it has a schema), the call close,
//! the section close — or the end of output; otherwise it is value text. A call close inside a
//! value (the model left out the parameter close) ends the value and the call only if the
//! section close or the end of output follows. Only that bounded lookahead is held back
//! (whitespace after the close tag is consumed into a buffer of its own).
//!
//! Degradation: at end of output inside a value the call is truncated (no call; its raw text is
//! given back as content), after a closed value it is complete (closing tags may be missing);
//! with [`Syntax::open_value_ends_at_declared_param`], a head naming an unused declared parameter
//! ends an open value (the model forgot its close tag); a section whose first call head is not recognised is given back as content
//! (opening marker included); stray text between parameters is content; text after the last call
//! that is not a section close ends the section (it is content). Heads are bounded (`MAX_HEAD`
//! bytes): a longer one is not a head.

use crate::event::CallStatus;
use crate::machine::{Cx, Progress, Section};
use crate::scan::{is_prefix_of, leading_ws, token_limit, Markers, Scan};
use crate::xml_args::{ArgsWriter, Typing};

/// Longest call or parameter head considered.
pub(crate) const MAX_HEAD: usize = 512;

/// The result of parsing a head at the start of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Head<T> {
    /// Undecided until more input arrives (the input so far is a bounded head prefix).
    Need,
    /// Not a head.
    No,
    /// A head of this many bytes.
    Yes(usize, T),
}

/// A parsed head: the name and the in-band `string="true|false"` attribute, if present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Named {
    /// Function or parameter name.
    pub name: String,
    /// `Some(true)` for `string="true"`, `Some(false)` for `string="false"`.
    pub string: Option<bool>,
}

/// How a head is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeadSyntax {
    /// `OPEN NAME>` or `OPEN"NAME" attr="v">`: the literal `OPEN`, a name (quoted, or up to `>` /
    /// whitespace), optional `key="value"` attributes, `>`.
    Tag(&'static str),
    /// GLM call head: the name up to a newline or `<`.
    Line,
    /// GLM parameter head: `<arg_key>KEY</arg_key>`, whitespace, `<arg_value>`.
    KeyValue,
}

/// A tagged key/value format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    /// Closes the section; `None` when the section is one bare call.
    pub section_close: Option<&'static str>,
    /// The call head.
    pub call_head: HeadSyntax,
    /// Closes a call; `None` when the section close ends the (single) call.
    pub call_close: Option<&'static str>,
    /// The parameter head.
    pub param_head: HeadSyntax,
    /// Closes a parameter value.
    pub param_close: &'static str,
    /// Strip one leading and one trailing newline of each value (Qwen3-Coder convention).
    pub strip_newlines: bool,
    /// After a parameter close tag, a parameter head is structural only if its name is declared
    /// for the function (when the function has a schema); otherwise any unused name is.
    pub declared_only: bool,
    /// A parameter head naming an unused parameter of the called function's schema, met while a
    /// value is open, ends that value (the model forgot its close tag: Qwen3-Coder).
    pub open_value_ends_at_declared_param: bool,
}

/// The part of the input a head is decided on: its first `MAX_HEAD + 1` bytes, to the end of
/// the character there. Nothing past it is looked at, so a head that needs more is `No` at the
/// same text position on every split; and it is whole (final) once the input is longer than
/// `MAX_HEAD`, which is when [`need`] says `No`.
fn head_view(input: &str) -> &str {
    &input[..token_limit(input, 0, MAX_HEAD)]
}

/// Undecided at the end of the head view: wait, or `No` once the view is whole.
fn need<T>(input: &str) -> Head<T> {
    if input.len() > MAX_HEAD {
        Head::No
    } else {
        Head::Need
    }
}

fn is_ws(b: u8) -> bool {
    b.is_ascii_whitespace()
}

/// Parses a `Tag` head: `open` then a name and attributes, up to `>`.
#[must_use]
pub(crate) fn tag_head(input: &str, open: &str) -> Head<Named> {
    if !input.starts_with(open) {
        return if is_prefix_of(input, open) {
            Head::Need
        } else {
            Head::No
        };
    }
    let input = head_view(input);
    let b = input.as_bytes();
    let mut i = open.len();
    let (start, end) = if b.get(i) == Some(&b'"') {
        i += 1;
        let s = i;
        loop {
            match b.get(i) {
                None => return need(input),
                Some(b'"') => break,
                Some(b'<' | b'>' | b'\n' | b'\r') => return Head::No,
                Some(_) => i += 1,
            }
        }
        i += 1;
        (s, i - 1)
    } else {
        let s = i;
        loop {
            match b.get(i) {
                None => return need(input),
                Some(&c) if c == b'>' || is_ws(c) => break,
                Some(b'<' | b'"') => return Head::No,
                Some(_) => i += 1,
            }
        }
        (s, i)
    };
    let name = &input[start..end];
    if name.is_empty() {
        return Head::No;
    }
    let mut string = None;
    loop {
        while b.get(i).is_some_and(|&c| c == b' ' || c == b'\t') {
            i += 1;
        }
        match b.get(i) {
            None => return need(input),
            Some(b'>') => {
                return Head::Yes(
                    i + 1,
                    Named {
                        name: name.to_owned(),
                        string,
                    },
                )
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let s = i;
                while b
                    .get(i)
                    .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
                {
                    i += 1;
                }
                let attr = &input[s..i];
                for want in [b'=', b'"'] {
                    match b.get(i) {
                        None => return need(input),
                        Some(&c) if c == want => i += 1,
                        Some(_) => return Head::No,
                    }
                }
                let s = i;
                loop {
                    match b.get(i) {
                        None => return need(input),
                        Some(b'"') => break,
                        Some(b'<' | b'>' | b'\n') => return Head::No,
                        Some(_) => i += 1,
                    }
                }
                if attr == "string" {
                    string = match &input[s..i] {
                        "true" => Some(true),
                        "false" => Some(false),
                        _ => None,
                    };
                }
                i += 1;
            }
            Some(_) => return Head::No,
        }
    }
}

/// Parses a GLM call head: a name up to a newline (consumed) or `<` (not consumed).
#[must_use]
pub(crate) fn line_head(input: &str) -> Head<Named> {
    let input = head_view(input);
    let b = input.as_bytes();
    let Some(i) = b.iter().position(|&c| c == b'\n' || c == b'<') else {
        return need(input);
    };
    let name = input[..i].trim();
    let bad = |c: char| c.is_whitespace() || matches!(c, '{' | '}' | '[' | ']' | '"' | '>');
    if name.is_empty() || name.contains(bad) {
        return Head::No;
    }
    let n = if b[i] == b'\n' { i + 1 } else { i };
    Head::Yes(
        n,
        Named {
            name: name.to_owned(),
            string: None,
        },
    )
}

const ARG_KEY: &str = "<arg_key>";
const ARG_KEY_END: &str = "</arg_key>";
const ARG_VALUE: &str = "<arg_value>";

/// Parses a GLM parameter head: `<arg_key>KEY</arg_key>`, whitespace, `<arg_value>`.
#[must_use]
pub(crate) fn key_value_head(input: &str) -> Head<Named> {
    if !input.starts_with(ARG_KEY) {
        return if is_prefix_of(input, ARG_KEY) {
            Head::Need
        } else {
            Head::No
        };
    }
    let input = head_view(input);
    let b = input.as_bytes();
    let k0 = ARG_KEY.len();
    let Some(lt) = b[k0..].iter().position(|&c| c == b'<').map(|p| p + k0) else {
        return need(input);
    };
    let rest = &input[lt..];
    if !rest.starts_with(ARG_KEY_END) {
        return if is_prefix_of(rest, ARG_KEY_END) {
            need(input)
        } else {
            Head::No
        };
    }
    let key = input[k0..lt].trim();
    if key.is_empty() {
        return Head::No;
    }
    let mut j = lt + ARG_KEY_END.len();
    while b.get(j).copied().is_some_and(is_ws) {
        j += 1;
    }
    if j >= b.len() {
        return need(input);
    }
    let rest = &input[j..];
    if rest.starts_with(ARG_VALUE) {
        Head::Yes(
            j + ARG_VALUE.len(),
            Named {
                name: key.to_owned(),
                string: None,
            },
        )
    } else if is_prefix_of(rest, ARG_VALUE) {
        need(input)
    } else {
        Head::No
    }
}

fn parse_head(h: HeadSyntax, input: &str) -> Head<Named> {
    match h {
        HeadSyntax::Tag(open) => tag_head(input, open),
        HeadSyntax::Line => line_head(input),
        HeadSyntax::KeyValue => key_value_head(input),
    }
}

/// Whether `input` starts with `tag` (`Yes`), may (`Need`), or does not (`No`).
fn literal(input: &str, tag: Option<&'static str>) -> Head<()> {
    match tag {
        Some(t) if input.starts_with(t) => Head::Yes(t.len(), ()),
        Some(t) if is_prefix_of(input, t) => Head::Need,
        _ => Head::No,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    /// After the opening marker: whitespace, then the first call head.
    Open,
    /// Inside a call, between parameters.
    Between,
    /// Inside a value.
    Value,
    /// After a parameter close tag: deciding whether it was structural.
    Close,
    /// After a call close tag: another call, the section close, or the end of the section.
    AfterCall,
}

/// The section parser; see the module documentation.
pub(crate) struct XmlSection {
    syn: &'static Syntax,
    marker: &'static str,
    st: St,
    look: String,
    func: String,
    value_end: Markers,
    w: ArgsWriter,
    /// Stray text inside a call is being written as content (its whitespace included).
    stray: bool,
    /// In `Close`: the tag was the call close, found inside a value (a missing parameter close).
    call_closing: bool,
    /// A parameter the schema does not declare is JSON when its text is (else a string).
    undeclared_json: bool,
}

impl XmlSection {
    /// A section opened by `marker` (given back as content if no call follows).
    #[must_use]
    pub(crate) fn new(syn: &'static Syntax, marker: &'static str) -> Self {
        XmlSection {
            syn,
            marker,
            st: St::Open,
            look: String::new(),
            func: String::new(),
            value_end: Markers::new(&[
                syn.param_close,
                syn.call_close.unwrap_or(""),
                match syn.param_head {
                    HeadSyntax::Tag(open) if syn.open_value_ends_at_declared_param => open,
                    _ => "",
                },
            ]),
            w: ArgsWriter::new(syn.strip_newlines),
            stray: false,
            call_closing: false,
            undeclared_json: false,
        }
    }

    /// Types a parameter the schema does not declare (unknown tool, no tools) as JSON when its
    /// text is JSON, else as a string: for templates that write non-string values as JSON text
    /// and strings raw, with no marker telling them apart (GLM).
    #[must_use]
    pub(crate) fn undeclared_as_json(mut self) -> Self {
        self.undeclared_json = true;
        self
    }

    fn start_call(&mut self, name: &str, cx: &mut Cx<'_>) {
        cx.sink.start_call("", name);
        self.func.clear();
        self.func.push_str(name);
        self.w.begin(cx.sink);
        self.st = St::Between;
    }

    fn end_call(&mut self, cx: &mut Cx<'_>) {
        self.w.close(cx.sink);
        cx.sink.end_call();
    }

    /// Whether a parameter head naming `name` may follow a close tag structurally.
    fn acceptable(&self, name: &str, cx: &Cx<'_>) -> bool {
        if self.w.has_key(name) {
            return false;
        }
        match cx.tools.get(&self.func) {
            Some(tool) if self.syn.declared_only => tool.param_types(name).is_some(),
            _ => true,
        }
    }

    fn typing(&self, head: &Named, cx: &Cx<'_>) -> Typing {
        match head.string {
            Some(true) => Typing::Str,
            Some(false) => Typing::Json,
            None => match cx.tools.param_types(&self.func, &head.name) {
                None if self.undeclared_json => Typing::Json,
                types => Typing::from_schema(types),
            },
        }
    }

    /// A call head at the start of `input`.
    fn call_head(&mut self, input: &str, cx: &mut Cx<'_>) -> Head<()> {
        match parse_head(self.syn.call_head, input) {
            Head::Yes(n, h) => {
                self.start_call(&h.name, cx);
                Head::Yes(n, ())
            }
            Head::Need => Head::Need,
            Head::No => Head::No,
        }
    }

    fn open(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        // Whitespace before the first head is not consumed on its own: if no head follows, it
        // flows back into content after the marker.
        let ws = leading_ws(input);
        let head = if ws > MAX_HEAD {
            Head::No
        } else {
            self.call_head(&input[ws..], cx)
        };
        match head {
            Head::Yes(n, ()) => Progress::Consumed(ws + n),
            Head::Need => Progress::NeedMore,
            Head::No => {
                cx.content(self.marker);
                Progress::Done(0)
            }
        }
    }

    fn after_call_close(&mut self, n: usize) -> Progress {
        if self.syn.section_close.is_some() {
            self.st = St::AfterCall;
            Progress::Consumed(n)
        } else {
            Progress::Done(n)
        }
    }

    fn between(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let ws = leading_ws(input);
        if ws > 0 && !self.stray {
            return Progress::Consumed(ws);
        }
        let mut undecided = false;
        match parse_head(self.syn.param_head, input) {
            Head::Yes(n, h) => {
                self.end_stray(cx);
                let typing = self.typing(&h, cx);
                self.w.key(&h.name, typing, cx.sink);
                self.st = St::Value;
                return Progress::Consumed(n);
            }
            Head::Need => undecided = true,
            Head::No => {}
        }
        match literal(input, self.syn.call_close) {
            Head::Yes(n, ()) => {
                self.end_stray(cx);
                self.end_call(cx);
                return self.after_call_close(n);
            }
            Head::Need => undecided = true,
            Head::No => {}
        }
        match literal(input, self.syn.section_close) {
            Head::Yes(n, ()) => {
                self.end_stray(cx);
                self.end_call(cx);
                return Progress::Done(n);
            }
            Head::Need => undecided = true,
            Head::No => {}
        }
        if undecided {
            return Progress::NeedMore;
        }
        // Stray text inside a call: content, up to the next possible tag.
        let n = input
            .bytes()
            .skip(1)
            .position(|b| b == b'<')
            .map_or(input.len(), |p| p + 1);
        self.stray = true;
        cx.content(&input[..n]);
        Progress::Consumed(n)
    }

    fn end_stray(&mut self, cx: &mut Cx<'_>) {
        if self.stray {
            self.stray = false;
            cx.boundary();
        }
    }

    fn value(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.value_end.find(input) {
            Scan::Clear => {
                self.w.text(input, cx.sink);
                Progress::Consumed(input.len())
            }
            Scan::Partial { at } => {
                self.w.text(&input[..at], cx.sink);
                if at == 0 {
                    Progress::NeedMore
                } else {
                    Progress::Consumed(at)
                }
            }
            Scan::Found { at, marker: 2 } => self.head_in_value(input, at, cx),
            Scan::Found { at, marker } => {
                self.w.text(&input[..at], cx.sink);
                let tag = self.value_end.get(marker);
                self.look.clear();
                self.look.push_str(tag);
                self.call_closing = tag != self.syn.param_close;
                self.st = St::Close;
                Progress::Consumed(at + tag.len())
            }
        }
    }

    /// A parameter head inside an open value (at byte `at`): it ends the value if it names an
    /// unused parameter of the called function's schema; otherwise it is value text.
    fn head_in_value(&mut self, input: &str, at: usize, cx: &mut Cx<'_>) -> Progress {
        self.w.text(&input[..at], cx.sink);
        let open = self.value_end.get(2);
        match parse_head(self.syn.param_head, &input[at..]) {
            Head::Need if at > 0 => Progress::Consumed(at),
            Head::Need => Progress::NeedMore,
            Head::Yes(_, h) if self.declared_unused(&h.name, cx) => {
                self.w.end_value(cx.sink);
                self.look.clear();
                self.st = St::Between;
                Progress::Consumed(at)
            }
            _ => {
                self.w.text(open, cx.sink);
                Progress::Consumed(at + open.len())
            }
        }
    }

    /// Whether `name` is a parameter of the called function's schema not written yet.
    fn declared_unused(&self, name: &str, cx: &Cx<'_>) -> bool {
        !self.w.has_key(name)
            && cx
                .tools
                .get(&self.func)
                .is_some_and(|tool| tool.param_types(name).is_some())
    }

    fn close(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let ws = leading_ws(input);
        if ws > 0 {
            self.look.push_str(&input[..ws]);
            return Progress::Consumed(ws);
        }
        if self.call_closing {
            // A call close inside a value ends it only before the section close (or the end of
            // output): the model left out the parameter close tag.
            return match literal(input, self.syn.section_close) {
                Head::Yes(..) => {
                    self.look.clear();
                    self.call_closing = false;
                    self.end_call(cx);
                    self.after_call_close(0)
                }
                Head::Need => Progress::NeedMore,
                Head::No => self.literal_close(cx),
            };
        }
        let mut undecided = false;
        match parse_head(self.syn.param_head, input) {
            Head::Yes(_, h) if self.acceptable(&h.name, cx) => return self.structural(cx),
            Head::Need => undecided = true,
            _ => {}
        }
        for tag in [self.syn.call_close, self.syn.section_close] {
            match literal(input, tag) {
                Head::Yes(..) => return self.structural(cx),
                Head::Need => undecided = true,
                Head::No => {}
            }
        }
        if undecided {
            return Progress::NeedMore;
        }
        self.literal_close(cx)
    }

    /// The close tag and the whitespace after it were value text.
    fn literal_close(&mut self, cx: &mut Cx<'_>) -> Progress {
        self.w.text(&self.look, cx.sink);
        self.look.clear();
        self.call_closing = false;
        self.st = St::Value;
        Progress::Consumed(0)
    }

    fn structural(&mut self, cx: &mut Cx<'_>) -> Progress {
        self.w.end_value(cx.sink);
        self.look.clear();
        self.st = St::Between;
        Progress::Consumed(0)
    }

    fn after_call(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let ws = leading_ws(input);
        if ws > 0 {
            return Progress::Consumed(ws);
        }
        let mut undecided = false;
        match self.call_head(input, cx) {
            Head::Yes(n, ()) => return Progress::Consumed(n),
            Head::Need => undecided = true,
            Head::No => {}
        }
        match literal(input, self.syn.section_close) {
            Head::Yes(n, ()) => return Progress::Done(n),
            Head::Need => undecided = true,
            Head::No => {}
        }
        if undecided {
            Progress::NeedMore
        } else {
            Progress::Done(0)
        }
    }
}

impl Section for XmlSection {
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match self.st {
            St::Open => self.open(input, cx),
            St::Between => self.between(input, cx),
            St::Value => self.value(input, cx),
            St::Close => self.close(input, cx),
            St::AfterCall => self.after_call(input, cx),
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match self.st {
            St::Open => {
                cx.content(self.marker);
                cx.content(held);
            }
            St::Value => {
                // Output ended inside a value: not a call; its text goes back to content.
                cx.sink.end_call_as(CallStatus::Truncated);
                cx.content(held);
            }
            St::Between | St::Close => {
                // End of output after a close tag: it was structural. A cut-off tag is content.
                self.end_call(cx);
                cx.content(held);
            }
            St::AfterCall => cx.content(held),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str, string: Option<bool>) -> Named {
        Named {
            name: name.to_owned(),
            string,
        }
    }

    #[test]
    fn tag_heads() {
        assert_eq!(
            tag_head("<parameter=path>\nx", "<parameter="),
            Head::Yes(16, named("path", None))
        );
        assert_eq!(tag_head("<parameter=pa", "<parameter="), Head::Need);
        assert_eq!(tag_head("<param", "<parameter="), Head::Need);
        assert_eq!(tag_head("<parax", "<parameter="), Head::No);
        assert_eq!(tag_head("<parameter=a<b>", "<parameter="), Head::No);
        assert_eq!(tag_head("<parameter=>", "<parameter="), Head::No);
        let dsml = "<p name=\"days\" string=\"false\">3";
        assert_eq!(
            tag_head(dsml, "<p name="),
            Head::Yes(dsml.len() - 1, named("days", Some(false)))
        );
        assert_eq!(tag_head("<p name=\"days\" str", "<p name="), Head::Need);
        assert_eq!(tag_head("<p name=\"days\" x>", "<p name="), Head::No);
        let long = format!("<parameter={}", "a".repeat(MAX_HEAD + 10));
        assert_eq!(tag_head(&long, "<parameter="), Head::No);
    }

    #[test]
    fn glm_heads() {
        assert_eq!(
            line_head("get_weather\n<arg"),
            Head::Yes(12, named("get_weather", None))
        );
        assert_eq!(
            line_head("get_weather<arg"),
            Head::Yes(11, named("get_weather", None))
        );
        assert_eq!(line_head("get_wea"), Head::Need);
        assert_eq!(line_head("{\"name\"\n"), Head::No);
        assert_eq!(line_head("\n"), Head::No);
        let kv = "<arg_key>city</arg_key>\n<arg_value>";
        assert_eq!(key_value_head(kv), Head::Yes(kv.len(), named("city", None)));
        assert_eq!(key_value_head("<arg_key>city</arg"), Head::Need);
        assert_eq!(key_value_head("<arg_key>city</arg_key>\n"), Head::Need);
        assert_eq!(key_value_head("<arg_key>city</arg_key>x"), Head::No);
        assert_eq!(key_value_head("<arg_key>city<b>"), Head::No);
    }
}
