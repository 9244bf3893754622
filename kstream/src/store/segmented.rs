//! A key-value store cut into time segments: each entry lives in the segment of its
//! time, and a segment older than the retention is dropped whole.

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};

use super::typed::KeyValueStore;
use crate::error::Result;

/// Entries kept by time in segments of `retention / segments`, over a
/// [`KeyValueStore`] of byte keys (in memory or RocksDB, changelogged like any
/// store): each key is stored under its segment's number, so the segments of a store
/// are its key ranges. Reading a key looks in the live segments; moving the time on
/// drops the segments that end before `time - retention`, with a tombstone each entry
/// in the changelog. Kafka Streams' segmented window stores work the same way.
///
/// Open one in a processor's `init` from the store its handle names (see
/// `KStream::deduplicate`, which keeps ids in one).
pub struct SegmentedStore<V> {
    store: KeyValueStore<Bytes, V>,
    segment_ms: i64,
    retention_ms: i64,
    /// The segments holding entries.
    segments: BTreeSet<i64>,
    /// The newest time seen.
    observed: i64,
}

impl<V: 'static> std::fmt::Debug for SegmentedStore<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegmentedStore")
            .field("store", &self.store.name())
            .field("segment_ms", &self.segment_ms)
            .field("segments", &self.segments.len())
            .finish()
    }
}

/// The first bytes of every key of `segment`: its number, big-endian with the sign bit
/// flipped so that byte order is numeric order.
fn segment_prefix(segment: i64) -> [u8; 8] {
    ((segment as u64) ^ (1 << 63)).to_be_bytes()
}

fn segment_of_key(key: &[u8]) -> Option<i64> {
    let prefix: [u8; 8] = key.get(..8)?.try_into().ok()?;
    Some((u64::from_be_bytes(prefix) ^ (1 << 63)) as i64)
}

impl<V: 'static> SegmentedStore<V> {
    /// Opens `store` as segments of `retention / segments` (at least a millisecond),
    /// finding the segments it already holds (after a restore, say).
    pub fn open(store: KeyValueStore<Bytes, V>, retention: Duration, segments: u32) -> Result<Self> {
        let retention_ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX).max(1);
        let count = i64::from(segments.max(1));
        let segment_ms = ((retention_ms + count - 1) / count).max(1);
        let mut found = BTreeSet::new();
        for (key, _) in store.all()? {
            if let Some(segment) = segment_of_key(&key) {
                found.insert(segment);
            }
        }
        let observed = found.last().map_or(i64::MIN, |s| s.saturating_mul(segment_ms));
        Ok(SegmentedStore {
            store,
            segment_ms,
            retention_ms,
            segments: found,
            observed,
        })
    }

    /// The length of a segment, in milliseconds.
    pub fn segment_ms(&self) -> i64 {
        self.segment_ms
    }

    /// The segment of time `time`.
    pub fn segment_of(&self, time: i64) -> i64 {
        time.div_euclid(self.segment_ms)
    }

    /// The oldest segment kept once the time has reached `time`.
    fn first_live(&self, time: i64) -> i64 {
        self.segment_of(time.saturating_sub(self.retention_ms))
    }

    fn key(segment: i64, key: &[u8]) -> Bytes {
        let mut bytes = BytesMut::with_capacity(8 + key.len());
        bytes.put_slice(&segment_prefix(segment));
        bytes.put_slice(key);
        bytes.freeze()
    }

    /// Moves the time to `time` if it is the newest seen, dropping the segments that
    /// fall out of the retention; returns how many it dropped.
    pub fn advance(&mut self, time: i64) -> Result<usize> {
        if time <= self.observed {
            return Ok(0);
        }
        self.observed = time;
        let first_live = self.first_live(time);
        let expired: Vec<i64> = self.segments.range(..first_live).copied().collect();
        for segment in &expired {
            for (key, _) in self.store.prefix_scan_bytes(&segment_prefix(*segment))? {
                self.store.delete(&key)?;
            }
            self.segments.remove(segment);
        }
        Ok(expired.len())
    }

    /// Puts `value` under `key` in the segment of `time`; returns `false`, keeping
    /// nothing, when that segment is already out of the retention.
    pub fn put(&mut self, time: i64, key: &[u8], value: &V) -> Result<bool> {
        let segment = self.segment_of(time);
        if self.observed != i64::MIN && segment < self.first_live(self.observed) {
            return Ok(false);
        }
        self.store.put(&Self::key(segment, key), value)?;
        self.segments.insert(segment);
        Ok(true)
    }

    /// The oldest live entry of `key`: the start of its segment, and its value.
    pub fn get(&self, key: &[u8]) -> Result<Option<(i64, V)>> {
        let first_live = if self.observed == i64::MIN {
            i64::MIN
        } else {
            self.first_live(self.observed)
        };
        for segment in self.segments.range(first_live..) {
            if let Some(value) = self.store.get(&Self::key(*segment, key))? {
                return Ok(Some((segment.saturating_mul(self.segment_ms), value)));
            }
        }
        Ok(None)
    }

    /// The segments holding entries, oldest first.
    pub fn segments(&self) -> Vec<i64> {
        self.segments.iter().copied().collect()
    }
}
