//! `streamlog`: the partitioned log under every other crate of the workspace.
//!
//! Records (`key`/`value` as bytes, headers, timestamps), topics with partitions,
//! producers with Kafka's partitioner, consumer groups with rebalancing and committed
//! offsets, and transactions with `read_committed` visibility. Two backends share one
//! API: [`embedded`] (in-process, the default, no external service) and `kafka`
//! (librdkafka, feature `kafka`).
//!
//! ```
//! use std::time::Duration;
//! use streamlog::{Cluster, ClientConfig, ProducerRecord, TopicConfig};
//!
//! # fn main() -> streamlog::Result<()> {
//! let cluster = Cluster::embedded();
//! cluster.admin()?.create_topic("greetings", &TopicConfig::new(3))?;
//!
//! let producer = cluster.producer(&ClientConfig::new())?;
//! producer.send(ProducerRecord::new("greetings").key("alice").value("hello"))?;
//! producer.flush(Duration::from_secs(5))?;
//!
//! let mut consumer = cluster.consumer(
//!     &ClientConfig::new().group_id("readers").set("auto.offset.reset", "earliest"),
//! )?;
//! consumer.subscribe(&["greetings"])?;
//! let records = consumer.poll(Duration::from_secs(1))?;
//! assert_eq!(records.len(), 1);
//! assert_eq!(records[0].value.as_deref(), Some(&b"hello"[..]));
//! consumer.commit()?;
//! # Ok(())
//! # }
//! ```
//!
//! # Which traits are yours to implement
//!
//! A [`Cluster`] hands out its clients as [`Admin`], [`Producer`] and [`Consumer`] trait
//! objects, made by a [`Backend`]. These four traits are sealed: the embedded backend and
//! the Kafka backend are their implementations, which lets them gain methods in a minor
//! release. To add behaviour to a client, wrap the boxed client in a type of your own.
//!
//! ```compile_fail
//! use streamlog::{Admin, Backend, ClientConfig, Consumer, Producer, Result};
//! use streamlog::embedded::EmbeddedCluster;
//!
//! #[derive(Debug)]
//! struct Wrapped(EmbeddedCluster);
//!
//! // Refused: `Backend` is sealed.
//! impl Backend for Wrapped {
//!     fn name(&self) -> &'static str { "wrapped" }
//!     fn admin(&self, c: &ClientConfig) -> Result<Box<dyn Admin>> { self.0.admin(c) }
//!     fn producer(&self, c: &ClientConfig) -> Result<Box<dyn Producer>> { self.0.producer(c) }
//!     fn consumer(&self, c: &ClientConfig) -> Result<Box<dyn Consumer>> { self.0.consumer(c) }
//! }
//! ```
//!
//! The traits for your code are the hooks: [`RebalanceListener`] (runs when partitions
//! move), [`OffsetCommitter`] (what a listener commits through; implement it to test a
//! listener alone) and [`time::Clock`] (the time the embedded backend runs on).

#![warn(missing_debug_implementations, unreachable_pub)]

mod client;
mod cluster;
pub mod config;
pub mod embedded;
mod error;
#[cfg(feature = "kafka")]
pub mod kafka;
mod lent;
pub mod partitioner;
mod record;
mod sealed;
#[cfg(feature = "test-util")]
pub mod test_util;
pub mod time;

pub use client::{
    Admin, Consumer, DeliveryHandle, GroupMetadata, NoopListener, OffsetCommitter, PartitionLag, Producer,
    RebalanceListener, Watermarks,
};
pub use cluster::{Backend, Cluster};
pub use config::{AutoOffsetReset, CleanupPolicy, ClientConfig, IsolationLevel, TimestampType, TopicConfig};
pub use error::{Error, KafkaError, KafkaErrorCode, Result};
pub use lent::{HeadersRef, RecordRef};
pub use record::{
    Header, Headers, Offset, ProducerRecord, Record, RecordMetadata, Timestamp, TopicPartition,
};
