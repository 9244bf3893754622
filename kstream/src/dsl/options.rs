//! How records are read, written and grouped: serdes and partitioners.

use std::sync::Arc;

use super::nodes::Partitioner;
use crate::config::TimestampExtractor;
use crate::serdes::{Serde, SerdeRef};

/// The serdes a topic is read with, and optionally its own timestamp extractor.
pub struct Consumed<K, V> {
    pub(crate) keys: SerdeRef<K>,
    pub(crate) values: SerdeRef<V>,
    pub(crate) extractor: Option<TimestampExtractor>,
}

impl<K, V> Consumed<K, V> {
    /// Reads keys and values with these serdes.
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Self {
            keys: Arc::new(keys),
            values: Arc::new(values),
            extractor: None,
        }
    }

    /// Takes this topic's event time from `extractor` instead of the application's
    /// `default.timestamp.extractor` (Kafka Streams' `Consumed.withTimestampExtractor`).
    pub fn with_timestamp_extractor(mut self, extractor: TimestampExtractor) -> Self {
        self.extractor = Some(extractor);
        self
    }
}

/// The serdes (and optionally the partitioner) a topic is written with.
pub struct Produced<K, V> {
    pub(crate) keys: SerdeRef<K>,
    pub(crate) values: SerdeRef<V>,
    pub(crate) partitioner: Option<Partitioner<K, V>>,
}

impl<K, V> Produced<K, V> {
    /// Writes keys and values with these serdes, partitioned like Kafka's default
    /// partitioner (murmur2 of the key bytes).
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Self {
            keys: Arc::new(keys),
            values: Arc::new(values),
            partitioner: None,
        }
    }

    /// Chooses partitions with `f(key, value, partition_count)`.
    pub fn partitioner(mut self, f: impl Fn(&K, &V, i32) -> i32 + Send + Sync + 'static) -> Self {
        self.partitioner = Some(Arc::new(f));
        self
    }
}

/// The serdes records are grouped (and, after a key change, repartitioned) with.
pub struct Grouped<K, V> {
    pub(crate) keys: SerdeRef<K>,
    pub(crate) values: SerdeRef<V>,
    pub(crate) name: Option<String>,
}

impl<K, V> Grouped<K, V> {
    /// Groups with these serdes.
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Self {
            keys: Arc::new(keys),
            values: Arc::new(values),
            name: None,
        }
    }

    /// Names the repartition topic `<application.id>-<name>-repartition`.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}
