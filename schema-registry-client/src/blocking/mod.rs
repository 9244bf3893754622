//! The registry client for blocking callers: [`Registry`] (every
//! [`SchemaRegistry`](crate::SchemaRegistry) call), [`AvroSerializer`] and
//! [`AvroDeserializer`].
//!
//! # The rule
//!
//! The client is async. Its blocking facade drives the async client's futures on
//! **one shared background runtime** (one worker thread named `schema-registry-client`,
//! started on first use, kept for the life of the process) and waits for the answer
//! on a channel. It never calls `block_on` on the caller's thread, so it works the
//! same from a plain thread, from a stream thread, and from inside a tokio runtime
//! (`#[tokio::main]`, an axum handler), where `reqwest::blocking` or a runtime owned
//! per object would panic.
//!
//! - **Cached paths never wait.** A call is polled once on the caller's thread first:
//!   a schema or id the caches hold (or the in-memory registry's answer) comes back at
//!   once, with no thread hop. The serdes encode and decode on the caller's thread and
//!   go to the background runtime only for the registry (a topic's first value, a
//!   writer schema id not seen before).
//! - **Waiting blocks the calling thread.** Inside an async runtime that is a worker
//!   thread held for the length of one registry request: fine for a topology's
//!   first records, but prefer the async API for calls on a hot async path. A
//!   registry served by the very current-thread runtime that waits cannot answer.
//! - **The HTTP client's exchanges run on the same background runtime**, also when
//!   called through the async API: its pooled connections live on a runtime that
//!   is always running, so one [`HttpRegistry`](crate::HttpRegistry) can be shared by
//!   async code on any runtime and by blocking code.
//!
//! ```
//! use schema_registry_client::blocking::{AvroDeserializer, AvroSerializer};
//! use schema_registry_client::{SerdeConfig, registry_from_url};
//!
//! #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
//! struct Member { id: i64, name: String }
//!
//! let schema = r#"{"type":"record","name":"Member","fields":[
//!     {"name":"id","type":"long"},{"name":"name","type":"string"}]}"#;
//! let registry = registry_from_url("mock://blocking-module-doc").unwrap();
//! let serializer = AvroSerializer::for_text(registry.clone(), schema, SerdeConfig::default())?;
//! let deserializer = AvroDeserializer::for_text(registry, schema)?;
//! let payload = serializer.serialize("members", &Member { id: 7, name: "Ada".into() })?;
//! let member: Member = deserializer.deserialize(&payload)?;
//! assert_eq!(member.name, "Ada");
//! # Ok::<(), schema_registry_client::Error>(())
//! ```

mod registry;
mod runtime;
mod serdes;

pub use registry::Registry;
pub(crate) use runtime::on_shared_runtime;
pub use serdes::{AvroDeserializer, AvroSerializer};
