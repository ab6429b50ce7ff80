//! Errors a caller can cause. Model output never produces an error.

use std::fmt;

/// A bad argument from the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The format name is not in the registry.
    UnknownFormat(String),
    /// The tool definitions are not valid.
    BadTools(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownFormat(name) => write!(
                f,
                "unknown tool-call format {name:?}; supported: {}",
                crate::formats::FORMATS.join(", ")
            ),
            Error::BadTools(why) => write!(f, "invalid tools: {why}"),
        }
    }
}

impl std::error::Error for Error {}
