//! JSON pieces: the pass-through value scanner and healing.

pub(crate) mod value;

pub use value::heal_json;
pub(crate) use value::{valid_number, JsonValue, Status};
