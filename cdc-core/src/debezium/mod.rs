//! Debezium's change-event envelope: as the JSON converter writes it
//! ([`DebeziumJson`]) and in Avro form ([`DebeziumAvro`]); and the events of its schema
//! change topic ([`DebeziumSchemaChangeJson`]).

mod avro;
mod json;
mod schema;
mod schema_change;
mod source;
pub(crate) mod view;

pub use avro::DebeziumAvro;
pub use json::{DebeziumJson, DebeziumRecord};
pub use schema_change::{
    ColumnDefinition, DebeziumSchemaChangeJson, SchemaChange, SchemaChangeRecord, TableChange,
    TableChangeType, TableDefinition,
};
