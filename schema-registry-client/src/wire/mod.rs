//! Serdes in the Confluent wire format: magic byte 0, the schema id (4 bytes,
//! big-endian), the Avro binary encoding.

mod compiled;
mod config;
mod deserializer;
mod frame;
mod serializer;
mod strategy;

pub use compiled::Compiled;
pub use config::SerdeConfig;
pub use deserializer::AvroDeserializer;
pub use frame::{HEADER_LEN, MAGIC_BYTE, split_payload, start_payload};
pub use serializer::AvroSerializer;
pub use strategy::SubjectNameStrategy;

/// A short description of an Avro value's kind, for messages.
pub(crate) fn describe(value: &apache_avro::types::Value) -> String {
    format!("{:?}", apache_avro::schema::SchemaKind::from(value)).to_lowercase()
}
