//! [`Joined`]: the options of a stream-table join.

use std::fmt;

use super::{NamedSerde, checked};
use crate::error::Result;
use crate::serdes::Serde;

/// The options of a stream-table join (Kafka Streams' `Joined`): the join processor's
/// name, and the stream's serdes for the repartition topic
/// `<application.id>-<name>-repartition` that a join after a key change goes through (the
/// table side is already stored with its own serdes).
pub struct Joined<K, V> {
    pub(crate) keys: Option<NamedSerde<K>>,
    pub(crate) values: Option<NamedSerde<V>>,
    pub(crate) name: Option<String>,
}

impl<K, V> Joined<K, V> {
    /// The stream's serdes, used when the stream's key was changed and it must be
    /// repartitioned before the join.
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Self {
            keys: Some(NamedSerde::of(keys)),
            values: Some(NamedSerde::of(values)),
            name: None,
        }
    }

    /// A name only (Kafka Streams' `Joined.as`): enough for a stream whose key was not
    /// changed; a stream that must be repartitioned needs [`Joined::with`]'s serdes.
    pub fn as_(name: impl Into<String>) -> Result<Self> {
        Ok(Self {
            keys: None,
            values: None,
            name: Some(checked("Joined", name.into())?),
        })
    }

    /// Names the join processor and its repartition topic; a name Kafka refuses is
    /// [`Error::InvalidOption`](crate::Error::InvalidOption).
    pub fn named(mut self, name: impl Into<String>) -> Result<Self> {
        self.name = Some(checked("Joined", name.into())?);
        Ok(self)
    }
}

impl<K, V> fmt::Debug for Joined<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Joined")
            .field("keys", &self.keys)
            .field("values", &self.values)
            .field("name", &self.name)
            .finish()
    }
}
