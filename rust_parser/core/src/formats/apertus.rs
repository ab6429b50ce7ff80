//! `apertus`: Swiss AI Apertus — name-keyed call objects between `<|tools_prefix|>` and
//! `<|tools_suffix|>`, reasoning between `<|inner_prefix|>` and `<|inner_suffix|>`.
//!
//! ```text
//! <|inner_prefix|>Need the weather.<|inner_suffix|>
//! <|tools_prefix|>[{"get_weather": {"location": "Tokyo"}}, {"get_time": {"tz": "JST"}}]<|tools_suffix|>
//! ```
//!
//! The single key of each object is the function name, its value the arguments (llama.cpp's
//! "short form"). Ids are `""`.

use crate::call_list::{CallList, Elements, ListSyntax};
use crate::gated::InReasoning;
use crate::machine::{Dialect, Section};
use crate::tools::Tools;

const OPEN: &str = "<|tools_prefix|>";

static LIST: ListSyntax = ListSyntax {
    elements: Elements {
        json: None,
        name_key: true,
        python: false,
    },
    // Lenient: a single element without the brackets.
    bare: true,
    close: &["<|tools_suffix|>"],
};

/// The dialect.
pub const DIALECT: Dialect = Dialect {
    think_open: &["<|inner_prefix|>"],
    think_close: &["<|inner_suffix|>"],
    tool_starts: &[OPEN],
    in_reasoning: InReasoning::TextUnlessAtEnd,
    close_without_open: false,
    open,
};

fn open(_marker: usize, _tools: &Tools) -> Box<dyn Section> {
    Box::new(CallList::new(&LIST, OPEN))
}
