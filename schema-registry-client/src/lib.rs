//! A Confluent-compatible schema registry client, an in-memory registry with the same
//! rules, the Avro compatibility checker, and serdes in the Confluent wire format.
//!
//! ```
//! use std::sync::Arc;
//! use schema_registry_client::{
//!     AvroDeserializer, AvroSerializer, MemoryRegistry, SchemaRegistry, SerdeConfig,
//! };
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize)]
//! struct Member { id: i64, name: String }
//!
//! #[derive(Debug, PartialEq, Deserialize)]
//! struct MemberV2 { id: i64, name: String, level: String }
//!
//! # futures::executor::block_on(async {
//! // `registry_from_url("mock://scope")` or `registry_from_url("http://host:8081")`
//! // give the same trait object.
//! let registry: Arc<dyn SchemaRegistry> = Arc::new(MemoryRegistry::new());
//! let v1 = r#"{"type":"record","name":"Member","fields":[
//!     {"name":"id","type":"long"},{"name":"name","type":"string"}]}"#;
//! let serializer = AvroSerializer::for_text(registry.clone(), v1, SerdeConfig::default()).await?;
//! let payload = serializer.serialize("members", &Member { id: 7, name: "Ada".into() }).await?;
//! assert_eq!(&payload[..5], &[0, 0, 0, 0, 1]); // magic byte, schema id 1
//!
//! // A consumer on a newer schema: `level` was added with a default.
//! let v2 = r#"{"type":"record","name":"Member","fields":[
//!     {"name":"id","type":"long"},{"name":"name","type":"string"},
//!     {"name":"level","type":"string","default":"basic"}]}"#;
//! let deserializer = AvroDeserializer::for_text(registry.clone(), v2).await?;
//! let member: MemberV2 = deserializer.deserialize(&payload).await?;
//! assert_eq!(member, MemberV2 { id: 7, name: "Ada".into(), level: "basic".into() });
//!
//! // Registering an incompatible change fails with the registry's 409 and a reason.
//! let v3 = r#"{"type":"record","name":"Member","fields":[
//!     {"name":"id","type":"long"},{"name":"tier","type":"int"}]}"#;
//! let err = registry
//!     .register(
//!         "members-value",
//!         &schema_registry_client::Schema::avro(v3),
//!         schema_registry_client::RegisterOptions::default(),
//!     )
//!     .await
//!     .unwrap_err();
//! assert_eq!(err.code(), Some(schema_registry_client::ErrorCode::Incompatible));
//! assert!(err.to_string().contains("field `tier`"), "{err}");
//! # Ok::<(), schema_registry_client::Error>(())
//! # }).unwrap();
//! ```
//!
//! The parts:
//! - [`SchemaRegistry`]: the REST API as a trait; [`HttpRegistry`] (reqwest with
//!   rustls, failover across URLs, retries with backoff), [`MemoryRegistry`], and
//!   [`CachedRegistry`] in front of either. [`registry_from_url`] picks by URL.
//! - [`compat`]: the Avro compatibility checker, usable on its own.
//! - [`wire`]: [`AvroSerializer`] and [`AvroDeserializer`], subject name strategies.
//! - [`blocking`]: the same registry calls and serdes for blocking callers, run on one
//!   shared background runtime (never `block_on` on the caller's thread, so they also
//!   work inside an async runtime); cached answers come back without waiting.
//! - Call options ([`RegisterOptions`], [`LookupOptions`], [`ReadOptions`],
//!   [`CompatibilityOptions`], [`SettingOptions`], [`Deletion`]): the REST API's query
//!   flags as named types.
//! - `server` (feature `server`): the in-memory registry over HTTP, and the
//!   `schema-registry` binary.

#![warn(unreachable_pub)]

pub mod avro;
pub mod blocking;
pub mod cache;
pub mod compat;
mod error;
pub mod http;
pub mod memory;
mod model;
mod options;
mod registry;
#[cfg(feature = "server")]
pub mod server;
pub mod wire;

pub use cache::CachedRegistry;
pub use error::{Error, ErrorCode, Result};
pub use http::{HttpConfig, HttpRegistry};
pub use memory::MemoryRegistry;
pub use model::{
    CompatibilityLevel, CompatibilityReport, Mode, RegisteredSchema, Schema, SchemaReference, SchemaType,
    SubjectFilter, SubjectVersion, Version,
};
pub use options::{
    CompatibilityOptions, Deletion, LookupOptions, ReadOptions, RegisterOptions, SettingOptions,
};
pub use registry::{SchemaRegistry, mock_registry, registry_from_properties, registry_from_url};
pub use wire::{AvroDeserializer, AvroSerializer, SerdeConfig, SubjectNameStrategy};

/// The README, whose example runs with the doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
