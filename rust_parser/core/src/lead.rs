//! A machine whose output may *begin* with a tool section that has no marker.
//!
//! Some families write calls without an opening token when the call is the whole answer: a
//! pythonic list `[f(x=1)]` (Llama 3.2/4), Functionary v3.2's `NAME\n{…}` after the prompt's
//! `>>>`, llama.cpp's generic `{"tool_call": …}`. Whether the output is such a section is
//! decided by its first non-whitespace byte (the peers' rule); after that section, or when the
//! output does not start like one, the family's [`Gated`] machine takes over (its markers still
//! open sections anywhere).

use crate::gated::Gated;
use crate::machine::{finish_section, step_section, Cx, Machine, Progress, Section};
use crate::scan::leading_ws;
use crate::tools::Tools;

/// Opens the leading section when the output's first non-whitespace byte is `first` (and the
/// request's `tools` allow one).
pub(crate) type OpenLead = fn(first: u8, tools: &Tools) -> Option<Box<dyn Section>>;

enum St {
    Start,
    Section(Box<dyn Section>),
    Rest,
}

/// The machine: the start decision, then the family's [`Gated`] machine.
pub(crate) struct Lead {
    st: St,
    open: OpenLead,
    rest: Gated,
}

impl Lead {
    /// A machine opening `open`'s section at the start, then running `rest`.
    #[must_use]
    pub(crate) fn new(open: OpenLead, rest: Gated) -> Self {
        Lead {
            st: St::Start,
            open,
            rest,
        }
    }
}

impl Machine for Lead {
    fn step(&mut self, input: &str, cx: &mut Cx<'_>) -> Option<usize> {
        if input.is_empty() {
            return None;
        }
        match &mut self.st {
            St::Start => {
                let ws = leading_ws(input);
                if ws > 0 {
                    cx.content(&input[..ws]);
                    return Some(ws);
                }
                self.st = match (self.open)(input.as_bytes()[0], cx.tools) {
                    Some(section) => {
                        // A tool section without a marker: its raw text starts here.
                        cx.sink.span_begin("");
                        St::Section(section)
                    }
                    None => St::Rest,
                };
                Some(0)
            }
            St::Section(section) => match step_section(section.as_mut(), input, cx) {
                Progress::Consumed(n) => Some(n),
                Progress::NeedMore => None,
                Progress::Done(n) => {
                    if cx.sink.calls_complete() > 0 {
                        cx.after_section();
                    } else {
                        cx.boundary();
                    }
                    self.st = St::Rest;
                    Some(n)
                }
            },
            St::Rest => self.rest.step(input, cx),
        }
    }

    fn finish(&mut self, held: &str, cx: &mut Cx<'_>) {
        match &mut self.st {
            St::Start => cx.content(held),
            St::Section(section) => finish_section(section.as_mut(), held, cx),
            St::Rest => self.rest.finish(held, cx),
        }
    }
}
