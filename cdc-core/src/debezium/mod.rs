//! Debezium's change-event envelope.

pub mod json;
mod schema;
mod source;
pub(crate) mod view;

pub use json::{DebeziumJson, DebeziumRecord};

/// The JSON of a source block (shared with the Avro form).
pub(crate) fn encode_source(source: &crate::event::Source) -> serde_json::Value {
    source::encode(source)
}

/// A source from its JSON block (shared with the Avro form).
pub(crate) fn decode_source(
    block: &serde_json::Map<String, serde_json::Value>,
    f: &crate::json::Fields<'_>,
) -> crate::Result<crate::event::Source> {
    source::decode(block, f)
}
