//! Errors a caller can cause. Model output never produces an error.

use std::fmt;

/// A bad argument from the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The format name is not in the registry; the error carries the registry's names, so that
    /// it can say what is supported without this module depending on the registry.
    UnknownFormat {
        /// The name asked for.
        name: String,
        /// The registered names.
        supported: &'static [&'static str],
    },
    /// The tool definitions are not valid.
    BadTools(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownFormat { name, supported } => write!(
                f,
                "unknown tool-call format {name:?}; supported: {}",
                supported.join(", ")
            ),
            Error::BadTools(why) => write!(f, "invalid tools: {why}"),
        }
    }
}

impl std::error::Error for Error {}
