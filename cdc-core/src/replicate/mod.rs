//! Qlik (Attunity) Replicate's Kafka message format: `data`, `beforeData`, `headers`,
//! optionally inside the `MessageEnvelope` with the `atMSG` magic; as JSON
//! ([`ReplicateJson`]) and as Avro ([`ReplicateAvro`]).

mod avro;
mod json;
pub mod mask;
mod record;
pub(crate) mod view;

pub use avro::ReplicateAvro;
pub use json::{ReplicateJson, ReplicateRecord};
pub use record::MAGIC;
