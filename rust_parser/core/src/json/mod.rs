//! JSON pieces: the pass-through value scanner and healing.

pub mod value;

pub use value::{heal_json, valid_number, JsonValue, Status};
