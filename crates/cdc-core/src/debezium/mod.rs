//! Debezium's change-event envelope.

mod fast;
pub mod json;
mod schema;
mod source;

pub use json::{DebeziumJson, DebeziumRecord};
