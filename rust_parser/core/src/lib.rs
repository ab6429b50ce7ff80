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

pub mod call_list;
pub mod call_section;
pub mod coerce;
pub mod deepseek_section;
pub mod detect;
pub mod envelope;
pub mod error;
pub mod event;
pub mod formats;
pub mod gated;
pub mod json;
pub mod json_args;
pub mod json_content;
pub mod keyed_literal;
pub mod lead;
pub mod machine;
pub mod python_kwargs;
pub mod raw_code;
pub mod scan;
pub mod sections;
pub mod sink;
pub mod spec;
pub mod stream;
pub mod text;
pub mod tools;
pub mod xml_args;
pub mod xml_section;

pub use detect::detect_format;
pub use error::Error;
pub use event::{CallStatus, Event, EventRef};
pub use formats::{spec, FORMATS, SPECS};
pub use json::heal_json;
pub use sink::Events;
pub use spec::{Args, CallShape, Params, Piece, Spec};
pub use stream::{parse, Options, Parsed, ParsedCall, ToolCallStream};
pub use tools::Tools;
