#![doc = include_str!("../README.md")]
//!
//! # Where things are
//!
//! [`Cluster`] makes the clients; [`embedded`] and `kafka` (feature `kafka`) are the
//! backends; [`config`] holds client and topic configuration, [`time`] the injected
//! clock, [`partitioner`] Kafka's key partitioner, and `test_util` (feature
//! `test-util`) the helpers for tests.
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

#![warn(unreachable_pub)]

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
    Header, Headers, Offset, OffsetAndMetadata, ProducerRecord, Record, RecordMetadata, Timestamp,
    TopicPartition,
};
