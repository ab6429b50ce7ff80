//! The format registry: one name per wire-syntax family, each in its own file.
//!
//! Adding a format: write `formats/<name>.rs` exporting its [`Spec`] (name, machine, how it is
//! detected, how it writes a call) and add the spec to [`SPECS`] where its specificity puts it;
//! [`FORMATS`], [`build`], [`spec`], detection and the forced-call grammar derive from it.

use crate::error::Error;
use crate::machine::Machine;
use crate::spec::Spec;

mod deepseek;
pub(crate) mod glm45;
pub(crate) mod gpt_oss;
pub(crate) mod hermes;
pub(crate) mod kimi_k2;
pub(crate) mod llama3_json;
pub(crate) mod minimax_m2;
pub(crate) mod mistral;
pub(crate) mod qwen3_coder;
pub(crate) mod seed_oss;
// Tier 2.
pub(crate) mod apertus;
pub(crate) mod command_r7b;
pub(crate) mod firefunction_v2;
pub(crate) mod functionary_v3_1;
pub(crate) mod functionary_v3_2;
pub(crate) mod gemma4;
pub(crate) mod granite;
pub(crate) mod lfm2;
pub(crate) mod llama_cpp_generic_json;
pub(crate) mod nemotron_v2;
pub(crate) mod pythonic;

/// Every format's declaration, in the order of [`FORMATS`]: also the order detection tries
/// them, most specific first (a template or name that matches two formats is the earlier one's:
/// Granite 4 templates also write `<tool_call>`, a Qwen3-Coder name also contains `qwen`).
pub const SPECS: &[Spec] = &[
    command_r7b::SPEC,
    granite::SPEC,
    functionary_v3_1::SPEC,
    functionary_v3_2::SPEC,
    firefunction_v2::SPEC,
    gemma4::SPEC,
    nemotron_v2::SPEC,
    apertus::SPEC,
    lfm2::SPEC,
    pythonic::SPEC,
    kimi_k2::SPEC,
    deepseek::v32::SPEC,
    deepseek::v31::SPEC,
    deepseek::r1::SPEC,
    deepseek::v3::SPEC,
    gpt_oss::SPEC,
    minimax_m2::SPEC,
    seed_oss::SPEC,
    glm45::SPEC,
    mistral::SPEC,
    qwen3_coder::SPEC,
    hermes::SPEC,
    llama3_json::SPEC,
    llama_cpp_generic_json::SPEC,
];

const N: usize = SPECS.len();

/// The names of [`SPECS`], made at compile time.
const NAMES: [&str; N] = {
    let mut names = [""; N];
    let mut i = 0;
    while i < N {
        names[i] = SPECS[i].name;
        i += 1;
    }
    names
};

/// Supported format names.
pub const FORMATS: &[&str] = &NAMES;

/// The declaration of `format`.
///
/// # Errors
/// `Error::UnknownFormat` for a name not in [`FORMATS`].
pub fn spec(format: &str) -> Result<&'static Spec, Error> {
    SPECS
        .iter()
        .find(|s| s.name == format)
        .ok_or_else(|| Error::UnknownFormat {
            name: format.to_owned(),
            supported: FORMATS,
        })
}

/// Builds the machine for `format`.
///
/// # Errors
/// `Error::UnknownFormat` for a name not in [`FORMATS`].
pub(crate) fn build(format: &str, reasoning: bool, forced_open: bool) -> Result<Box<dyn Machine>, Error> {
    Ok((spec(format)?.build)(reasoning, forced_open))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        for (i, a) in FORMATS.iter().enumerate() {
            assert!(!FORMATS[i + 1..].contains(a), "{a} registered twice");
        }
    }
}
