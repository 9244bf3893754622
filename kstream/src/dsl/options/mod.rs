//! The options of DSL operations, in Kafka Streams' shape: how records are read
//! ([`Consumed`]), written ([`Produced`]), grouped ([`Grouped`]), repartitioned
//! ([`Repartitioned`]) and joined ([`Joined`], [`TableJoined`]), and the names of operators ([`Named`])
//! and of split branches ([`Branched`]).
//!
//! One rule for all of them: an operation that needs serdes takes its options type as
//! its last argument (`to(topic, Produced)`, `group_by_key(Grouped)`); an operation
//! Kafka lets you name or configure further also has a `…_with` form taking the options
//! type as its last argument (`filter_with(predicate, Named)`, `join_with(&table,
//! joiner, Joined)`). Names are checked when given: a name Kafka refuses is
//! [`Error::InvalidOption`](crate::Error::InvalidOption) at that line.

mod branched;
mod joined;
mod named;
mod repartitioned;
mod stream_joined;
mod suppressed;
mod table_joined;

use std::fmt;
use std::sync::Arc;

pub use branched::Branched;
pub use joined::Joined;
pub use named::Named;
pub(crate) use named::{checked, topic_name_problem};
pub use repartitioned::Repartitioned;
pub use stream_joined::StreamJoined;
pub use suppressed::{BufferConfig, Suppressed};
pub(crate) use suppressed::{DueTime, WhenFull};
pub use table_joined::TableJoined;

use super::ops::Partitioner;
use crate::config::TimestampExtractor;
use crate::error::Result;
use crate::serdes::{Serde, SerdeRef};

/// A shared serde with the name of its type, which is what `Debug` shows of it.
pub(crate) struct NamedSerde<T> {
    pub(crate) serde: SerdeRef<T>,
    pub(crate) type_name: &'static str,
}

impl<T> NamedSerde<T> {
    pub(crate) fn of<S: Serde<T>>(serde: S) -> Self {
        Self {
            serde: Arc::new(serde),
            type_name: std::any::type_name::<S>(),
        }
    }
}

impl<T> Clone for NamedSerde<T> {
    fn clone(&self) -> Self {
        Self {
            serde: self.serde.clone(),
            type_name: self.type_name,
        }
    }
}

impl<T> fmt::Debug for NamedSerde<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name)
    }
}

/// The serdes a topic is read with, optionally its own timestamp extractor, and the
/// name of its source processor.
pub struct Consumed<K, V> {
    pub(crate) keys: NamedSerde<K>,
    pub(crate) values: NamedSerde<V>,
    pub(crate) extractor: Option<TimestampExtractor>,
    pub(crate) name: Option<String>,
}

impl<K, V> Consumed<K, V> {
    /// Reads keys and values with these serdes.
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Self {
            keys: NamedSerde::of(keys),
            values: NamedSerde::of(values),
            extractor: None,
            name: None,
        }
    }

    /// Takes this topic's event time from `extractor` instead of the application's
    /// `default.timestamp.extractor` (Kafka Streams' `Consumed.withTimestampExtractor`).
    pub fn with_timestamp_extractor(mut self, extractor: TimestampExtractor) -> Self {
        self.extractor = Some(extractor);
        self
    }

    /// Names the source processor (Kafka Streams' `Consumed.withName`); a name Kafka
    /// refuses is [`Error::InvalidOption`](crate::Error::InvalidOption).
    pub fn named(mut self, name: impl Into<String>) -> Result<Self> {
        self.name = Some(checked("Consumed", name.into())?);
        Ok(self)
    }
}

impl<K, V> fmt::Debug for Consumed<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumed")
            .field("keys", &self.keys)
            .field("values", &self.values)
            .field("extractor", &self.extractor)
            .field("name", &self.name)
            .finish()
    }
}

/// The serdes (and optionally the partitioner) a topic is written with, and the name of
/// its sink processor.
pub struct Produced<K, V> {
    pub(crate) keys: NamedSerde<K>,
    pub(crate) values: NamedSerde<V>,
    pub(crate) partitioner: Option<Partitioner<K, V>>,
    pub(crate) name: Option<String>,
}

impl<K, V> Produced<K, V> {
    /// Writes keys and values with these serdes, partitioned like Kafka's default
    /// partitioner (murmur2 of the key bytes).
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Self {
            keys: NamedSerde::of(keys),
            values: NamedSerde::of(values),
            partitioner: None,
            name: None,
        }
    }

    /// Chooses partitions with `f(key, value, partition_count)`.
    pub fn partitioner(mut self, f: impl Fn(&K, &V, i32) -> i32 + Send + Sync + 'static) -> Self {
        self.partitioner = Some(Arc::new(f));
        self
    }

    /// Names the sink processor (Kafka Streams' `Produced.withName`); a name Kafka
    /// refuses is [`Error::InvalidOption`](crate::Error::InvalidOption).
    pub fn named(mut self, name: impl Into<String>) -> Result<Self> {
        self.name = Some(checked("Produced", name.into())?);
        Ok(self)
    }
}

impl<K, V> fmt::Debug for Produced<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Produced")
            .field("keys", &self.keys)
            .field("values", &self.values)
            .field("partitioner", &self.partitioner.as_ref().map(|_| "custom"))
            .field("name", &self.name)
            .finish()
    }
}

/// The serdes records are grouped (and, after a key change, repartitioned) with.
pub struct Grouped<K, V> {
    pub(crate) keys: NamedSerde<K>,
    pub(crate) values: NamedSerde<V>,
    pub(crate) name: Option<String>,
}

impl<K, V> Grouped<K, V> {
    /// Groups with these serdes.
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Self {
            keys: NamedSerde::of(keys),
            values: NamedSerde::of(values),
            name: None,
        }
    }

    /// Names the repartition topic `<application.id>-<name>-repartition` (Kafka
    /// Streams' `Grouped.as`); a name Kafka refuses is
    /// [`Error::InvalidOption`](crate::Error::InvalidOption).
    pub fn named(mut self, name: impl Into<String>) -> Result<Self> {
        self.name = Some(checked("Grouped", name.into())?);
        Ok(self)
    }
}

impl<K, V> fmt::Debug for Grouped<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grouped")
            .field("keys", &self.keys)
            .field("values", &self.values)
            .field("name", &self.name)
            .finish()
    }
}
