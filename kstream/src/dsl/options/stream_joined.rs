//! [`StreamJoined`]: the options of a stream-stream join.

use std::fmt;

use super::{NamedSerde, checked};
use crate::error::Result;
use crate::serdes::Serde;
use crate::store::StoreKind;

/// The options of a windowed stream-stream join (Kafka Streams' `StreamJoined`): the
/// serdes of the key and of both sides' values (each side's records are kept in a
/// window store for the other side to find), the join's name (its processors'
/// names: `<name>-this-join` ...) and its stores' name (`<store name>-this-join-store`
/// ...), and where the stores are kept.
pub struct StreamJoined<K, V, VO> {
    pub(crate) keys: NamedSerde<K>,
    pub(crate) values: NamedSerde<V>,
    pub(crate) other_values: NamedSerde<VO>,
    pub(crate) name: Option<String>,
    pub(crate) store_name: Option<String>,
    pub(crate) kind: Option<StoreKind>,
    pub(crate) logged: bool,
}

impl<K, V, VO> StreamJoined<K, V, VO> {
    /// The join's serdes: the key's, this stream's values' and the other stream's.
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>, other_values: impl Serde<VO>) -> Self {
        StreamJoined {
            keys: NamedSerde::of(keys),
            values: NamedSerde::of(values),
            other_values: NamedSerde::of(other_values),
            name: None,
            store_name: None,
            kind: None,
            logged: true,
        }
    }

    /// Names the join's processors (and its repartition topics, `<name>-left` and
    /// `<name>-right`); a name Kafka refuses is
    /// [`Error::InvalidOption`](crate::Error::InvalidOption).
    pub fn named(mut self, name: impl Into<String>) -> Result<Self> {
        self.name = Some(checked("StreamJoined", name.into())?);
        Ok(self)
    }

    /// Names the join's stores (and so their changelog topics).
    pub fn with_store_name(mut self, name: impl Into<String>) -> Result<Self> {
        self.store_name = Some(checked("StreamJoined", name.into())?);
        Ok(self)
    }

    /// Keeps the join's stores in `kind` (without it, `StreamsConfig::default_store`).
    pub fn with_store_kind(mut self, kind: StoreKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Turns the stores' changelogs off.
    pub fn with_logging_disabled(mut self) -> Self {
        self.logged = false;
        self
    }
}

impl<K, V, VO> fmt::Debug for StreamJoined<K, V, VO> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamJoined")
            .field("keys", &self.keys)
            .field("values", &self.values)
            .field("other_values", &self.other_values)
            .field("name", &self.name)
            .field("store_name", &self.store_name)
            .finish()
    }
}
