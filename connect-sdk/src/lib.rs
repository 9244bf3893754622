//! Kafka Connect's model in Rust: schemas and values, records, converters chosen by
//! their Java class names, and single message transforms with Kafka's config keys.
//!
//! ```
//! use connect_sdk::config::Properties;
//! use connect_sdk::convert::{Converter, JsonConverter};
//! use connect_sdk::record::ConnectRecord;
//! use connect_sdk::transforms::TransformChain;
//!
//! // Seed 003: the card number is masked before the record leaves.
//! let config = Properties::from([
//!     ("transforms".into(), "mask".into()),
//!     ("transforms.mask.type".into(), "org.apache.kafka.connect.transforms.MaskField$Value".into()),
//!     ("transforms.mask.fields".into(), "cc".into()),
//! ]);
//! let mut chain = TransformChain::from_properties(&config)?;
//! let mut json = JsonConverter::new(true);
//! let bytes = br#"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"user"},
//!     {"type":"string","optional":true,"field":"cc"}],"optional":false},
//!     "payload":{"user":"ann","cc":"4111-1111-1111-1111"}}"#;
//! let (schema, value) = json.decode("pageviews", Some(bytes))?;
//! let record = chain.apply(ConnectRecord::new("pageviews", schema, value))?.unwrap();
//! let out = json.encode("pageviews", record.value_schema.as_ref(), &record.value)?.unwrap();
//! assert!(String::from_utf8(out).unwrap().ends_with(r#""payload":{"user":"ann","cc":""}}"#));
//! # Ok::<(), connect_sdk::Error>(())
//! ```
//!
//! - [`data`]: schemas, values, structs and the logical types (Decimal, Date, Time,
//!   Timestamp).
//! - [`record`]: Connect records, source records and sink records.
//! - [`convert`]: `JsonConverter` (its bytes are Kafka's), `StringConverter`,
//!   `ByteArrayConverter`, the number converters, and `AvroConverter` (feature `avro`).
//! - [`transforms`]: single message transforms and the chain a config declares.
//! - [`config`]: properties read with Kafka's parsing rules; [`config_def`]: keys
//!   declared with types, defaults, validators, importance and docs, as `ConfigDef`.
//! - [`connector`]: the source and sink connector and task traits a worker runs.
//! - [`connectors`]: the built-in connectors: Kafka's `FileStreamSource` and
//!   `FileStreamSink`, and a data generator (`Datagen`) for demos and benchmarks.
//! - [`pipeline`]: a connector config's converters and transforms run over records,
//!   inside a connector's own tests or a worker.

pub mod config;
pub mod config_def;
pub mod connector;
pub mod connectors;
pub mod convert;
pub mod data;
mod error;
pub mod pipeline;
pub mod record;
#[cfg(feature = "rest")]
pub mod rest;
pub mod transforms;
pub mod worker;

pub use error::{Error, Result};

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
