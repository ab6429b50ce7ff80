//! `gpt_oss`: OpenAI gpt-oss "harmony" messages.
//!
//! After the generation prompt `<|start|>assistant` the model writes one or more messages, each a
//! header, `<|message|>`, a body and a terminator (`<|end|>`, `<|call|>`, `<|return|>`):
//!
//! ```text
//! <|channel|>analysis<|message|>Need to call weather tool.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"location":"Tokyo"}<|call|>
//! <|start|>assistant<|channel|>final<|message|>It is sunny.<|return|>
//! ```
//!
//! Channels: `analysis` is reasoning (several analysis messages are concatenated), `final` is
//! content, `commentary` without a recipient is a preamble (content). A recipient makes the
//! message a tool call; it may sit in the channel header or in the role header (llama.cpp PR
//! #15181), and tool calls also come on the analysis channel:
//!
//! ```text
//! <|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"location":"Tokyo"}<|call|>
//! <|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{…}<|call|>
//! <|channel|>analysis to=functions.ffgrep code<|message|>…<|call|>
//! ```
//!
//! The name is the recipient without its `functions.` prefix (other recipients such as
//! `browser.search` are kept whole); the id is `""` (harmony carries none). With content type
//! `json` (`<|constrain|>json` or a bare `json`) or none, a body starting with `{`/`[` streams as
//! the model's raw JSON bytes; any other body (another content type such as `code`, or text) is
//! passed through as one JSON string. An empty body gives `{}`.
//!
//! Output that does not start with a header is plain content. A header that does not parse (an
//! unknown channel or role, a stray special token, more than 512 bytes or a newline before
//! `<|message|>`) comes back as content, with its body, nothing lost.
//!
//! `reasoning=False`: an analysis message (header, body and terminator) stays in content verbatim,
//! like `<think>…</think>` in the other formats; tool calls and final text parse as usual.
//! `thinking_forced_open`: the prompt ended with `<|channel|>analysis<|message|>`, so the output
//! starts inside the analysis body.
//!
//! Not supported: text rendered with special tokens stripped (`analysis…assistantfinal…`). It
//! cannot be told from prose without holding back the whole reasoning; the service detokenizes
//! with specials rendered, so the markers are always present.

use crate::coerce::escape_into;
use crate::event::CallStatus;
use crate::json_args::{ArgsStatus, JsonArgs};
use crate::machine::{Cx, Machine};
use crate::scan::{is_prefix_of, leading_ws, Markers, Scan};
use crate::spec::{self, CallShape, Detect, Piece, Reasoning, Spec};

const START: &str = "<|start|>";
const CHANNEL: &str = "<|channel|>";
const MESSAGE: &str = "<|message|>";
const CONSTRAIN: &str = "<|constrain|>";
const END: &str = "<|end|>";
const CALL: &str = "<|call|>";
const RETURN: &str = "<|return|>";
const MAX_HEADER: usize = 512;

/// What may open a header at the start of the output or between messages. The prompt ended with
/// `<|start|>assistant`, so the first header may start with the role header's recipient.
const HEADER_STARTS: [&str; 4] = [START, CHANNEL, " to=", "to="];

/// Ends of a header: `<|message|>` (index 0), or a stray token that makes it malformed.
const HEADER_ENDS: [&str; 5] = [MESSAGE, START, END, CALL, RETURN];

/// Ends of a body: terminators (consumed), then the start of another header (not consumed).
const BODY_ENDS: [&str; 5] = [END, RETURN, CALL, START, CHANNEL];
const TERMINATORS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Args {
    /// Before the body's first non-whitespace byte.
    Lead,
    /// Raw JSON.
    Json,
    /// After the JSON value: whitespace, then a terminator.
    AfterJson,
    /// The body as one JSON string.
    Str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Reasoning,
    Content,
    /// An analysis message with reasoning off: content, terminator included.
    Verbatim,
    Call(Args),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    /// Start of output, or after a terminator: a header, or plain text.
    Between,
    /// Accumulating a header.
    Header,
    Body(Body),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Analysis,
    Commentary,
    Final,
}

/// Who a message is addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recipient<'a> {
    /// `functions.NAME`: a call of a declared function.
    Function(&'a str),
    /// `assistant`: a message to the assistant itself, not a call.
    Assistant,
    /// Anything else: a built-in tool (`python`, `browser.search`, `container.exec`), a call
    /// only if the request declares a tool of that name.
    Other(&'a str),
}

/// A parsed message header.
#[derive(Debug, PartialEq, Eq)]
struct Header<'a> {
    channel: Option<Channel>,
    recipient: Option<Recipient<'a>>,
    /// The content type allows raw JSON (`json` or none given).
    json: bool,
}

/// Parses the text between `<|start|>` (or the output start) and `<|message|>`.
fn parse_header(raw: &str) -> Option<Header<'_>> {
    let h = raw.strip_prefix(START).unwrap_or(raw);
    let (role, chan) = match h.find(CHANNEL) {
        Some(i) => (&h[..i], Some(&h[i + CHANNEL.len()..])),
        None => (h, None),
    };
    let mut recipient = None;
    let mut ctype: Option<&str> = None;
    for tok in tokens(role).filter(|&t| t != "assistant") {
        if let Some(r) = tok.strip_prefix("to=") {
            recipient = Some(r);
        } else if let Some(t) = tok.strip_prefix(CONSTRAIN) {
            ctype = Some(t);
        } else {
            return None;
        }
    }
    let mut channel = None;
    if let Some(chan) = chan {
        let mut toks = tokens(chan);
        channel = Some(match toks.next()? {
            "analysis" => Channel::Analysis,
            "commentary" => Channel::Commentary,
            "final" => Channel::Final,
            _ => return None,
        });
        for tok in toks {
            if let Some(r) = tok.strip_prefix("to=") {
                if recipient.is_some() {
                    return None;
                }
                recipient = Some(r);
            } else if ctype.is_none() {
                ctype = Some(tok.strip_prefix(CONSTRAIN).unwrap_or(tok));
            } else {
                return None;
            }
        }
    }
    let recipient = match recipient {
        Some(r) => {
            let name = r.strip_prefix("functions.").unwrap_or(r);
            if name.is_empty() || name.contains('<') {
                return None;
            }
            Some(match r.strip_prefix("functions.") {
                Some(_) => Recipient::Function(name),
                None if r == "assistant" => Recipient::Assistant,
                None => Recipient::Other(r),
            })
        }
        None => None,
    };
    Some(Header {
        channel,
        recipient,
        json: ctype.is_none_or(|t| t.eq_ignore_ascii_case("json")),
    })
}

/// Header tokens: split on whitespace, with `<|constrain|>` starting a token of its own.
fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split_ascii_whitespace().flat_map(|w| {
        let cut = w.find(CONSTRAIN).filter(|&i| i > 0);
        let (a, b) = match cut {
            Some(i) => (&w[..i], &w[i..]),
            None => (w, ""),
        };
        [a, b].into_iter().filter(|t| !t.is_empty())
    })
}

/// The harmony machine.
pub(crate) struct Harmony {
    reasoning: bool,
    st: St,
    header: String,
    lead: String,
    json: bool,
    args: JsonArgs,
    header_ends: Markers,
    body_ends: Markers,
}

impl Harmony {
    /// A machine; `reasoning` extracts analysis messages, `forced_open` starts inside one.
    #[must_use]
    pub(crate) fn new(reasoning: bool, forced_open: bool) -> Self {
        let st = match (forced_open, reasoning) {
            (true, true) => St::Body(Body::Reasoning),
            (true, false) => St::Body(Body::Verbatim),
            (false, _) => St::Between,
        };
        Harmony {
            reasoning,
            st,
            header: String::new(),
            lead: String::new(),
            json: true,
            args: JsonArgs::new(),
            header_ends: Markers::new(&HEADER_ENDS),
            body_ends: Markers::new(&BODY_ENDS),
        }
    }

    fn between(&mut self, input: &str, cx: &mut Cx<'_>) -> Option<usize> {
        for m in HEADER_STARTS {
            if input.starts_with(m) {
                cx.boundary();
                self.header.clear();
                self.st = St::Header;
                // `<|start|>` also ends a header: take it here so the header does not see it.
                if m == START {
                    self.header.push_str(START);
                    return Some(START.len());
                }
                return Some(0);
            }
        }
        if HEADER_STARTS.iter().any(|m| is_prefix_of(input, m)) {
            return None;
        }
        self.st = St::Body(Body::Content);
        Some(0)
    }

    /// The header is not one we know: it comes back as content, its body too.
    fn malformed(&mut self, cx: &mut Cx<'_>) {
        cx.content(&std::mem::take(&mut self.header));
        self.st = St::Body(Body::Content);
    }

    fn header(&mut self, input: &str, cx: &mut Cx<'_>) -> Option<usize> {
        let (text, found) = match self.header_ends.find(input) {
            Scan::Clear => (input, None),
            Scan::Partial { at } => (&input[..at], None),
            Scan::Found { at, marker } => (&input[..at], Some(marker)),
        };
        // A newline, or more than MAX_HEADER bytes, cannot be a header: it ends right there
        // (a fixed byte, whatever the pieces), and what follows is scanned as content.
        let room = MAX_HEADER.saturating_sub(self.header.len());
        let newline = text.find('\n').map(|i| i + 1);
        let overflow = (text.len() > room).then(|| {
            (room + 1..=text.len())
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(text.len())
        });
        if let Some(cut) = newline.into_iter().chain(overflow).min() {
            self.header.push_str(&text[..cut]);
            self.malformed(cx);
            return Some(cut);
        }
        self.header.push_str(text);
        match found {
            None => (!text.is_empty()).then_some(text.len()),
            Some(0) => {
                self.open_message(cx);
                Some(text.len() + MESSAGE.len())
            }
            Some(_) => {
                self.malformed(cx);
                Some(text.len())
            }
        }
    }

    fn open_message(&mut self, cx: &mut Cx<'_>) {
        let raw = std::mem::take(&mut self.header);
        let Some(h) = parse_header(&raw) else {
            cx.content(&raw);
            cx.content(MESSAGE);
            self.st = St::Body(Body::Content);
            return;
        };
        // As llama.cpp, vLLM and SGLang: only `functions.*` recipients are calls (and, here, a
        // recipient the request declares as a tool). A built-in tool's message is the model's
        // own business: reasoning, like the analysis channel it usually comes on.
        let recipient = match h.recipient {
            Some(Recipient::Other(r)) if cx.tools.get(r).is_some() => Some(r),
            Some(Recipient::Other(_)) => {
                self.st = St::Body(if self.reasoning {
                    Body::Reasoning
                } else {
                    cx.content(&raw);
                    cx.content(MESSAGE);
                    Body::Verbatim
                });
                return;
            }
            Some(Recipient::Function(name)) => Some(name),
            Some(Recipient::Assistant) | None => None,
        };
        self.st = St::Body(match (recipient, h.channel) {
            (Some(name), _) => {
                // The call's raw text, header included, goes back to content if it breaks.
                cx.sink.span_begin(&raw);
                cx.sink.span_record(MESSAGE);
                cx.sink.start_call("", name);
                self.json = h.json;
                self.lead.clear();
                self.args = JsonArgs::new();
                Body::Call(Args::Lead)
            }
            (None, Some(Channel::Analysis)) if self.reasoning => Body::Reasoning,
            (None, Some(Channel::Analysis)) => {
                cx.content(&raw);
                cx.content(MESSAGE);
                Body::Verbatim
            }
            (None, _) => Body::Content,
        });
    }

    /// Text of a body up to its end; `write` takes the text.
    fn body_text(&mut self, input: &str, cx: &mut Cx<'_>, write: fn(&str, &mut Cx<'_>)) -> Option<usize> {
        match self.body_ends.find(input) {
            Scan::Clear => {
                write(input, cx);
                Some(input.len())
            }
            Scan::Partial { at } => {
                write(&input[..at], cx);
                (at > 0).then_some(at)
            }
            Scan::Found { at, marker } => {
                write(&input[..at], cx);
                let terminator = marker < TERMINATORS;
                let term = BODY_ENDS.get(marker).copied().unwrap_or_default();
                self.end_message(terminator.then_some(term), cx);
                Some(if terminator { at + term.len() } else { at })
            }
        }
    }

    /// The current message ended (with `terminator`, or at the start of another header).
    fn end_message(&mut self, terminator: Option<&str>, cx: &mut Cx<'_>) {
        match self.st {
            St::Body(Body::Verbatim) => {
                if let Some(t) = terminator {
                    cx.content(t);
                }
            }
            St::Body(Body::Call(Args::Str)) => {
                cx.sink.args("\"");
                cx.sink.end_call();
            }
            St::Body(Body::Call(Args::Lead)) => {
                cx.sink.args("{}");
                cx.sink.end_call();
            }
            _ => {}
        }
        cx.sink.span_end();
        cx.after_section();
        self.st = St::Between;
    }

    fn call(&mut self, args: Args, input: &str, cx: &mut Cx<'_>) -> Option<usize> {
        match args {
            Args::Lead => {
                let ws = leading_ws(input);
                if ws > 0 {
                    self.lead.push_str(&input[..ws]);
                    return Some(ws);
                }
                let b = input.as_bytes().first().copied()?;
                if b == b'<' {
                    match self.body_ends.find(input) {
                        Scan::Partial { at: 0 } => return None,
                        Scan::Found { at: 0, .. } => return self.body_text(input, cx, |_, _| {}),
                        _ => {}
                    }
                }
                if self.json && (b == b'{' || b == b'[') {
                    self.st = St::Body(Body::Call(Args::Json));
                } else {
                    let mut out = String::from("\"");
                    escape_into(&self.lead, &mut out);
                    cx.sink.args(&out);
                    self.st = St::Body(Body::Call(Args::Str));
                }
                Some(0)
            }
            Args::Json => {
                let (n, status) = self.args.feed(input, cx);
                match status {
                    ArgsStatus::NeedMore => (n > 0).then_some(n),
                    ArgsStatus::Complete => {
                        self.st = St::Body(Body::Call(Args::AfterJson));
                        Some(n)
                    }
                    ArgsStatus::Broken => {
                        self.st = St::Body(Body::Content);
                        Some(n)
                    }
                }
            }
            Args::AfterJson => {
                let ws = leading_ws(input);
                if ws > 0 {
                    return Some(ws);
                }
                match self.body_ends.find(input) {
                    Scan::Found { at: 0, .. } => self.body_text(input, cx, |_, _| {}),
                    Scan::Partial { at: 0 } => None,
                    _ => {
                        // Text after the arguments: content up to the terminator.
                        self.st = St::Body(Body::Content);
                        Some(0)
                    }
                }
            }
            Args::Str => self.body_text(input, cx, |s, cx| {
                let mut out = String::new();
                escape_into(s, &mut out);
                cx.sink.args(&out);
            }),
        }
    }
}

impl Machine for Harmony {
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Option<usize> {
        if input.is_empty() {
            return None;
        }
        match self.st {
            St::Between => self.between(input, cx),
            St::Header => self.header(input, cx),
            St::Body(Body::Reasoning) => self.body_text(input, cx, |s, cx| cx.reasoning(s)),
            St::Body(Body::Content | Body::Verbatim) => self.body_text(input, cx, |s, cx| cx.content(s)),
            St::Body(Body::Call(args)) => {
                let n = self.call(args, input, cx)?;
                if cx.sink.span_record(input.get(..n).unwrap_or(input)) {
                    // The call broke: its text was given back; the rest of the message, its
                    // terminator included, is content.
                    self.st = St::Body(Body::Verbatim);
                }
                Some(n)
            }
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match self.st {
            St::Between | St::Body(Body::Content | Body::Verbatim) => cx.content(held),
            St::Header => {
                cx.content(&std::mem::take(&mut self.header));
                cx.content(held);
            }
            St::Body(Body::Reasoning) => cx.reasoning(held),
            St::Body(Body::Call(args)) => {
                // Without its terminator (the engine may stop on `<|call|>`), a call is whole
                // when its JSON value closed or its body is free text; a call cut before its
                // body or inside its JSON is truncated and given back.
                match args {
                    Args::Lead | Args::Json => cx.sink.end_call_as(CallStatus::Truncated),
                    Args::AfterJson => cx.sink.end_call(),
                    Args::Str => {
                        let mut out = String::new();
                        escape_into(held, &mut out);
                        out.push('"');
                        cx.sink.args(&out);
                        cx.sink.end_call();
                    }
                }
                if args != Args::Str {
                    cx.content(held);
                }
            }
        }
        cx.sink.span_finish();
    }
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Harmony::new(reasoning, forced_open))
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "gpt_oss",
    build: machine,
    reasoning: Reasoning {
        open: &["<|channel|>analysis<|message|>"],
        close: &[],
    },
    detect: Detect {
        template: &["<|channel|>"],
        template_rule: None,
        names: &["gpt-oss"],
    },
    call: CallShape {
        open: &[],
        call: &[
            Piece::Marker("<|channel|>"),
            Piece::Text("commentary to=functions."),
            Piece::Name,
            Piece::Text(" "),
            Piece::Marker("<|constrain|>"),
            Piece::Text("json"),
            Piece::Marker("<|message|>"),
            Piece::Args,
            Piece::Marker("<|call|>"),
        ],
        separator: &[Piece::Marker("<|start|>"), Piece::Text("assistant")],
        close: &[],
        args: spec::Args::Json,
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let h = parse_header("<|channel|>commentary to=functions.get_weather <|constrain|>json");
        assert_eq!(
            h,
            Some(Header {
                channel: Some(Channel::Commentary),
                recipient: Some(Recipient::Function("get_weather")),
                json: true
            })
        );
        let h = parse_header(
            "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json",
        );
        assert_eq!(
            h.and_then(|h| h.recipient),
            Some(Recipient::Function("get_weather"))
        );
        let h = parse_header("<|channel|>analysis to=functions.ffgrep code");
        assert_eq!(
            h,
            Some(Header {
                channel: Some(Channel::Analysis),
                recipient: Some(Recipient::Function("ffgrep")),
                json: false
            })
        );
        assert_eq!(parse_header("<|channel|>bogus"), None);
        assert_eq!(parse_header("<|start|>user<|channel|>final"), None);
        assert_eq!(
            parse_header(" to=functions.f<|channel|>commentary json").and_then(|h| h.recipient),
            Some(Recipient::Function("f"))
        );
        assert_eq!(
            parse_header("<|channel|>commentary to=assistant").and_then(|h| h.recipient),
            Some(Recipient::Assistant)
        );
        assert_eq!(
            parse_header("<|channel|>analysis to=container.exec code").and_then(|h| h.recipient),
            Some(Recipient::Other("container.exec"))
        );
    }
}
