//! The format registry: one name per wire-syntax family, each in its own file.
//!
//! Adding a format: write `formats/<name>.rs` exposing a [`Dialect`] (or a [`Machine`] for a
//! protocol that does not fit the common shape), add its name to [`FORMATS`] and a line to
//! [`build`], and markers to `detect.rs`.

use crate::error::Error;
use crate::machine::{Machine, Tagged};

pub mod gpt_oss;
pub mod hermes;
pub mod llama3_json;
pub mod mistral;

/// Supported format names.
pub const FORMATS: &[&str] = &["hermes", "gpt_oss", "mistral", "llama3_json"];

/// Builds the machine for `format`.
///
/// # Errors
/// `Error::UnknownFormat` for a name not in [`FORMATS`].
pub fn build(format: &str, reasoning: bool, forced_open: bool) -> Result<Box<dyn Machine>, Error> {
    let dialect = match format {
        "hermes" => hermes::DIALECT,
        "gpt_oss" => return Ok(Box::new(gpt_oss::Harmony::new(reasoning, forced_open))),
        "mistral" => mistral::DIALECT,
        "llama3_json" => return Ok(Box::new(llama3_json::Llama3::new(reasoning, forced_open))),
        _ => return Err(Error::UnknownFormat(format.to_owned())),
    };
    Ok(Box::new(Tagged::new(dialect, reasoning, forced_open)))
}
