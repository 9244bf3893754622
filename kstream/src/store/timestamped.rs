//! Timestamped views of state stores: each value with the timestamp of the record that
//! wrote it, as Kafka Streams' `TimestampedKeyValueStore` and `ValueAndTimestamp`.

use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;

use super::error::StoreError;
use super::state::{Stamped, StateStore};
use super::typed::{bound, key_bytes, merged, prefix_bounds, prefix_bytes, prefix_range, stored, value_of};
use crate::error::Result;
use crate::serdes::{Serde, SerdeRef};

/// A value and the timestamp (epoch milliseconds) of the record that wrote it;
/// [`NO_TIMESTAMP`](super::NO_TIMESTAMP) when that is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValueAndTimestamp<V> {
    /// The value.
    pub value: V,
    /// The record timestamp.
    pub timestamp: i64,
}

impl<V> ValueAndTimestamp<V> {
    /// `value` written at `timestamp`.
    pub fn new(value: V, timestamp: i64) -> Self {
        Self { value, timestamp }
    }
}

/// A typed timestamped key-value store, as a processor sees it (read and write): the
/// stores of the DSL's tables and aggregations, and processor API stores declared with
/// [`Materialized::timestamped`](super::Materialized::timestamped).
///
/// ```
/// use kstream::{Consumed, Grouped, I64Serde, Materialized, StreamsBuilder, StringSerde, TopologyTestDriver};
///
/// let counts = Materialized::with(StringSerde, I64Serde).named("counts");
/// let handle = counts.handle();
/// let builder = StreamsBuilder::new();
/// builder
///     .stream("words", Consumed::with(StringSerde, StringSerde))
///     .group_by_key(Grouped::with(StringSerde, StringSerde))
///     .count(counts);
/// let driver = TopologyTestDriver::new(builder.build()?)?;
/// let words = driver.input_topic("words", StringSerde, StringSerde);
/// words.pipe_input_at("kafka".into(), "".into(), 5_000)?;
/// words.pipe_input_at("kafka".into(), "".into(), 3_000)?;
/// // The count, stamped with the latest timestamp of the records counted.
/// let count = driver.timestamped_store(&handle)?.get(&"kafka".into())?.unwrap();
/// assert_eq!((count.value, count.timestamp), (2, 5_000));
/// # Ok::<(), kstream::Error>(())
/// ```
pub struct TimestampedKeyValueStore<K, V> {
    store: Arc<StateStore>,
    keys: SerdeRef<K>,
    values: SerdeRef<V>,
}

impl<K, V> Clone for TimestampedKeyValueStore<K, V> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            keys: self.keys.clone(),
            values: self.values.clone(),
        }
    }
}

impl<K, V> std::fmt::Debug for TimestampedKeyValueStore<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimestampedKeyValueStore")
            .field("name", &self.store.name())
            .finish()
    }
}

impl<K: 'static, V: 'static> TimestampedKeyValueStore<K, V> {
    /// The timestamped view of `store`, if it keeps timestamps.
    pub(crate) fn new(store: Arc<StateStore>, keys: SerdeRef<K>, values: SerdeRef<V>) -> Result<Self> {
        if !store.timestamped() {
            return Err(store.error(StoreError::NotTimestamped));
        }
        Ok(Self { store, keys, values })
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        self.store.name()
    }

    /// The value of `key` and its timestamp.
    pub fn get(&self, key: &K) -> Result<Option<ValueAndTimestamp<V>>> {
        Ok(self.get_with_key(key)?.1)
    }

    /// Sets `key` to `value`, written by a record of `timestamp`.
    pub fn put(&self, key: &K, value: &V, timestamp: i64) -> Result<()> {
        self.put_bytes(key_bytes(&self.store, &self.keys, key)?, value, timestamp)?;
        Ok(())
    }

    /// Removes `key`.
    pub fn delete(&self, key: &K) -> Result<()> {
        self.delete_bytes(key_bytes(&self.store, &self.keys, key)?);
        Ok(())
    }

    /// Entries with `from <= key <= to` (by the keys' serialized bytes), in order.
    pub fn range(&self, from: &K, to: &K) -> Result<Vec<(K, ValueAndTimestamp<V>)>> {
        let (f, t) = (
            key_bytes(&self.store, &self.keys, from)?,
            key_bytes(&self.store, &self.keys, to)?,
        );
        self.entries(Bound::Included(&f), Bound::Included(&t))
    }

    /// Every entry, in key order.
    pub fn all(&self) -> Result<Vec<(K, ValueAndTimestamp<V>)>> {
        self.entries(Bound::Unbounded, Bound::Unbounded)
    }

    /// Entries whose key's bytes start with the bytes `prefix_serde` gives `prefix`, in
    /// key order (Kafka Streams' `prefixScan`).
    pub fn prefix_scan<P: 'static>(
        &self,
        prefix: &P,
        prefix_serde: &impl Serde<P>,
    ) -> Result<Vec<(K, ValueAndTimestamp<V>)>> {
        self.prefix_scan_bytes(&prefix_bytes(&self.store, prefix, prefix_serde)?)
    }

    /// Entries whose key's bytes start with `prefix`, in key order.
    pub(crate) fn prefix_scan_bytes(&self, prefix: &[u8]) -> Result<Vec<(K, ValueAndTimestamp<V>)>> {
        let range = prefix_range(prefix);
        let (from, to) = prefix_bounds(&range);
        self.entries(from, to)
    }

    /// The value of `key` with its timestamp, and the key's bytes for a
    /// [`put_bytes`](Self::put_bytes) after it (a read-modify-write serializes the key
    /// once).
    pub(crate) fn get_with_key(&self, key: &K) -> Result<(Bytes, Option<ValueAndTimestamp<V>>)> {
        let k = key_bytes(&self.store, &self.keys, key)?;
        let found = match self.store.get_stamped(&k)? {
            Some(stamped) => Some(self.typed(stamped)?),
            None => None,
        };
        Ok((k, found))
    }

    /// Sets the key with these bytes to `value` at `timestamp`; returns the length of
    /// the value's bytes.
    pub(crate) fn put_bytes(&self, key: Bytes, value: &V, timestamp: i64) -> Result<usize> {
        let v = self.values.serialize(self.store.name(), value).map_err(|e| {
            self.store.error(StoreError::Serialize {
                part: "value",
                source: e.into(),
            })
        })?;
        let len = v.as_ref().map_or(0, Bytes::len);
        self.store.put_stamped(key, v, timestamp);
        Ok(len)
    }

    /// Removes the key with these bytes.
    pub(crate) fn delete_bytes(&self, key: Bytes) {
        self.store.put(key, None);
    }

    fn typed(&self, stamped: Stamped) -> Result<ValueAndTimestamp<V>> {
        Ok(ValueAndTimestamp {
            value: value_of(&self.store, &self.values, &stamped.value)?,
            timestamp: stamped.timestamp,
        })
    }

    fn entries(&self, from: Bound<&Bytes>, to: Bound<&Bytes>) -> Result<Vec<(K, ValueAndTimestamp<V>)>> {
        self.store
            .range_stamped(bound(from), bound(to))?
            .into_iter()
            .map(|(k, stamped)| Ok((stored(&self.store, &self.keys, "key", &k)?, self.typed(stamped)?)))
            .collect()
    }
}

/// A timestamped store as the embedding application queries it while the topology
/// runs: all local instances (one per task) seen as one.
pub struct ReadOnlyTimestampedKeyValueStore<K, V> {
    name: String,
    parts: Vec<TimestampedKeyValueStore<K, V>>,
}

impl<K: 'static, V: 'static> ReadOnlyTimestampedKeyValueStore<K, V> {
    pub(crate) fn new(name: &str, parts: Vec<TimestampedKeyValueStore<K, V>>) -> Self {
        Self {
            name: name.to_owned(),
            parts,
        }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value of `key` and its timestamp, from whichever local task holds it.
    pub fn get(&self, key: &K) -> Result<Option<ValueAndTimestamp<V>>> {
        for part in &self.parts {
            if let Some(v) = part.get(key)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// Entries with `from <= key <= to`, in key order across tasks.
    pub fn range(&self, from: &K, to: &K) -> Result<Vec<(K, ValueAndTimestamp<V>)>>
    where
        K: Ord,
    {
        merged(&self.parts, |p| p.range(from, to))
    }

    /// Every entry, in key order across tasks.
    pub fn all(&self) -> Result<Vec<(K, ValueAndTimestamp<V>)>>
    where
        K: Ord,
    {
        merged(&self.parts, TimestampedKeyValueStore::all)
    }

    /// Entries whose key's bytes start with the bytes `prefix_serde` gives `prefix`, in
    /// key order across tasks (Kafka Streams' `prefixScan`).
    pub fn prefix_scan<P: 'static>(
        &self,
        prefix: &P,
        prefix_serde: &impl Serde<P>,
    ) -> Result<Vec<(K, ValueAndTimestamp<V>)>>
    where
        K: Ord,
    {
        merged(&self.parts, |p| p.prefix_scan(prefix, prefix_serde))
    }

    /// About how many entries the local instances hold.
    pub fn approximate_len(&self) -> u64 {
        self.parts.iter().map(|p| p.store.approximate_len()).sum()
    }
}

impl<K, V> std::fmt::Debug for ReadOnlyTimestampedKeyValueStore<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOnlyTimestampedKeyValueStore")
            .field("name", &self.name)
            .finish()
    }
}
