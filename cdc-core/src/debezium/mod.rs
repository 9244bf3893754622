//! Debezium's change-event envelope: as the JSON converter writes it
//! ([`DebeziumJson`]) and in Avro form ([`DebeziumAvro`]).

mod avro;
mod json;
mod schema;
mod source;
pub(crate) mod view;

pub use avro::DebeziumAvro;
pub use json::{DebeziumJson, DebeziumRecord};
