//! Debezium's change-event envelope: as the JSON converter writes it
//! ([`DebeziumJson`]) and in Avro form ([`DebeziumAvro`]); the events of its schema
//! change topic ([`DebeziumSchemaChangeJson`]) and its transaction metadata events
//! ([`DebeziumTransactionJson`]).

mod avro;
mod json;
mod schema;
mod schema_change;
mod source;
pub mod transaction;
pub(crate) mod view;

pub use avro::DebeziumAvro;
pub use json::{DebeziumJson, DebeziumRecord};
pub use schema_change::{
    ColumnDefinition, DebeziumSchemaChangeJson, SchemaChange, SchemaChangeRecord, TableChange,
    TableChangeType, TableDefinition,
};

/// The value of a field from its JSON and its Kafka Connect schema (for the unwrap
/// transform, which reads envelope fields and column defaults).
pub(crate) fn column_value(
    json: &serde_json::Value,
    schema: &serde_json::Value,
    path: &str,
) -> crate::Result<crate::Value> {
    schema::decode(json, schema, path)
}

/// The JSON of a field's value under its Kafka Connect schema (the inverse of
/// [`column_value`]).
pub(crate) fn column_json(value: &crate::Value, schema: &serde_json::Value) -> serde_json::Value {
    schema::encode(value, schema)
}
pub use transaction::{
    DataCollectionCount, DebeziumTransactionJson, TransactionBoundary, TransactionMetadata,
    TransactionMetadataRecord,
};
