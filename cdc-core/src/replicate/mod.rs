//! Qlik (Attunity) Replicate's Kafka message format: `data`, `beforeData`, `headers`,
//! optionally inside the `MessageEnvelope` with the `atMSG` magic.

pub mod json;
pub mod mask;
pub(crate) mod view;

pub use json::{ReplicateJson, ReplicateRecord};
