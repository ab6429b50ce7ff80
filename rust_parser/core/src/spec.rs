//! What a format file declares: its name, its machine, its reasoning markers, how it is
//! detected, and how it writes a call.
//!
//! Each `formats/<name>.rs` exports one [`Spec`]; the registry ([`crate::formats::SPECS`]), the
//! parser's constructor, format detection, the service's reasoning markers (the binding's
//! `reasoning_markers`) and the forced-call grammar builder (the service's `tool_grammar.py`,
//! through the binding's `call_shape`) are derived from those specs, so a format is registered
//! in one place.
//!
//! A [`CallShape`] spells the format's canonical call markup as pieces: control markers (the
//! model's special token where its vocabulary has one, the text otherwise), literal text, and
//! slots for the function name, the call index and the arguments. The arguments are either one
//! JSON object (the tool's parameter schema) or one entry per parameter ([`Params`]: XML-style
//! tags, Python keywords, Gemma's literals).

use crate::gated::GatedDialect;
use crate::machine::Machine;

/// One piece of call markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// A control marker: the model's special token where its vocabulary has it as one, the text
    /// otherwise.
    Marker(&'static str),
    /// Literal text.
    Text(&'static str),
    /// The function name, as written.
    Name,
    /// The function name as a JSON string (quoted).
    NameJson,
    /// The call's number in the output (`0`, `1`, …).
    Index,
    /// The arguments ([`Args`]).
    Args,
    /// In a [`Params`] entry: the parameter's name.
    Key,
    /// In a [`Params`] entry: the parameter's value.
    Value,
}

/// How the arguments are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Args {
    /// One JSON object, the tool's parameter schema.
    Json,
    /// One entry per parameter, in the schema's order (optional ones may be left out).
    Params(Params),
}

/// Arguments written one entry per parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// The entry of a parameter whose schema is a string.
    pub string: &'static [Piece],
    /// The entry of any other parameter (its value as JSON).
    pub other: &'static [Piece],
    /// Between two entries.
    pub separator: &'static str,
    /// String values are written raw (the markup delimits them); otherwise as JSON strings.
    pub raw_strings: bool,
}

/// A format's canonical call markup, as a forced-call grammar writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallShape {
    /// Opens the tool section (before the first call).
    pub open: &'static [Piece],
    /// One call.
    pub call: &'static [Piece],
    /// Between two calls.
    pub separator: &'static [Piece],
    /// Closes the tool section (after the last call).
    pub close: &'static [Piece],
    /// How [`Piece::Args`] is written.
    pub args: Args,
}

/// Builds a format's machine: `reasoning` extracts reasoning blocks, `forced_open` starts inside
/// one.
pub(crate) type Build = fn(reasoning: bool, forced_open: bool) -> Box<dyn Machine>;

/// How a format is recognised (`detect_format`): the formats are tried in the registry's order,
/// most specific first, on the chat template, then on the model's name.
#[derive(Clone, Copy)]
pub struct Detect {
    /// The template is this format's when it contains any of these markers,
    pub template: &'static [&'static str],
    /// or, when set instead, when this rule says so (families that markers alone cannot tell
    /// apart).
    pub template_rule: Option<fn(&str) -> bool>,
    /// Lower-case model-name substrings (`_` and `-` read alike).
    pub names: &'static [&'static str],
}

/// A format's reasoning-block markers.
#[derive(Clone, Copy)]
pub struct Reasoning {
    /// Open a block (a prompt that ends with one leaves the model inside it).
    pub open: &'static [&'static str],
    /// Close one.
    pub close: &'static [&'static str],
}

impl Reasoning {
    /// The markers of a gated family.
    #[must_use]
    pub(crate) const fn of(d: &GatedDialect) -> Reasoning {
        Reasoning {
            open: d.think_open,
            close: d.think_close,
        }
    }
}

/// Everything a format declares.
#[derive(Clone, Copy)]
pub struct Spec {
    /// The registry name.
    pub name: &'static str,
    /// Its machine.
    pub build: Build,
    /// Its reasoning markers.
    pub reasoning: Reasoning,
    /// How it is recognised.
    pub detect: Detect,
    /// How a forced call is written.
    pub call: CallShape,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("name", &self.name)
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}

/// The call object `{"name": NAME, "<args_key>": ARGS}` of the JSON formats, without its markers.
#[macro_export]
macro_rules! json_call {
    ($args_key:literal) => {
        &[
            $crate::spec::Piece::Text("{\"name\": "),
            $crate::spec::Piece::NameJson,
            $crate::spec::Piece::Text(concat!(", \"", $args_key, "\": ")),
            $crate::spec::Piece::Args,
            $crate::spec::Piece::Text("}"),
        ]
    };
}

/// Python keyword arguments (`key=value, …`), values as JSON literals (the pythonic parsers
/// read `true`/`false`/`null` too).
pub(crate) const KWARGS: Params = Params {
    string: &[Piece::Key, Piece::Text("="), Piece::Value],
    other: &[Piece::Key, Piece::Text("="), Piece::Value],
    separator: ", ",
    raw_strings: false,
};

/// One `<parameter=KEY>` entry: the same markup for every type.
const PARAMETER_ENTRY: &[Piece] = &[
    Piece::Text("<parameter="),
    Piece::Key,
    Piece::Text(">\n"),
    Piece::Value,
    Piece::Text("\n</parameter>\n"),
];

/// Qwen3-Coder / Seed-OSS parameter tags: `<parameter=KEY>\nVALUE\n</parameter>\n`.
pub(crate) const PARAMETER_TAGS: Params = Params {
    string: PARAMETER_ENTRY,
    other: PARAMETER_ENTRY,
    separator: "",
    raw_strings: true,
};
