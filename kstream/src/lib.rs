//! `kstream`: Kafka Streams' DSL and runtime as a library. Build a topology of
//! [`KStream`]s and [`KTable`]s (filters, maps, joins, aggregations into state stores
//! backed by changelog topics), then run it inside any service over `streamlog`
//! (embedded or Kafka) with [`KafkaStreams`], or record by record with
//! [`TopologyTestDriver`].
//!
//! ```
//! use kstream::prelude::*;
//!
//! // Dangerous driving events joined with the driver table, and counted per driver.
//! let builder = StreamsBuilder::new();
//! let drivers = builder.table(
//!     "trucking_driver",
//!     Consumed::with(StringSerde, StringSerde),
//!     Materialized::with(StringSerde, StringSerde).named("drivers"),
//! );
//! let dangerous = builder
//!     .stream("truck_position", Consumed::with(StringSerde, StringSerde))
//!     .filter(|_, csv| csv.split(',').nth(4) != Some("Normal"));
//! dangerous
//!     .left_join(&drivers, |event, driver| format!("{event} by {}", driver.map_or("unknown", |d| d.as_str())))
//!     .to("dangerous_driving_and_driver", Produced::with(StringSerde, StringSerde));
//! let per_driver = Materialized::with(StringSerde, I64Serde).named("dangerous-per-driver");
//! let per_driver_store = per_driver.handle();
//! dangerous
//!     .group_by_key(Grouped::with(StringSerde, StringSerde))
//!     .count(per_driver);
//!
//! let driver = TopologyTestDriver::new(builder.build()?)?;
//! driver.input_topic("trucking_driver", StringSerde, StringSerde).pipe_input("31".into(), "Walter Ward".into())?;
//! let positions = driver.input_topic("truck_position", StringSerde, StringSerde);
//! positions.pipe_input("31".into(), "1522846456703,101,31,1927624662,Normal,37.31,-94.31,1".into())?;
//! positions.pipe_input("31".into(), "1522846456800,101,31,1927624662,Overspeed,37.31,-94.31,1".into())?;
//! let out = driver.output_topic("dangerous_driving_and_driver", StringSerde, StringSerde).read_key_values()?;
//! assert_eq!(out, vec![("31".to_string(), "1522846456800,101,31,1927624662,Overspeed,37.31,-94.31,1 by Walter Ward".to_string())]);
//! let counts = driver.store(&per_driver_store)?;
//! assert_eq!(counts.get(&"31".to_string())?, Some(1));
//! # Ok::<(), kstream::Error>(())
//! ```
//!
//! The same topology runs on a log with [`KafkaStreams`] (`KafkaStreams::new(topology,
//! Cluster::embedded(), StreamsConfig::new("trucking"))`). Every DSL operation, next to
//! its Kafka Streams name, is in the [DSL reference](dsl_reference).

#![warn(unreachable_pub)]

#[cfg(feature = "cdc")]
pub mod cdc;
pub mod config;
mod dsl;
mod error;
mod graph;
pub mod processor;
mod runtime;
pub mod serdes;
pub mod sim;
pub mod store;
mod test_driver;
pub mod window;

pub use config::{
    DeserializationHandler, ErrorHandler, ProcessingGuarantee, ProductionHandler, RecordHandling,
    StreamsConfig, TimestampExtractor,
};
pub use dsl::{
    Branched, BranchedKStream, BufferConfig, CogroupedKStream, Consumed, Deduplication, GlobalKTable,
    Grouped, Joined, KGroupedStream, KGroupedTable, KStream, KTable, Named, Partitioner, Produced,
    Repartitioned, SessionWindowedKStream, StreamJoined, StreamsBuilder, Suppressed, TableJoined,
    TimeWindowedKStream, TopicNameExtractor, Topology,
};
pub use error::{Error, Result, StoppedWaiting};
pub use graph::TopologyDescription;

/// The parts of a [`TopologyDescription`]: its sub-topologies and global stores, and
/// their nodes (Kafka Streams' `TopologyDescription.Subtopology`, `GlobalStore`, `Node`).
pub mod description {
    pub use crate::graph::{GlobalStore, Node, NodeDescription, Subtopology};
}
pub use processor::ProcessorError;
pub use processor::{
    FixedKeyProcessor, FixedKeyProcessorContext, FixedKeyRecord, Processor, ProcessorContext,
    PunctuationType, RecordContext,
};
pub use runtime::{
    HostInfo, KafkaStreams, KeyQueryMetadata, StateRestoreListener, StreamThreadExceptionResponse,
    StreamsMetadata, StreamsState, TaskId, ThreadMetadata, changelog_topic,
};
pub use serdes::{
    BytesSerde, F64Serde, I32Serde, I64Serde, JsonSerde, OptionSerde, Serde, StringSerde, UnitSerde,
};
pub use store::{AnyStoreHandle, SegmentedStore, StoreError, StoreHandle};
pub use store::{
    KeyValueStore, Materialized, NO_TIMESTAMP, ReadOnlyKeyValueStore, ReadOnlyTimestampedKeyValueStore,
    StoreKind, TimestampedKeyValueStore, ValueAndTimestamp,
};
pub use store::{PutOutcome, VersionedKeyValueStore, VersionedRecord};
pub use store::{SessionStore, WindowStore};
pub use test_driver::{
    DriverCommit, TEST_APPLICATION_ID, TestInputTopic, TestOutputTopic, TestRecord, TopologyTestDriver,
};
pub use window::{
    EmitStrategy, JoinWindows, SessionWindowedSerde, SessionWindows, SlidingWindows, TimeWindowedSerde,
    TimeWindows, Window, Windowed,
};

/// The log clients a topology runs on, and the records' headers, from `streamlog`: an
/// application that embeds a topology needs them from `kstream` alone.
pub use streamlog::{ClientConfig, Cluster, Header, Headers, ProducerRecord, TopicConfig, TopicPartition};

#[doc = include_str!("docs/dsl.md")]
pub mod dsl_reference {}

/// What a topology needs, in one import: `use kstream::prelude::*;` brings the
/// builder, the streams and tables, the options, the serdes, the stores, the processor
/// API, [`KafkaStreams`] and its [`StreamsConfig`], the [`TopologyTestDriver`], and the
/// log's [`Cluster`], [`ClientConfig`], [`TopicConfig`], [`ProducerRecord`] and
/// [`TopicPartition`].
pub mod prelude {
    #[cfg(feature = "avro")]
    pub use crate::serdes::AvroSerde;
    pub use crate::{
        Branched, BranchedKStream, BytesSerde, ClientConfig, Cluster, CogroupedKStream, Consumed,
        DriverCommit, F64Serde, FixedKeyProcessor, FixedKeyProcessorContext, FixedKeyRecord, GlobalKTable,
        Grouped, I32Serde, I64Serde, Joined, JsonSerde, KGroupedStream, KGroupedTable, KStream, KTable,
        KafkaStreams, KeyValueStore, Materialized, Named, OptionSerde, Processor, ProcessorContext,
        ProcessorError, Produced, ProducerRecord, PunctuationType, ReadOnlyKeyValueStore,
        ReadOnlyTimestampedKeyValueStore, RecordContext, Repartitioned, Serde, StoreHandle, StoreKind,
        StreamsBuilder, StreamsConfig, StreamsState, StringSerde, TableJoined, TestInputTopic,
        TestOutputTopic, TestRecord, TimestampedKeyValueStore, TopicConfig, TopicPartition, Topology,
        TopologyTestDriver, UnitSerde, ValueAndTimestamp,
    };
}

/// The README, whose examples run with the doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
