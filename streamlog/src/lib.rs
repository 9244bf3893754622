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
#[cfg(feature = "test-util")]
pub mod test_util;
pub mod time;

pub use client::{
    Admin, Consumer, DeliveryHandle, GroupMetadata, NoopListener, OffsetCommitter, PartitionLag, Producer,
    RebalanceListener, Watermarks,
};
pub use cluster::{Backend, Cluster};
pub use config::{AutoOffsetReset, CleanupPolicy, ClientConfig, IsolationLevel, TimestampType, TopicConfig};
pub use error::{Error, Result};
pub use lent::{HeadersRef, RecordRef};
pub use record::{
    Header, Headers, Offset, ProducerRecord, Record, RecordMetadata, Timestamp, TopicPartition,
};
