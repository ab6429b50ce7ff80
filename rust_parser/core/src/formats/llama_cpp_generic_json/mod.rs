//! `llama_cpp_generic_json`: llama.cpp's generic tool-call JSON, for templates without a native
//! tool syntax (the whole answer is one JSON object, constrained by a grammar there).
//!
//! ```text
//! {"tool_call": {"name": "get_weather", "arguments": {"location": "Tokyo"}}}
//! {"tool_calls": [{"name": "get_weather", "arguments": {"location": "Tokyo"}}, {"name": …}]}
//! {"response": "It is sunny in Tokyo."}
//! ```
//!
//! The output is this object only when its first non-whitespace byte is `{` and its first key
//! is one of the three; anything else is content as written. A `"response"` string streams as
//! content, decoded (a non-string response streams as its JSON text). No reasoning block.
//!
//! llama.cpp's schema for a call lists `name`, `arguments`, then `id` (written when parallel
//! calls are on), and its grammar makes the model write them in that order: the id follows the
//! arguments. So a call starts when its object closes, carrying the id wherever it stood; the
//! arguments are held until then.

mod json_content;

use crate::call_list::{CallList, Elements, ListSyntax};
use crate::envelope::ID_LAST_KEYS;
use crate::gated::{Gated, GatedDialect, InReasoning};
use crate::json::{JsonValue, Status};
use crate::json_call;
use crate::lead::Lead;
use crate::machine::{Cx, Machine, Progress, Section};
use crate::scan::leading_ws;
use crate::sections::ProgressExt;
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec};
use crate::tools::Tools;
use json_content::JsonContent;

const ELEMENTS: Elements = Elements {
    json: Some(ID_LAST_KEYS),
    name_key: false,
    python: false,
};

/// `"tool_call"`: one object.
static ONE: ListSyntax = ListSyntax {
    elements: ELEMENTS,
    bare: true,
    close: &[],
};

/// `"tool_calls"`: a list.
static MANY: ListSyntax = ListSyntax {
    elements: ELEMENTS,
    bare: false,
    close: &[],
};

const DIALECT: GatedDialect = GatedDialect {
    think_open: &[],
    think_close: &[],
    tool_starts: &[],
    reasoning_starts: 0,
    in_reasoning: InReasoning::Ignored,
    close_without_open: false,
    stops: &[],
    open,
};

fn open(_marker: usize, _tools: &Tools) -> Box<dyn Section> {
    Box::new(Generic::new())
}

fn lead(first: u8, _tools: &Tools) -> Option<Box<dyn Section>> {
    (first == b'{').then(|| Box::new(Generic::new()) as Box<dyn Section>)
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Lead::new(lead, Gated::new(DIALECT, reasoning, forced_open)))
}

enum St {
    Open,
    Key,
    /// Inside the key's string literal.
    KeyStr,
    Colon,
    Value,
    Calls(Box<CallList>),
    Response(JsonContent),
    Close,
}

/// The generic object.
struct Generic {
    st: St,
    /// Consumed text before a call or any response text: given back if this is not the object.
    raw: String,
    scanner: JsonValue,
    key: String,
}

impl Generic {
    fn new() -> Self {
        Generic {
            st: St::Open,
            raw: String::new(),
            scanner: JsonValue::new(),
            key: String::new(),
        }
    }

    fn keep(&mut self, s: &str) -> Progress {
        self.raw.push_str(s);
        Progress::Consumed(s.len()).nonzero()
    }

    fn give_back(&mut self, n: usize, cx: &mut Cx<'_>) -> Progress {
        cx.content(&std::mem::take(&mut self.raw));
        Progress::Done(n)
    }

    fn structural(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let ws = leading_ws(input);
        if ws > 0 {
            return self.keep(&input[..ws]);
        }
        match (&self.st, input.as_bytes()[0]) {
            (St::Open, b'{') => {
                self.st = St::Key;
                self.scanner = JsonValue::new();
                self.keep("{")
            }
            (St::Key, b'"') => {
                self.st = St::KeyStr;
                Progress::Consumed(0)
            }
            (St::Colon, b':') => {
                self.st = St::Value;
                self.keep(":")
            }
            (St::Value, _) => {
                let key = serde_json::from_str::<String>(&self.key).unwrap_or_default();
                self.st = match key.as_str() {
                    "tool_call" => St::Calls(Box::new(CallList::new(&ONE, &std::mem::take(&mut self.raw)))),
                    "tool_calls" => St::Calls(Box::new(CallList::new(&MANY, &std::mem::take(&mut self.raw)))),
                    "response" => {
                        self.raw.clear();
                        St::Response(JsonContent::new())
                    }
                    _ => return self.give_back(0, cx),
                };
                Progress::Consumed(0)
            }
            (St::Close, b'}') => Progress::Done(1),
            (St::Close, _) => Progress::Done(0),
            _ => self.give_back(0, cx),
        }
    }

    fn key(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let (n, status) = self.scanner.feed(input, &mut self.key);
        self.raw.push_str(&input[..n]);
        match status {
            Status::NeedMore => Progress::Consumed(n).nonzero(),
            Status::Complete => {
                self.st = St::Colon;
                Progress::Consumed(n)
            }
            Status::Invalid => self.give_back(n, cx),
        }
    }
}

impl Section for Generic {
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match &mut self.st {
            St::Calls(list) => match list.step(input, cx) {
                Progress::Done(n) if cx.sink.calls_complete() > 0 => {
                    self.st = St::Close;
                    Progress::Consumed(n)
                }
                p => p,
            },
            St::Response(value) => {
                let (n, status) = value.feed(input, cx);
                match status {
                    Status::NeedMore => Progress::Consumed(n).nonzero(),
                    Status::Complete => {
                        self.st = St::Close;
                        Progress::Consumed(n)
                    }
                    Status::Invalid => Progress::Done(n),
                }
            }
            St::KeyStr => self.key(input, cx),
            _ => self.structural(input, cx),
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match &mut self.st {
            St::Calls(list) => list.finish(held, cx),
            St::Response(value) => {
                value.finish(cx);
                cx.content(held);
            }
            St::Close => cx.content(held),
            _ => {
                cx.content(&std::mem::take(&mut self.raw));
                cx.content(held);
            }
        }
    }
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "llama_cpp_generic_json",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &[],
        template_rule: None,
        names: &[],
    },
    call: CallShape {
        open: &[Piece::Text("{\"tool_calls\": [")],
        call: json_call!("arguments"),
        separator: &[Piece::Text(", ")],
        close: &[Piece::Text("]}")],
        args: Args::Json,
    },
};
