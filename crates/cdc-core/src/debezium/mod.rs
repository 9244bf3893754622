//! Debezium's change-event envelope.

pub mod json;
mod schema;
mod source;

pub use json::{DebeziumJson, DebeziumRecord};
