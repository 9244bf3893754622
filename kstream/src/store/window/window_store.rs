//! [`WindowStore`]: values per key and window start.

use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;

use super::schema::{KeyLayout, window_key, window_of};
use crate::error::Result;
use crate::serdes::SerdeRef;
use crate::store::ValueAndTimestamp;
use crate::store::format::corrupt;
use crate::store::state::{Stamped, StateStore};
use crate::store::typed::{key_bytes, put_value, stored, value_bytes, value_of};
use crate::window::{Window, Windowed};

/// A typed window store (Kafka Streams' `TimestampedWindowStore`): values per key and
/// window start, each with the timestamp of the record that wrote it. The store of a
/// time-windowed aggregation ([`TopologyTestDriver::window_store`](crate::TopologyTestDriver::window_store),
/// [`KafkaStreams::window_store`](crate::KafkaStreams::window_store)) and of a side of
/// a stream-stream join.
pub struct WindowStore<K, V> {
    store: Arc<StateStore>,
    keys: SerdeRef<K>,
    values: SerdeRef<V>,
    /// The windows' size, to tell a window's end from its start.
    size_ms: i64,
    /// The next sequence number, in a store that keeps every record of a key and time.
    seq: u32,
}

impl<K, V> std::fmt::Debug for WindowStore<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WindowStore")
            .field("name", &self.store.name())
            .field("size_ms", &self.size_ms)
            .finish()
    }
}

impl<K: 'static, V: 'static> WindowStore<K, V> {
    pub(crate) fn new(store: Arc<StateStore>, keys: SerdeRef<K>, values: SerdeRef<V>, size_ms: i64) -> Self {
        WindowStore {
            store,
            keys,
            values,
            size_ms,
            seq: 0,
        }
    }

    /// Makes [`put_duplicate`](Self::put_duplicate) number its entries after the
    /// largest sequence number the store holds (after a restore).
    pub(crate) fn resume_sequence(&mut self) -> Result<()> {
        let mut max = None;
        for (key, _) in self.store.range(Bound::Unbounded, Bound::Unbounded)? {
            let (_, seq) = window_of(&key).ok_or_else(|| corrupt(self.store.name(), &key))?;
            max = max.max(Some(seq));
        }
        self.seq = max.map_or(0, |m| m.wrapping_add(1));
        Ok(())
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        self.store.name()
    }

    /// The bytes of `key`.
    pub(crate) fn key_bytes(&self, key: &K) -> Result<Bytes> {
        key_bytes(&self.store, &self.keys, key)
    }

    /// The value of `key` in the window starting at `start`.
    pub fn fetch(&self, key: &K, start: i64) -> Result<Option<ValueAndTimestamp<V>>> {
        let k = self.key_bytes(key)?;
        self.fetch_bytes(&k, start)
    }

    pub(crate) fn fetch_bytes(&self, key: &[u8], start: i64) -> Result<Option<ValueAndTimestamp<V>>> {
        match self.store.get_stamped(&window_key(key, start, 0))? {
            Some(s) => self.decoded(s).map(Some),
            None => Ok(None),
        }
    }

    fn decoded(&self, s: Stamped) -> Result<ValueAndTimestamp<V>> {
        Ok(ValueAndTimestamp::new(
            value_of(&self.store, &self.values, &s.value)?,
            s.timestamp,
        ))
    }

    /// Sets `key` in the window starting at `start` to `value` (`None` deletes it),
    /// written by a record of `timestamp`; returns the value's length in bytes.
    pub fn put(&self, key: &K, start: i64, value: Option<&V>, timestamp: i64) -> Result<usize> {
        let k = self.key_bytes(key)?;
        self.put_bytes(&k, start, value, timestamp)
    }

    pub(crate) fn put_bytes(
        &self,
        key: &[u8],
        start: i64,
        value: Option<&V>,
        timestamp: i64,
    ) -> Result<usize> {
        put_value(
            &self.store,
            &self.values,
            window_key(key, start, 0),
            value,
            timestamp,
        )
    }

    /// Adds `value` for `key` at `time`, next to any other value there (a join's store
    /// keeps every record: each gets the next sequence number).
    pub(crate) fn put_duplicate(&mut self, key: &[u8], time: i64, value: &V, timestamp: i64) -> Result<()> {
        let bytes = value_bytes(&self.store, &self.values, value)?;
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        self.store
            .put_stamped(window_key(key, time, seq), bytes, timestamp);
        Ok(())
    }

    /// The values of `key` in the windows starting from `from` to `to` (both included),
    /// by start: `(start, value)`.
    pub fn fetch_range(&self, key: &K, from: i64, to: i64) -> Result<Vec<(i64, ValueAndTimestamp<V>)>> {
        let k = self.key_bytes(key)?;
        self.fetch_range_bytes(&k, from, to)
    }

    pub(crate) fn fetch_range_bytes(
        &self,
        key: &[u8],
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, ValueAndTimestamp<V>)>> {
        // Windows start at or after the epoch (their times sort as unsigned bytes).
        let from = from.max(0);
        if from > to {
            return Ok(Vec::new());
        }
        let (lo, hi) = (window_key(key, from, 0), window_key(key, to, u32::MAX));
        let mut out = Vec::new();
        for (k, s) in self
            .store
            .range_stamped(Bound::Included(&lo[..]), Bound::Included(&hi[..]))?
        {
            // Keys that only start with `key` sort among its entries: skip them.
            if KeyLayout::Window.record_key(&k) != Some(key) {
                continue;
            }
            let (start, _) = window_of(&k).ok_or_else(|| corrupt(self.store.name(), &k))?;
            out.push((start, self.decoded(s)?));
        }
        Ok(out)
    }

    /// Every entry of windows starting from `from` to `to`, in store order (by key,
    /// then start).
    pub fn fetch_all(&self, from: i64, to: i64) -> Result<Vec<(Windowed<K>, ValueAndTimestamp<V>)>> {
        Ok(self
            .all()?
            .into_iter()
            .filter(|(k, _)| (from..=to).contains(&k.window.start))
            .collect())
    }

    /// Every entry, in store order (by key, then start).
    pub fn all(&self) -> Result<Vec<(Windowed<K>, ValueAndTimestamp<V>)>> {
        self.all_bytes()?
            .into_iter()
            .map(|(key, start, value)| {
                let key = stored(&self.store, &self.keys, "key", &key)?;
                Ok((Windowed::new(key, self.window(start)), value))
            })
            .collect()
    }

    /// Every entry as `(key bytes, start, value)`, in store order.
    pub(crate) fn all_bytes(&self) -> Result<Vec<(Bytes, i64, ValueAndTimestamp<V>)>> {
        let mut out = Vec::new();
        for (k, s) in self.store.range_stamped(Bound::Unbounded, Bound::Unbounded)? {
            let corrupt = || corrupt(self.store.name(), &k);
            let (start, _) = window_of(&k).ok_or_else(corrupt)?;
            let key = KeyLayout::Window.record_key(&k).ok_or_else(corrupt)?;
            out.push((Bytes::copy_from_slice(key), start, self.decoded(s)?));
        }
        Ok(out)
    }

    /// The window starting at `start`.
    pub(crate) fn window(&self, start: i64) -> Window {
        Window::new(start, start.saturating_add(self.size_ms))
    }

    /// The key of these bytes.
    pub(crate) fn key_of(&self, bytes: &[u8]) -> Result<K> {
        stored(&self.store, &self.keys, "key", bytes)
    }
}
