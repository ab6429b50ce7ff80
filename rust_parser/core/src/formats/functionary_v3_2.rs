//! `functionary_v3_2`: MeetKai Functionary v3.2 — `>>>NAME\n` then the arguments.
//!
//! ```text
//! all
//! Let me check.>>>get_weather
//! {"location": "Tokyo"}>>>python
//! print(1 + 1)
//! ```
//!
//! The prompt ends with `>>>`, so the output's first recipient has no marker; later ones follow
//! `>>>`. The recipient `all` is the answer (its text is content), `python` with anything but a
//! JSON object is raw code (a call `python` with `{"code": "…"}` to the end of output), any
//! other name is a call whose JSON arguments follow the newline. A head that is not `WORD\n` is
//! content. `<|eom_id|>`/`<|eot_id|>` end the output. No reasoning block; ids are `""`.

use crate::gated::{Gated, GatedDialect, InReasoning};
use crate::json_args::{ArgsStatus, JsonArgs};
use crate::lead::Lead;
use crate::machine::{Cx, Machine, Progress, Section};
use crate::raw_code::RawCode;
use crate::scan::{bounded_run, leading_ws};
use crate::sections::ProgressExt;
use crate::spec::{Args, CallShape, Detect, Piece, Reasoning, Spec};
use crate::tools::Tools;

const RECIPIENT: &str = ">>>";
const MAX_NAME: usize = 256;

const DIALECT: GatedDialect = GatedDialect {
    think_open: &[],
    think_close: &[],
    tool_starts: &[RECIPIENT],
    reasoning_starts: 0,
    in_reasoning: InReasoning::Ignored,
    close_without_open: false,
    stops: &["<|eom_id|>", "<|eot_id|>"],
    open,
};

fn open(_marker: usize, _tools: &Tools) -> Box<dyn Section> {
    Box::new(Recipient::new(RECIPIENT))
}

fn lead(first: u8, _tools: &Tools) -> Option<Box<dyn Section>> {
    (first.is_ascii_alphanumeric() || first == b'_').then(|| Box::new(Recipient::new("")) as Box<dyn Section>)
}

/// The machine.
#[must_use]
pub(crate) fn machine(reasoning: bool, forced_open: bool) -> Box<dyn Machine> {
    Box::new(Lead::new(lead, Gated::new(DIALECT, reasoning, forced_open)))
}

enum St {
    Name,
    BeforeArgs,
    Args(JsonArgs),
    Code(RawCode),
}

/// What follows one `>>>`.
struct Recipient {
    st: St,
    /// The marker, the name and what followed it: given back if this is not a call.
    raw: String,
    name: String,
}

impl Recipient {
    fn new(opener: &str) -> Self {
        Recipient {
            st: St::Name,
            raw: opener.to_owned(),
            name: String::new(),
        }
    }

    fn give_back(&mut self, n: usize, cx: &mut Cx<'_>) -> Progress {
        cx.content(&std::mem::take(&mut self.raw));
        Progress::Done(n)
    }

    fn name(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let run = bounded_run(input, self.name.len(), MAX_NAME, word);
        self.name.push_str(&input[..run]);
        self.raw.push_str(&input[..run]);
        if self.name.len() > MAX_NAME {
            return self.give_back(run, cx);
        }
        match input.as_bytes().get(run) {
            None => Progress::Consumed(run).nonzero(),
            Some(b'\n') if !self.name.is_empty() => {
                if self.name == "all" {
                    // The answer: its text is content (the newline is markup).
                    return Progress::Done(run + 1);
                }
                self.raw.push('\n');
                self.st = St::BeforeArgs;
                Progress::Consumed(run + 1)
            }
            Some(_) => self.give_back(run, cx),
        }
    }

    fn before_args(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        let ws = leading_ws(input);
        let first = input.as_bytes().get(ws).copied();
        match first {
            Some(b'{') => {
                cx.sink.start_call("", &self.name);
                self.raw.clear();
                self.st = St::Args(JsonArgs::new());
                Progress::Consumed(ws)
            }
            Some(_) if self.name == "python" => {
                self.raw.clear();
                self.st = St::Code(RawCode::new("python", &[]));
                Progress::Consumed(0)
            }
            Some(_) => self.give_back(0, cx),
            // Raw code may begin with whitespace: wait for the first other byte.
            None if self.name == "python" => Progress::NeedMore,
            None => {
                self.raw.push_str(&input[..ws]);
                Progress::Consumed(ws).nonzero()
            }
        }
    }
}

impl Section for Recipient {
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        match &mut self.st {
            St::Name => self.name(input, cx),
            St::BeforeArgs => self.before_args(input, cx),
            St::Code(code) => code.step(input, cx),
            St::Args(args) => {
                let (n, status) = args.feed(input, cx);
                match status {
                    ArgsStatus::NeedMore => Progress::Consumed(n).nonzero(),
                    ArgsStatus::Complete | ArgsStatus::Broken => Progress::Done(n),
                }
            }
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match &mut self.st {
            St::Args(args) => {
                args.finish(cx, true);
                cx.content(held);
            }
            St::Code(code) => code.finish(held, cx),
            St::BeforeArgs if self.name == "python" => {
                let mut code = RawCode::new("python", &[]);
                code.finish(held, cx);
            }
            St::Name | St::BeforeArgs => {
                cx.content(&std::mem::take(&mut self.raw));
                cx.content(held);
            }
        }
    }
}

/// The format's declaration (see [`crate::spec`]).
pub(crate) const SPEC: Spec = Spec {
    name: "functionary_v3_2",
    build: machine,
    reasoning: Reasoning::of(&DIALECT),
    detect: Detect {
        template: &[">>>all"],
        template_rule: None,
        names: &["functionary"],
    },
    call: CallShape {
        open: &[],
        call: &[Piece::Name, Piece::Text("\n"), Piece::Args],
        separator: &[Piece::Text(">>>")],
        close: &[],
        args: Args::Json,
    },
};
