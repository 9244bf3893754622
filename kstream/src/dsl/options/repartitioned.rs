//! [`Repartitioned`]: the options of [`KStream::repartition`](crate::KStream::repartition).

use std::fmt;
use std::sync::Arc;

use super::{NamedSerde, checked};
use crate::dsl::ops::Partitioner;
use crate::error::{Error, Result};
use crate::serdes::Serde;

/// How a stream is written to its repartition topic and read back (Kafka Streams'
/// `Repartitioned`): the serdes, the topic's name `<application.id>-<name>-repartition`,
/// its partition count, and the partitioner.
pub struct Repartitioned<K, V> {
    pub(crate) keys: NamedSerde<K>,
    pub(crate) values: NamedSerde<V>,
    pub(crate) name: Option<String>,
    pub(crate) partitions: Option<i32>,
    pub(crate) partitioner: Option<Partitioner<K, V>>,
}

impl<K, V> Repartitioned<K, V> {
    /// Repartitions with these serdes, by Kafka's default partitioner, into as many
    /// partitions as the input topics read with the repartition topic (a table it is
    /// joined with), or else as the application's largest input topic.
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Self {
            keys: NamedSerde::of(keys),
            values: NamedSerde::of(values),
            name: None,
            partitions: None,
            partitioner: None,
        }
    }

    /// Names the repartition topic `<application.id>-<name>-repartition` (Kafka
    /// Streams' `Repartitioned.withName`); a name Kafka refuses is
    /// [`Error::InvalidOption`](crate::Error::InvalidOption).
    pub fn named(mut self, name: impl Into<String>) -> Result<Self> {
        self.name = Some(checked("Repartitioned", name.into())?);
        Ok(self)
    }

    /// Creates the repartition topic with `count` partitions (Kafka Streams'
    /// `Repartitioned.withNumberOfPartitions`); zero, or more than `i32::MAX`, is
    /// [`Error::InvalidOption`](crate::Error::InvalidOption).
    pub fn partitions(mut self, count: u32) -> Result<Self> {
        match i32::try_from(count) {
            Ok(n) if n > 0 => {
                self.partitions = Some(n);
                Ok(self)
            }
            _ => Err(Error::InvalidOption {
                option: "Repartitioned partition count",
                value: count.to_string(),
                reason: "a topic has from 1 to 2147483647 partitions",
            }),
        }
    }

    /// Chooses partitions with `f(key, value, partition_count)` (Kafka Streams'
    /// `Repartitioned.withStreamPartitioner`).
    pub fn partitioner(mut self, f: impl Fn(&K, &V, i32) -> i32 + Send + Sync + 'static) -> Self {
        self.partitioner = Some(Arc::new(f));
        self
    }
}

impl<K, V> fmt::Debug for Repartitioned<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Repartitioned")
            .field("keys", &self.keys)
            .field("values", &self.values)
            .field("name", &self.name)
            .field("partitions", &self.partitions)
            .field("partitioner", &self.partitioner.as_ref().map(|_| "custom"))
            .finish()
    }
}
