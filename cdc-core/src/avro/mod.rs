//! What the Avro forms of both envelopes share: the rows' column types and schema, and
//! Avro binary in and out. The codecs are [`DebeziumAvro`](crate::DebeziumAvro) and
//! [`ReplicateAvro`](crate::ReplicateAvro); the registry's wire framing belongs to
//! `schema-registry-client`.
//!
//! Avro needs the column types, which a [`RowSchema`] gives: from the table, from a
//! Kafka Connect schema ([`RowSchema::from_connect`]), or inferred from a row. Every
//! column is a `["null", type]` union with default null.

mod column;
mod connect;
mod datum;
mod key;
mod rows;
mod unavailable;

pub use column::ColumnType;
pub(crate) use datum::{CompiledSchema, field, parse_schema, read_datum, to_json, unwrap_union, wrong};
pub use datum::{decode_datum, encode_datum};
pub(crate) use key::{KeySchema, decode_key, encode_key};
pub use rows::RowSchema;

const FORMAT: &str = "avro";
