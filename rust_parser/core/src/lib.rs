//! Incremental extraction of content, reasoning and tool calls from LLM output.
//!
//! Every byte is examined O(1) times; emitted text is never retracted; malformed tool syntax
//! degrades to content with nothing lost. One implementation serves streaming and one-shot
//! parsing: [`parse`] is the fold of [`ToolCallStream::push`] + [`ToolCallStream::finish`].
//!
//! ```
//! use ggserve_parser_core::{parse, Options, Tools};
//! let out = parse(
//!     "hermes",
//!     "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1}}\n</tool_call>",
//!     Tools::default(),
//!     Options::default(),
//! )
//! .unwrap();
//! assert_eq!(out.tool_calls[0].name, "f");
//! assert_eq!(out.tool_calls[0].arguments, "{\"x\": 1}");
//! ```

mod call_list;
mod call_section;
mod coerce;
mod detect;
mod envelope;
mod error;
mod event;
mod formats;
mod gated;
mod json;
mod json_args;
mod lead;
mod machine;
mod python_kwargs;
mod raw_code;
mod scan;
mod sections;
mod sink;
mod spec;
mod stream;
mod text;
mod tools;
mod xml_args;
mod xml_section;

pub use detect::detect_format;
pub use error::Error;
pub use event::{CallStatus, Event, EventRef};
pub use formats::{spec, FORMATS, SPECS};
pub use json::heal_json;
pub use sink::Events;
pub use spec::{Args, CallShape, Detect, Params, Piece, Reasoning, Spec};
pub use stream::{parse, Options, Parsed, ParsedCall, ToolCallStream};
pub use tools::Tools;
