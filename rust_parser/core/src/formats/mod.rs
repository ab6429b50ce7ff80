//! The format registry: one name per wire-syntax family, each in its own file.
//!
//! Adding a format: write `formats/<name>.rs` exposing a [`Dialect`](crate::machine::Dialect)
//! (or a [`Machine`] for a protocol that does not fit the common shape), add its name to
//! [`FORMATS`] and a line to [`build`], and markers to `detect.rs`.

use crate::error::Error;
use crate::machine::{Machine, Tagged};

pub mod deepseek_r1;
pub mod deepseek_v3;
pub mod deepseek_v31;
pub mod deepseek_v32;
pub mod glm45;
pub mod gpt_oss;
pub mod hermes;
pub mod kimi_k2;
pub mod llama3_json;
pub mod minimax_m2;
pub mod mistral;
pub mod qwen3_coder;
pub mod seed_oss;
// Tier 2.
pub mod apertus;
pub mod command_r7b;
pub mod firefunction_v2;
pub mod functionary_v3_1;
pub mod functionary_v3_2;
pub mod gemma4;
pub mod granite;
pub mod lfm2;
pub mod llama_cpp_generic_json;
pub mod nemotron_v2;
pub mod pythonic;

/// Supported format names.
pub const FORMATS: &[&str] = &[
    "hermes",
    "qwen3_coder",
    "kimi_k2",
    "deepseek_r1",
    "deepseek_v3",
    "deepseek_v31",
    "deepseek_v32",
    "glm45",
    "gpt_oss",
    "mistral",
    "llama3_json",
    "minimax_m2",
    "seed_oss",
    "pythonic",
    "command_r7b",
    "granite",
    "functionary_v3_1",
    "functionary_v3_2",
    "lfm2",
    "gemma4",
    "nemotron_v2",
    "apertus",
    "firefunction_v2",
    "llama_cpp_generic_json",
];

/// Builds the machine for `format`.
///
/// # Errors
/// `Error::UnknownFormat` for a name not in [`FORMATS`].
pub fn build(format: &str, reasoning: bool, forced_open: bool) -> Result<Box<dyn Machine>, Error> {
    let dialect = match format {
        "hermes" => hermes::DIALECT,
        "qwen3_coder" => qwen3_coder::DIALECT,
        "kimi_k2" => return Ok(kimi_k2::machine(reasoning, forced_open)),
        "deepseek_r1" => return Ok(deepseek_r1::machine(reasoning, forced_open)),
        "deepseek_v3" => return Ok(deepseek_v3::machine(reasoning, forced_open)),
        "deepseek_v31" => return Ok(deepseek_v31::machine(reasoning, forced_open)),
        "deepseek_v32" => return Ok(deepseek_v32::machine(reasoning, forced_open)),
        "glm45" => glm45::DIALECT,
        "gpt_oss" => return Ok(Box::new(gpt_oss::Harmony::new(reasoning, forced_open))),
        "mistral" => mistral::DIALECT,
        "llama3_json" => return Ok(Box::new(llama3_json::Llama3::new(reasoning, forced_open))),
        "minimax_m2" => minimax_m2::DIALECT,
        "seed_oss" => seed_oss::DIALECT,
        "pythonic" => return Ok(pythonic::machine(reasoning, forced_open)),
        "command_r7b" => return Ok(command_r7b::machine(reasoning, forced_open)),
        "granite" => granite::DIALECT,
        "functionary_v3_1" => return Ok(functionary_v3_1::machine(reasoning, forced_open)),
        "functionary_v3_2" => return Ok(functionary_v3_2::machine(reasoning, forced_open)),
        "lfm2" => return Ok(lfm2::machine(reasoning, forced_open)),
        "gemma4" => return Ok(gemma4::machine(reasoning, forced_open)),
        "nemotron_v2" => return Ok(nemotron_v2::machine(reasoning, forced_open)),
        "apertus" => return Ok(apertus::machine(reasoning, forced_open)),
        "firefunction_v2" => firefunction_v2::DIALECT,
        "llama_cpp_generic_json" => return Ok(llama_cpp_generic_json::machine(reasoning, forced_open)),
        _ => {
            return Err(Error::UnknownFormat {
                name: format.to_owned(),
                supported: FORMATS,
            })
        }
    };
    Ok(Box::new(Tagged::new(dialect, reasoning, forced_open)))
}
