//! A call whose arguments are raw code: `{"code": "…"}` streamed as a JSON string.
//!
//! Llama 3.1's `<|python_tag|>import math…` and Functionary's `python` tool write the code
//! itself instead of JSON. The code runs to one of the end markers (left unconsumed for the
//! machine, which drops or handles them) or to the end of output.

use crate::coerce::escape_into;
use crate::machine::{Cx, Progress, Section};
use crate::scan::{Markers, Scan};
use crate::sections::ProgressExt;

/// The code call section: started on the first step.
pub(crate) struct RawCode {
    name: &'static str,
    started: bool,
    ends: Markers,
}

impl RawCode {
    /// A call to `name` whose code ends at one of `ends` (or at the end of output).
    #[must_use]
    pub(crate) fn new(name: &'static str, ends: &[&'static str]) -> Self {
        RawCode {
            name,
            started: false,
            ends: Markers::new(ends),
        }
    }

    fn start(&mut self, cx: &mut Cx<'_>) {
        if !self.started {
            self.started = true;
            cx.sink.start_call("", self.name);
            cx.sink.args("{\"code\": \"");
        }
    }

    fn code(cx: &mut Cx<'_>, text: &str) {
        let mut out = String::new();
        escape_into(text, &mut out);
        cx.sink.args(&out);
    }
}

impl Section for RawCode {
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Progress {
        self.start(cx);
        let (text, end) = match self.ends.find(input) {
            Scan::Clear => (input, None),
            Scan::Partial { at } => (&input[..at], None),
            Scan::Found { at, .. } => (&input[..at], Some(at)),
        };
        Self::code(cx, text);
        match end {
            Some(at) => {
                cx.sink.args("\"}");
                cx.sink.end_call();
                Progress::Done(at)
            }
            None => Progress::Consumed(text.len()).nonzero(),
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        self.start(cx);
        Self::code(cx, held);
        cx.sink.args("\"}");
        cx.sink.end_call();
    }
}
