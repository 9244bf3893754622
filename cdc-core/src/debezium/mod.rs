//! Debezium's change-event envelope: as the JSON converter writes it
//! ([`DebeziumJson`]) and in Avro form ([`DebeziumAvro`]); and its transaction metadata
//! events ([`DebeziumTransactionJson`]).

mod avro;
mod json;
mod schema;
mod source;
pub mod transaction;
pub(crate) mod view;

pub use avro::DebeziumAvro;
pub use json::{DebeziumJson, DebeziumRecord};
pub use transaction::{
    DataCollectionCount, DebeziumTransactionJson, TransactionBoundary, TransactionMetadata,
    TransactionMetadataRecord,
};
